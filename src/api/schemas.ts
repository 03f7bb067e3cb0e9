/**
 * The outboundIQ API's request and response shapes (../shared/api), as zod schemas.
 * Shared by the client (strict in what it sends, liberal in what it accepts) and the simulator.
 */
import type { z } from 'zod';
import { array, boolean, coerce, enum as zodEnum, looseObject, number, object, string, union } from 'zod';

/** POST /assignment body. */
export const AssignRequest = object({
  prospect_phone: string().regex(/^\d{10,15}$/),
  prospect_zip: string().optional(),
  dialer_campaign: string().optional(),
  real_time: boolean().optional(),
});
export type AssignRequest = z.infer<typeof AssignRequest>;

/** POST /assignment answer, success or failure. */
export const AssignResponse = object({
  success: boolean(),
  ani: string().nullish(),
  message: string().nullish(),
});
export type AssignResponse = z.infer<typeof AssignResponse>;

/** One lead of POST /assignment/batch. */
export const BatchLead = object({
  row_id: string().min(1),
  prospect_phone: string().regex(/^\d{10,15}$/),
  prospect_zip: string().optional(),
  dialer_campaign: string().optional(),
});
export type BatchLead = z.infer<typeof BatchLead>;

/** POST /assignment/batch body. */
export const BatchRequest = object({
  real_time: boolean().optional(),
  leads: array(BatchLead).min(1),
});
export type BatchRequest = z.infer<typeof BatchRequest>;

/** One row of a batch answer; a row is assigned when `error` is empty. */
export const BatchResult = object({
  row_id: coerce.string(),
  outboundani: string().nullish(),
  error: string().nullish(),
});
export type BatchResult = z.infer<typeof BatchResult>;

/** POST /assignment/batch answer. */
export const BatchResponse = object({
  success: boolean(),
  results: array(BatchResult).optional(),
  message: string().nullish(),
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

const nullableString = string().nullish();
const nullableNumber = number().nullish();

/** One ANI of GET /nrm/anis, with its 30-day stats. Unknown extra fields are tolerated. */
export const AniRecord = looseObject({
  id: union([number(), string()]),
  phone: string(),
  brand: nullableString,
  status: string(),
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
export const AniListResponse = object({
  result: string(),
  count: number(),
  total_anis: number(),
  can_next_page: boolean(),
  can_prev_page: boolean(),
  total_pages: number(),
  data: array(AniRecord),
});
export type AniListResponse = z.infer<typeof AniListResponse>;

/** The NRM actions, each one endpoint under /nrm. */
export const NRM_ACTIONS = ['pause', 'activate', 'remediate'] as const;
export const NrmAction = zodEnum(NRM_ACTIONS);
export type NrmAction = z.infer<typeof NrmAction>;

/** POST /nrm/{pause,activate,remediate} body; `date` is required by activate (YYYYMMDDHHmmss). */
export const NrmActionRequest = object({
  ani: string().regex(/^\d{10,15}$/),
  carrier: string().regex(/^\d{6}$/).optional(),
  note: string().optional(),
  date: string().regex(/^\d{14}$/).optional(),
});
export type NrmActionRequest = z.infer<typeof NrmActionRequest>;

/** POST /nrm/{action} answer: `{status, ani}` on success, `{success: false, message}` on failure. */
export const NrmActionResponse = looseObject({
  status: string().nullish(),
  ani: string().nullish(),
  success: boolean().nullish(),
  message: string().nullish(),
});
export type NrmActionResponse = z.infer<typeof NrmActionResponse>;

/** The NRM statuses the simulator's state machine uses (the docs name ACTIVE_AND_BEING_MANAGED). */
export const NRM_STATUS = {
  active: 'ACTIVE_AND_BEING_MANAGED',
  coolingOff: 'COOLING_OFF',
  remediation: 'IN_REMEDIATION',
} as const;
