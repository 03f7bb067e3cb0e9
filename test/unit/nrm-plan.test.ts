import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANI_FIELDS, AniRecord, NrmActionRequest } from '../../src/api/schemas.js';
import { AppError, isAppError } from '../../src/errors.js';
import { prepareAction, resolveActionColumns } from '../../src/nrm/action-row.js';
import {
  ACTION_FILE_HEADER,
  aniRecordToRow,
  createPlanner,
  formatPlanPreview,
  plannedActionToRow,
  recordFromCsvRow,
  type PlanRules,
  type PlannedAction,
} from '../../src/nrm/plan.js';
import { compileRule } from '../../src/nrm/rules.js';

const NOW = new Date('2026-06-01T08:30:00Z');
const FIXTURE = fileURLToPath(new URL('../../fixtures/nrm-export-sample.csv', import.meta.url));

const SOURCES = {
  pause: 'blockRate >= 15 and last30DaysDials >= 200',
  remediate: 'blockRate >= 25',
  activate: 'blockRate < 5',
};

function rulesFrom(sources: PlanRules['sources']): PlanRules {
  return {
    pause: sources.pause === undefined ? undefined : compileRule(sources.pause, '--pause-when'),
    remediate: sources.remediate === undefined ? undefined : compileRule(sources.remediate, '--remediate-when'),
    activate: sources.activate === undefined ? undefined : compileRule(sources.activate, '--activate-when'),
    sources,
  };
}

function readFixture(): AniRecord[] {
  const [header, ...rows] = parse(readFileSync(FIXTURE, 'utf8')) as string[][];
  if (!header) throw new Error('empty fixture');
  return rows.map((row) => recordFromCsvRow(header, row));
}

function minimalAni(phone: string, status: string, overrides: Partial<AniRecord> = {}): AniRecord {
  return { id: Number(phone.slice(-4)), phone, status, areaCode: phone.slice(0, 3), ...overrides };
}

describe('createPlanner on the sample export', () => {
  const planner = createPlanner(rulesFrom(SOURCES), { now: NOW });
  const planned = readFixture().map((ani) => planner.add(ani));
  const preview = planner.preview();

  it('plans one action per matching ANI, first allowed rule wins, in file order', () => {
    const actions = planned.filter((p): p is PlannedAction => p !== undefined).map((p) => `${p.ani} ${p.action}`);
    expect(actions).toEqual([
      '8025550101 pause',
      '8025550102 pause',
      '2125550103 pause',
      '2125550106 remediate', // cooling off: the pause rule matches but cannot apply
      '3105550107 activate',
      '3105550109 remediate', // in remediation: remediate applies to any status
      '6175550110 pause', // matches pause and remediate: pause comes first
      '4155550112 pause',
    ]);
    expect(planned.filter((p) => p === undefined)).toHaveLength(4);
  });

  it('notes which rule matched and dates activate rows only', () => {
    expect(planned[0]).toEqual({ ani: '8025550101', action: 'pause', note: `plan: ${SOURCES.pause}` });
    expect(planned[5]).toEqual({ ani: '2125550106', action: 'remediate', note: `plan: ${SOURCES.remediate}` });
    expect(planned[6]).toEqual({ ani: '3105550107', action: 'activate', note: `plan: ${SOURCES.activate}`, date: '20260601083000' });
  });

  it('counts per rule and per status', () => {
    expect(preview.total).toBe(12);
    expect(preview.byRule).toEqual({ pause: 5, remediate: 2, activate: 1 });
    expect(preview.byState).toEqual({
      ACTIVE_AND_BEING_MANAGED: { pause: 5 },
      COOLING_OFF: { remediate: 1, activate: 1 },
      IN_REMEDIATION: { remediate: 1 },
    });
  });

  it('computes the share of each area code’s active ANIs that would be paused (derived from the phone when missing)', () => {
    expect(preview.areaCodes).toEqual([
      { areaCode: '802', active: 2, paused: 2, shareOfActive: 1, leftActive: 0 },
      { areaCode: '415', active: 1, paused: 1, shareOfActive: 1, leftActive: 0 },
      { areaCode: '617', active: 2, paused: 1, shareOfActive: 0.5, leftActive: 1 },
      { areaCode: '212', active: 3, paused: 1, shareOfActive: 1 / 3, leftActive: 2 },
      { areaCode: '310', active: 1, paused: 0, shareOfActive: 0, leftActive: 1 },
    ]);
  });

  it('warns about emptied area codes and rule matches the state machine leaves out', () => {
    expect(preview.warnings).toEqual([
      'area code 415 would be left with no active ANI (pausing 1 of 1)',
      'area code 802 would be left with no active ANI (pausing 2 of 2)',
      `the pause rule (${SOURCES.pause}) matched 1 ANI not in ACTIVE_AND_BEING_MANAGED: left out (only those can be paused)`,
      `the activate rule (${SOURCES.activate}) matched 2 ANIs not in COOLING_OFF: left out (only those can be activated)`,
    ]);
  });

  it('formats a readable preview', () => {
    expect(formatPlanPreview(preview)).toBe(
      [
        'nrm plan: 12 ANIs read, 8 actions planned (pause 5, remediate 2, activate 1)',
        '',
        'status                    pause  remediate  activate',
        'ACTIVE_AND_BEING_MANAGED      5          0         0',
        'COOLING_OFF                   0          1         1',
        'IN_REMEDIATION                0          1         0',
        '',
        'area code  active  paused  share  left active',
        '802             2       2   100%            0',
        '415             1       1   100%            0',
        '617             2       1    50%            1',
        '212             3       1    33%            2',
        '',
        ...preview.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
  });

  it('writes rows that nrm apply accepts as they are', () => {
    const columns = resolveActionColumns(ACTION_FILE_HEADER);
    for (const p of planned) {
      if (!p) continue;
      const prepared = prepareAction(plannedActionToRow(p), columns);
      expect(prepared).toEqual({
        ok: true,
        action: p.action,
        request: p.date === undefined ? { ani: p.ani, note: p.note } : { ani: p.ani, note: p.note, date: p.date },
      });
    }
  });
});

describe('createPlanner options and edge cases', () => {
  it('warns when a rule matches nothing', () => {
    const planner = createPlanner(rulesFrom({ pause: 'state == "ny"' }));
    planner.add(minimalAni('2125550120', 'ACTIVE_AND_BEING_MANAGED', { state: 'NY' }));
    expect(planner.preview().warnings).toEqual(['the pause rule (state == "ny") matched no ANI']);
  });

  it('uses the given activate date in any accepted form', () => {
    const planner = createPlanner(rulesFrom({ activate: 'blockRate < 5' }), { activateDate: '2026-07-01T09:00:00+02:00' });
    expect(planner.add(minimalAni('3105550121', 'COOLING_OFF', { blockRate: 1 }))?.date).toBe('20260701070000');
  });

  it('refuses a bad activate date and a plan with no rule', () => {
    expect(() => createPlanner(rulesFrom({ activate: 'blockRate < 5' }), { activateDate: '2026-02-30' })).toThrow(
      'activate date: date "2026-02-30" is not a real date/time: day 30 (2026-02 has 28 days)',
    );
    let caught: unknown;
    try {
      createPlanner({ sources: {} });
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'E_USAGE')).toBe(true);
  });

  it('reads the status case-insensitively and keeps an empty plan quiet about area codes', () => {
    const planner = createPlanner(rulesFrom({ pause: 'blockRate > 50' }));
    expect(planner.add(minimalAni('8025550122', ' active_and_being_managed ', { blockRate: 60 }))?.action).toBe('pause');
    expect(planner.preview().byState).toEqual({ ACTIVE_AND_BEING_MANAGED: { pause: 1 } });
    const empty = createPlanner(rulesFrom({ pause: 'blockRate > 50' })).preview();
    expect(empty).toEqual({ total: 0, byRule: { pause: 0, remediate: 0, activate: 0 }, byState: {}, areaCodes: [], warnings: [] });
    expect(formatPlanPreview(empty)).toBe('nrm plan: 0 ANIs read, 0 actions planned (pause 0, remediate 0, activate 0)');
  });

  it('lists at most the given number of area codes, then says how many more', () => {
    const planner = createPlanner(rulesFrom({ pause: 'blockRate > 50' }));
    for (const area of ['201', '202', '203']) planner.add(minimalAni(`${area}5550123`, 'ACTIVE_AND_BEING_MANAGED', { blockRate: 60 }));
    const text = formatPlanPreview(planner.preview(), 2);
    expect(text).toContain('\n201             1       1   100%            0\n202 ');
    expect(text).not.toContain('\n203 ');
    expect(text).toContain('… and 1 more area codes with pauses');
  });

  it('keeps counters consistent with what it returned, for any inventory (property)', () => {
    const statuses = fc.constantFrom('ACTIVE_AND_BEING_MANAGED', 'COOLING_OFF', 'IN_REMEDIATION');
    const ani = fc.record({
      area: fc.constantFrom('802', '212', '310'),
      line: fc.integer({ min: 100, max: 199 }),
      status: statuses,
      blockRate: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(ani, { maxLength: 60 }), (inventory) => {
        const planner = createPlanner(rulesFrom({ pause: 'blockRate >= 15', remediate: 'blockRate >= 30', activate: 'blockRate < 5' }));
        const counts = { pause: 0, remediate: 0, activate: 0 };
        for (const a of inventory) {
          const record = minimalAni(`${a.area}555${String(a.line).padStart(4, '0')}`, a.status, { blockRate: a.blockRate });
          const p = planner.add(record);
          if (!p) continue;
          counts[p.action] += 1;
          if (p.action === 'pause') expect(a.status).toBe('ACTIVE_AND_BEING_MANAGED');
          if (p.action === 'activate') expect(a.status).toBe('COOLING_OFF');
        }
        const preview = planner.preview();
        expect(preview.total).toBe(inventory.length);
        expect(preview.byRule).toEqual(counts);
        const activeByArea = new Map<string, number>();
        for (const a of inventory) {
          if (a.status === 'ACTIVE_AND_BEING_MANAGED') activeByArea.set(a.area, (activeByArea.get(a.area) ?? 0) + 1);
        }
        expect(Object.fromEntries(preview.areaCodes.map((a) => [a.areaCode, a.active]))).toEqual(Object.fromEntries(activeByArea));
        expect(preview.areaCodes.reduce((sum, a) => sum + a.paused, 0)).toBe(counts.pause);
        for (const a of preview.areaCodes) expect(a.leftActive).toBe(a.active - a.paused);
      }),
      { seed: 20260126 },
    );
  });
});

describe('export rows', () => {
  it('rebuilds typed records from the sample export', () => {
    const [first, , , , , , , eighth] = readFixture();
    expect(first).toMatchObject({ id: 10101, phone: '8025550101', blockRate: 22.5, last30DaysDials: 900, dateDeactivated: null });
    expect(eighth).toMatchObject({ campaignName: 'Spring, East', last30DaysDials: null, contactRate: null, blockRate: 1 });
    for (const record of readFixture()) expect(AniRecord.safeParse(record).success).toBe(true);
  });

  it('writes every documented field in order, null as empty, numbers as given', () => {
    const record = { ...minimalAni('8025550130', 'COOLING_OFF'), blockRate: 8.25, contactRate: 36.0, last30DaysDials: 0, brand: null };
    const row = aniRecordToRow(record);
    expect(row).toHaveLength(ANI_FIELDS.length);
    expect(Object.fromEntries(ANI_FIELDS.map((f, i) => [f, row[i]]))).toMatchObject({
      id: '130',
      phone: '8025550130',
      status: 'COOLING_OFF',
      brand: '',
      blockRate: '8.25',
      contactRate: '36',
      last30DaysDials: '0',
      region: '',
    });
  });

  it('finds columns by name in any order and case, ignoring extra columns', () => {
    const header = ['Block Rate', 'extra', 'STATUS', 'phone', 'id'];
    expect(recordFromCsvRow(header, ['7.5', 'x', 'COOLING_OFF', '8025550131', 'A-1'])).toMatchObject({
      id: 'A-1',
      phone: '8025550131',
      status: 'COOLING_OFF',
      blockRate: 7.5,
      region: null,
    });
  });

  it('refuses a file that is not an export, and text in a number column', () => {
    expect(() => recordFromCsvRow(['ani', 'action'], ['8025550132', 'pause'])).toThrow(
      /^not an nrm export: no phone or status column/,
    );
    let caught: unknown;
    try {
      recordFromCsvRow(['phone', 'status', 'blockRate'], ['8025550133', 'COOLING_OFF', 'high']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('E_INPUT');
    expect((caught as AppError).message).toBe('column blockRate: "high" is not a number');
  });

  it('round-trips any record through the export row (property)', () => {
    const text = fc.string({ maxLength: 12 }).filter((s) => s.trim() !== '');
    const number = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true }));
    const fieldValue = (field: (typeof ANI_FIELDS)[number]): fc.Arbitrary<unknown> => {
      if (field === 'id') return fc.nat();
      if (field === 'phone') return fc.stringMatching(/^\d{10}$/);
      if (field === 'status') return fc.constantFrom('ACTIVE_AND_BEING_MANAGED', 'COOLING_OFF');
      const isText = AniRecord.shape[field].safeParse('x').success;
      return isText ? fc.option(text, { nil: null }) : fc.option(number, { nil: null });
    };
    const record = fc.record(Object.fromEntries(ANI_FIELDS.map((f) => [f, fieldValue(f)])));
    fc.assert(
      fc.property(record, (r) => {
        const back = recordFromCsvRow(ANI_FIELDS, aniRecordToRow(r as AniRecord));
        expect(back).toEqual(r);
        expect(NrmActionRequest.safeParse({ ani: back.phone }).success).toBe(true);
      }),
      { seed: 20260126 },
    );
  });
});
