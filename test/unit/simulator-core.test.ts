import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANI_FIELDS, AniRecord, NRM_STATUS } from '../../src/api/schemas.js';
import { assignAni, isValidProspectPhone } from '../../src/simulator/assign.js';
import { findAreaCodeState, findPhoneAreaCode, findZipState } from '../../src/simulator/geo.js';
import { createInventory } from '../../src/simulator/inventory.js';
import { createRng, rollChance, shuffleInPlace } from '../../src/simulator/prng.js';

describe('simulator prng', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws nothing for certain outcomes, so a disabled fault does not shift the others', () => {
    const rng = createRng(7);
    const reference = createRng(7);
    expect(rollChance(rng, 0)).toBe(false);
    expect(rollChance(rng, 1)).toBe(true);
    expect(rng()).toBe(reference());
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const shuffled = shuffleInPlace(createRng(1), [...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });
});

describe('simulator geo tables', () => {
  it.each([
    ['90210', 'CA'], ['94105', 'CA'], ['10001', 'NY'], ['14604', 'NY'], ['02108', 'MA'], ['33101', 'FL'],
    ['60601', 'IL'], ['75201', 'TX'], ['77002', 'TX'], ['98101', 'WA'], ['30301', 'GA'], ['85001', 'AZ'],
    ['80202', 'CO'], ['89101', 'NV'], ['19103', 'PA'], ['07302', 'NJ'], ['06103', 'CT'], ['05401', 'VT'],
    ['90210-1234', 'CA'],
  ])('maps zip %s to %s', (zip, state) => {
    expect(findZipState(zip)).toBe(state);
  });

  it('knows no state for junk or short zips', () => {
    for (const zip of ['', '12', 'abcde', '9x210', '00001']) expect(findZipState(zip)).toBeUndefined();
  });

  it('maps area codes with and without inventory to their states', () => {
    expect(findAreaCodeState('212')).toBe('NY');
    expect(findAreaCodeState('646')).toBe('NY');
    expect(findAreaCodeState('203')).toBe('CT');
    expect(findAreaCodeState('555')).toBeUndefined();
  });

  it('finds the area code of 10- and 11-digit NANP numbers only', () => {
    expect(findPhoneAreaCode('2125550101')).toBe('212');
    expect(findPhoneAreaCode('12125550101')).toBe('212');
    expect(findPhoneAreaCode('442071234567')).toBeUndefined();
  });
});

describe('simulator prospect phone check', () => {
  it.each(['2125550101', '12125550101', '442071234567', '123456789012345'])('accepts %s', (phone) => {
    expect(isValidProspectPhone(phone)).toBe(true);
  });
  it.each(['0125550101', '1125550101', '212555010', '1234567890123456', '212-555-0101', '', 2125550101, null])(
    'refuses %s',
    (phone) => {
      expect(isValidProspectPhone(phone)).toBe(false);
    },
  );
});

describe('simulator inventory', () => {
  const inventory = createInventory(1, 500);

  it('holds every documented field, in the docs order, valid per the shared schema', () => {
    expect(inventory.anis).toHaveLength(500);
    for (const ani of inventory.anis) {
      expect(Object.keys(ani)).toEqual([...ANI_FIELDS]);
      expect(AniRecord.safeParse(ani).success).toBe(true);
    }
  });

  it('keeps the sparse area codes small and fully active', () => {
    const counts = (areaCode: string) => inventory.byAreaCode.get(areaCode)?.map((ani) => ani.status);
    expect(counts('802')).toEqual([NRM_STATUS.active]);
    expect(counts('775')).toEqual([NRM_STATUS.active]);
    expect(counts('860')).toEqual([NRM_STATUS.active, NRM_STATUS.active]);
    expect(counts('504')).toEqual([NRM_STATUS.active, NRM_STATUS.active]);
  });

  it('has a spread of statuses and stats', () => {
    const statuses = new Set(inventory.anis.map((ani) => ani.status));
    expect(statuses).toEqual(new Set([NRM_STATUS.active, NRM_STATUS.coolingOff, NRM_STATUS.remediation, 'INACTIVE']));
    const blockRates = inventory.anis.map((ani) => ani.blockRate);
    expect(Math.max(...blockRates)).toBeGreaterThan(15);
    expect(blockRates.filter((rate) => rate < 5).length).toBeGreaterThan(100);
    expect(inventory.anis.some((ani) => ani.last30DaysDials === 0)).toBe(true);
    expect(Math.max(...inventory.anis.map((ani) => ani.last30DaysDials))).toBeGreaterThan(2500);
  });

  it('keeps its invariants for any seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 300 }), (seed, size) => {
        const { anis, byPhone } = createInventory(seed, size);
        expect(anis).toHaveLength(size);
        expect(byPhone.size).toBe(size);
        anis.forEach((ani, index) => {
          expect(ani.id).toBe(12001 + index);
          expect(ani.phone).toMatch(new RegExp(`^${ani.areaCode}[2-9]\\d{6}$`));
          expect(ani.blockRate).toBeGreaterThanOrEqual(0);
          expect(ani.blockRate).toBeLessThanOrEqual(30);
          expect(ani.last30DaysDials).toBeLessThanOrEqual(3000);
          expect(ani.last30DaysContacts).toBeLessThanOrEqual(ani.last30DaysDials);
          expect(ani.contactRate + ani.blockRate + ani.noAnswerRate).toBeLessThanOrEqual(100.000001);
          expect(ani.frequencyDialed).toBeGreaterThanOrEqual(ani.last30DaysDials);
          expect(ani.dateInventoried).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(ani.dateDeactivated === null).toBe(ani.status === NRM_STATUS.active);
        });
      }),
      { numRuns: 40, seed: 20260528, examples: [[14, 92]] },
    );
  });

  it('is the same for the same seed and different for another', () => {
    expect(createInventory(1, 500).anis).toEqual(inventory.anis);
    expect(createInventory(2, 500).anis.map((ani) => ani.phone)).not.toEqual(inventory.anis.map((ani) => ani.phone));
  });
});

describe('simulator selector', () => {
  it('rotates by the lowest rotation counter and moves it', () => {
    const inventory = createInventory(1, 500);
    const pair = inventory.byAreaCode.get('860') ?? [];
    const counters = () => pair.map((ani) => ani.frequencyAssigned);
    const [a0 = 0, b0 = 0] = counters();
    const lagging = a0 <= b0 ? pair[0] : pair[1];
    // The lagging ANI is picked until it catches up, then the two alternate.
    const first = assignAni(inventory, '8605550101', undefined);
    expect(first).toBe(lagging?.phone);
    const rounds = Math.abs(a0 - b0) + 10;
    const picked = Array.from({ length: rounds }, () => assignAni(inventory, '8605550101', undefined));
    expect(new Set(picked)).toEqual(new Set(pair.map((ani) => ani.phone)));
    const [a = 0, b = 0] = counters();
    expect(a + b).toBe(a0 + b0 + rounds + 1);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
  });

  it('skips ANIs that are not active', () => {
    const inventory = createInventory(1, 500);
    for (const ani of inventory.byState.get('NY') ?? []) ani.status = NRM_STATUS.coolingOff;
    expect(assignAni(inventory, '2125550101', undefined)).toBeUndefined();
    expect(assignAni(inventory, '2125550101', '90210')).toMatch(/^(310|415|619|916)/);
  });
});
