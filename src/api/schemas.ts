/**
 * The outboundIQ API's request and response shapes (../shared/api), as zod schemas.
 * Shared by the client (strict in what it sends, liberal in what it accepts) and the simulator.
 */
import { z } from 'zod';

/** POST /assignment body. */
export const AssignRequest = z.object({
  prospect_phone: z.string().regex(/^\d{10,15}$/),
  prospect_zip: z.string().optional(),
  dialer_campaign: z.string().optional(),
  real_time: z.boolean().optional(),
});
export type AssignRequest = z.infer<typeof AssignRequest>;

/** POST /assignment answer, success or failure. */
export const AssignResponse = z.object({
  success: z.boolean(),
  ani: z.string().nullish(),
  message: z.string().nullish(),
});
export type AssignResponse = z.infer<typeof AssignResponse>;

/** One lead of POST /assignment/batch. */
export const BatchLead = z.object({
  row_id: z.string().min(1),
  prospect_phone: z.string().regex(/^\d{10,15}$/),
  prospect_zip: z.string().optional(),
  dialer_campaign: z.string().optional(),
});
export type BatchLead = z.infer<typeof BatchLead>;

/** POST /assignment/batch body. */
export const BatchRequest = z.object({
  real_time: z.boolean().optional(),
  leads: z.array(BatchLead).min(1),
});
export type BatchRequest = z.infer<typeof BatchRequest>;

/** One row of a batch answer; a row is assigned when `error` is empty. */
export const BatchResult = z.object({
  row_id: z.coerce.string(),
  outboundani: z.string().nullish(),
  error: z.string().nullish(),
});
export type BatchResult = z.infer<typeof BatchResult>;

/** POST /assignment/batch answer. */
export const BatchResponse = z.object({
  success: z.boolean(),
  results: z.array(BatchResult).optional(),
  message: z.string().nullish(),
});
export type BatchResponse = z.infer<typeof BatchResponse>;

/** Every documented field of an NRM ANI record, in the docs' order (the export's columns). */
export const ANI_FIELDS = [
  'id',
  'phone',
  'brand',
  'status',
  'statusLabel',
  'campaignName',
  'areaCode',
  'region',
  'state',
  'locality',
  'frequencyAssigned',
  'frequencyDialed',
  'frequencyContacted',
  'dateLastDialed',
  'dateActivated',
  'dateDeactivated',
  'dateInventoried',
  'createdAt',
  'last30DaysDials',
  'last30DaysContacts',
  'contactRate',
  'successRate',
  'blockRate',
  'noAnswerRate',
] as const;
export type AniField = (typeof ANI_FIELDS)[number];

const nullableString = z.string().nullish();
const nullableNumber = z.number().nullish();

/** One ANI of GET /nrm/anis, with its 30-day stats. Unknown extra fields are tolerated. */
export const AniRecord = z.looseObject({
  id: z.union([z.number(), z.string()]),
  phone: z.string(),
  brand: nullableString,
  status: z.string(),
  statusLabel: nullableString,
  campaignName: nullableString,
  areaCode: nullableString,
  region: nullableString,
  state: nullableString,
  locality: nullableString,
  frequencyAssigned: nullableNumber,
  frequencyDialed: nullableNumber,
  frequencyContacted: nullableNumber,
  dateLastDialed: nullableString,
  dateActivated: nullableString,
  dateDeactivated: nullableString,
  dateInventoried: nullableString,
  createdAt: nullableString,
  last30DaysDials: nullableNumber,
  last30DaysContacts: nullableNumber,
  contactRate: nullableNumber,
  successRate: nullableNumber,
  blockRate: nullableNumber,
  noAnswerRate: nullableNumber,
});
export type AniRecord = z.infer<typeof AniRecord>;

/** GET /nrm/anis answer. */
export const AniListResponse = z.object({
  result: z.string(),
  count: z.number(),
  total_anis: z.number(),
  can_next_page: z.boolean(),
  can_prev_page: z.boolean(),
  total_pages: z.number(),
  data: z.array(AniRecord),
});
export type AniListResponse = z.infer<typeof AniListResponse>;

/** The NRM actions, each one endpoint under /nrm. */
export const NRM_ACTIONS = ['pause', 'activate', 'remediate'] as const;
export const NrmAction = z.enum(NRM_ACTIONS);
export type NrmAction = z.infer<typeof NrmAction>;

/** POST /nrm/{pause,activate,remediate} body; `date` is required by activate (YYYYMMDDHHmmss). */
export const NrmActionRequest = z.object({
  ani: z.string().regex(/^\d{10,15}$/),
  carrier: z.string().regex(/^\d{6}$/).optional(),
  note: z.string().optional(),
  date: z.string().regex(/^\d{14}$/).optional(),
});
export type NrmActionRequest = z.infer<typeof NrmActionRequest>;

/** POST /nrm/{action} answer: `{status, ani}` on success, `{success: false, message}` on failure. */
export const NrmActionResponse = z.looseObject({
  status: z.string().nullish(),
  ani: z.string().nullish(),
  success: z.boolean().nullish(),
  message: z.string().nullish(),
});
export type NrmActionResponse = z.infer<typeof NrmActionResponse>;

/** The NRM statuses the simulator's state machine uses (the docs name ACTIVE_AND_BEING_MANAGED). */
export const NRM_STATUS = {
  active: 'ACTIVE_AND_BEING_MANAGED',
  coolingOff: 'COOLING_OFF',
  remediation: 'IN_REMEDIATION',
} as const;
