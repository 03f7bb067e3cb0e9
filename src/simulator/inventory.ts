/**
 * The seeded ANI inventory: generation (every documented NRM field, with a spread of statuses and
 * 30-day stats) and the indexes the selector and the NRM routes look ANIs up by.
 */
import { NRM_STATUS } from '../api/schemas.js';
import { INVENTORY_AREA_CODES, type AreaCodeInfo } from './geo.js';
import { createRng, pickOne, randomInt, round2, shuffleInPlace, type Rng } from './prng.js';
import type { AniState } from './types.js';

/** A status the generator uses besides NRM_STATUS: neither pausable, activatable nor assignable. */
export const INACTIVE_STATUS = 'INACTIVE';

/** Human labels of the statuses, as the NRM API shows them. */
export const STATUS_LABELS: Readonly<Record<string, string>> = {
  [NRM_STATUS.active]: 'Active and Being Managed',
  [NRM_STATUS.coolingOff]: 'Cooling Off',
  [NRM_STATUS.remediation]: 'In Remediation',
  [INACTIVE_STATUS]: 'Inactive',
};

/** The simulator's fixed "today": dates are derived from it so the same seed gives the same records. */
const TODAY_MS = Date.UTC(2026, 4, 28);
const DAY_MS = 86_400_000;
const FIRST_ID = 12001;

const BRANDS: ReadonlyArray<{ brand: string; campaigns: readonly string[] }> = [
  { brand: 'Acme', campaigns: ['Acme Renewals', 'Acme Winback'] },
  { brand: 'Summit Health', campaigns: ['Medicare Open Enrollment', 'Summit Wellness Check'] },
  { brand: 'BrightPath Solar', campaigns: ['Solar Leads West', 'Solar Leads East'] },
  { brand: 'Northwind Insurance', campaigns: ['Auto Quotes', 'Home Bundle'] },
];

/** The inventory and its lookup indexes (the lists hold the same objects as `anis`). */
export interface Inventory {
  readonly anis: AniState[];
  readonly byPhone: Map<string, AniState>;
  readonly byAreaCode: Map<string, AniState[]>;
  readonly byState: Map<string, AniState[]>;
}

/** Formats a UTC day offset from the simulator's today as YYYY-MM-DD. */
export function formatSimDate(daysBeforeToday: number): string {
  return new Date(TODAY_MS - daysBeforeToday * DAY_MS).toISOString().slice(0, 10);
}

/** Builds `size` seeded ANIs and their indexes. */
export function createInventory(seed: number, size: number): Inventory {
  const rng = createRng(seed);
  const areaCodes = pickAreaCodes(rng, size);
  const used = new Set<string>();
  const anis = areaCodes.map((info, index) => generateAni(rng, info, index, used));
  return indexInventory(anis);
}

/** Builds the lookup indexes over a list of ANIs. */
export function indexInventory(anis: AniState[]): Inventory {
  const byPhone = new Map<string, AniState>();
  const byAreaCode = new Map<string, AniState[]>();
  const byState = new Map<string, AniState[]>();
  for (const ani of anis) {
    byPhone.set(ani.phone, ani);
    pushTo(byAreaCode, ani.areaCode, ani);
    pushTo(byState, ani.state, ani);
  }
  return { anis, byPhone, byAreaCode, byState };
}

function pushTo(map: Map<string, AniState[]>, key: string, ani: AniState): void {
  const list = map.get(key);
  if (list) list.push(ani);
  else map.set(key, [ani]);
}

/**
 * One area code per ANI: the sparse area codes get their fixed count first, every other area code
 * two (when the size allows, so each has a couple), the rest by population weight; then shuffled so
 * the listing is not grouped by area code.
 */
function pickAreaCodes(rng: Rng, size: number): AreaCodeInfo[] {
  const picks: AreaCodeInfo[] = [];
  const sparse = INVENTORY_AREA_CODES.filter((info) => info.sparseCount !== undefined);
  const dense = INVENTORY_AREA_CODES.filter((info) => info.sparseCount === undefined);
  for (const info of sparse) {
    for (let i = 0; i < (info.sparseCount ?? 0) && picks.length < size; i++) picks.push(info);
  }
  if (size - picks.length >= 2 * dense.length) {
    for (const info of dense) picks.push(info, info);
  }
  const totalWeight = dense.reduce((sum, info) => sum + info.weight, 0);
  while (picks.length < size) {
    let ticket = rng() * totalWeight;
    let chosen = dense[dense.length - 1] as AreaCodeInfo;
    for (const info of dense) {
      ticket -= info.weight;
      if (ticket < 0) {
        chosen = info;
        break;
      }
    }
    picks.push(chosen);
  }
  return shuffleInPlace(rng, picks);
}

function pickStatus(rng: Rng, info: AreaCodeInfo): string {
  // Sparse area codes stay fully active: they exist so a pause plan can empty them.
  if (info.sparseCount !== undefined) return NRM_STATUS.active;
  const roll = rng();
  if (roll < 0.06) return NRM_STATUS.coolingOff;
  if (roll < 0.09) return NRM_STATUS.remediation;
  if (roll < 0.11) return INACTIVE_STATUS;
  return NRM_STATUS.active;
}

function pickUniquePhone(rng: Rng, areaCode: string, used: Set<string>): string {
  for (;;) {
    const exchange = randomInt(rng, 200, 999);
    const line = randomInt(rng, 0, 9999);
    const phone = `${areaCode}${exchange}${String(line).padStart(4, '0')}`;
    if (!used.has(phone)) {
      used.add(phone);
      return phone;
    }
  }
}

function generateAni(rng: Rng, info: AreaCodeInfo, index: number, used: Set<string>): AniState {
  const status = pickStatus(rng, info);
  const phone = pickUniquePhone(rng, info.areaCode, used);
  const owner = pickOne(rng, BRANDS);
  const campaignName = pickOne(rng, owner.campaigns);

  const dialing = status !== INACTIVE_STATUS && rng() >= 0.05;
  const dials = dialing ? randomInt(rng, 1, 3000) : 0;
  // Floors throughout keep contactRate ≤ 55 and contact + block + no-answer rates ≤ 100.
  const contacts = dials === 0 ? 0 : Math.floor((dials * randomInt(rng, 1500, 5500)) / 10_000);
  const contactRate = dials === 0 ? 0 : round2((contacts / dials) * 100);
  const successRate = contacts === 0 ? 0 : round2(20 + rng() * 60);
  // Squared: most ANIs block little, a few block a lot (what a pause plan looks for).
  const blockRate = dials === 0 ? 0 : round2(rng() * rng() * 30);
  const noAnswerRate = dials === 0 ? 0 : Math.floor((100 - contactRate - blockRate) * (60 + 40 * rng())) / 100;
  const olderDials = randomInt(rng, 0, 20_000);

  const inventoriedDaysAgo = randomInt(rng, 31, 880);
  const activatedDaysAgo = inventoriedDaysAgo - randomInt(rng, 0, 14);
  const deactivated = status === NRM_STATUS.active ? null : formatSimDate(randomInt(rng, 1, 20));
  return {
    id: FIRST_ID + index,
    phone,
    brand: owner.brand,
    status,
    statusLabel: STATUS_LABELS[status] ?? status,
    campaignName,
    areaCode: info.areaCode,
    region: info.region,
    state: info.state,
    locality: info.locality,
    frequencyAssigned: randomInt(rng, 0, 40),
    frequencyDialed: dials + olderDials,
    frequencyContacted: contacts + Math.round((olderDials * contactRate) / 100),
    dateLastDialed: dials === 0 ? null : formatSimDate(randomInt(rng, 0, 29)),
    dateActivated: formatSimDate(activatedDaysAgo),
    dateDeactivated: deactivated,
    dateInventoried: formatSimDate(inventoriedDaysAgo),
    createdAt: `${formatSimDate(inventoriedDaysAgo)}T${String(randomInt(rng, 8, 18)).padStart(2, '0')}:00:00.000Z`,
    last30DaysDials: dials,
    last30DaysContacts: contacts,
    contactRate,
    successRate,
    blockRate,
    noAnswerRate,
  };
}
