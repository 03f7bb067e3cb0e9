import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NrmActionRequest } from '../../src/api/schemas.js';
import { isAppError } from '../../src/errors.js';
import {
  HEADERLESS_ACTION_COLUMNS,
  looksLikeHeaderlessAniList,
  normaliseAni,
  normaliseActionDate,
  prepareAction,
  resolveActionColumns,
} from '../../src/nrm/action-row.js';

const ALL = { ani: 0, action: 1, carrier: 2, note: 3, date: 4 };
const NOW = new Date('2026-03-04T05:06:07.890Z');

describe('resolveActionColumns', () => {
  it('maps the documented header', () => {
    expect(resolveActionColumns(['ani', 'action', 'carrier', 'note', 'date'])).toEqual(ALL);
  });

  it('ignores case, spaces, _ and - and a BOM, and accepts the ANI aliases', () => {
    expect(resolveActionColumns(['\uFEFFNote', 'ANI Number', 'Carrier-ID', 'ACTION'])).toEqual({
      ani: 1,
      action: 3,
      carrier: 2,
      note: 0,
    });
    expect(resolveActionColumns(['x', 'Phone_Number'])).toEqual({ ani: 1 });
    expect(resolveActionColumns(['number'])).toEqual({ ani: 0 });
  });

  it('prefers an "ani" column over a "phone" column wherever they are', () => {
    expect(resolveActionColumns(['phone', 'ani'])).toEqual({ ani: 1 });
  });

  it('throws E_NO_PHONE_COLUMN naming the file and the header it found', () => {
    let caught: unknown;
    try {
      resolveActionColumns(['who', 'what'], 'actions.csv');
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'E_NO_PHONE_COLUMN')).toBe(true);
    expect((caught as Error).message).toBe(
      'actions.csv: no ANI column (expected a header named ani, ani number, phone or number; found "who", "what")',
    );
  });
});

describe('looksLikeHeaderlessAniList', () => {
  it('recognises a first line that is an ANI', () => {
    expect(looksLikeHeaderlessAniList(['(555) 010-0123'])).toBe(true);
    expect(looksLikeHeaderlessAniList(['+1 555 010 0123', 'pause'])).toBe(true);
    expect(HEADERLESS_ACTION_COLUMNS).toEqual({ ani: 0 });
  });

  it('does not mistake a header for an ANI', () => {
    expect(looksLikeHeaderlessAniList(['ani'])).toBe(false);
    expect(looksLikeHeaderlessAniList(['phone 5550100123'])).toBe(false);
    expect(looksLikeHeaderlessAniList(['12345'])).toBe(false);
    expect(looksLikeHeaderlessAniList([])).toBe(false);
  });
});

describe('normaliseAni', () => {
  it.each([
    ['5550100123', '5550100123'],
    ['(555) 010-0123', '5550100123'],
    ['+1 555.010.0123', '5550100123'],
    ['15550100123', '5550100123'],
    ['+44 20 7946 0958', '442079460958'],
    ['123456789012345', '123456789012345'],
  ])('%s → %s', (raw, ani) => {
    expect(normaliseAni(raw)).toEqual({ ok: true, ani });
  });

  it.each([
    ['555010012', 'ani "555010012" has 9 digits (expected 10–15)'],
    ['1234567890123456', 'ani "1234567890123456" has 16 digits (expected 10–15)'],
    ['', 'ani is empty'],
    ['5.55988E+09', 'ani "5.55988E+09" is in scientific notation (a spreadsheet rounded it): format the column as text'],
    ['5,55988E+09', 'ani "5,55988E+09" is in scientific notation (a spreadsheet rounded it): format the column as text'],
    ['555-010-0123 x45', 'ani "555-010-0123 x45" contains letters (only the number, without extension)'],
  ])('refuses %j', (raw, error) => {
    expect(normaliseAni(raw)).toEqual({ ok: false, error });
  });
});

describe('normaliseActionDate', () => {
  it.each([
    ['20260126120000', '20260126120000'],
    ['2026-01-26', '20260126000000'],
    ['2026-01-26T12:00', '20260126120000'],
    ['2026-01-26T12:00:00', '20260126120000'],
    ['2026-01-26 12:00:00', '20260126120000'],
    ['2026-01-26T12:00:00.999', '20260126120000'],
    ['2026-01-26T12:00:00Z', '20260126120000'],
    ['2026-01-26t12:00:00z', '20260126120000'],
    ['2026-01-26T12:00:00+02:00', '20260126100000'],
    ['2026-01-26T12:00:00+0200', '20260126100000'],
    ['2026-01-26T12:00:00+02', '20260126100000'],
    ['2026-01-26T12:00:00-05:30', '20260126173000'],
    ['2026-01-01T01:00:00+02:00', '20251231230000'],
    ['2024-02-29T23:30:00-01:00', '20240301003000'],
    ['  2026-01-26  ', '20260126000000'],
    ['20240229000000', '20240229000000'],
    ['2000-02-29', '20000229000000'],
  ])('%j → %s', (raw, date) => {
    expect(normaliseActionDate(raw)).toEqual({ ok: true, date });
  });

  it.each([
    ['26/01/2026', 'date "26/01/2026" is not a date (expected YYYYMMDDHHmmss or ISO-8601, e.g. 20260126120000, 2026-01-26, 2026-01-26T12:00:00Z)'],
    ['tomorrow', 'date "tomorrow" is not a date'],
    ['2026012612000', 'is not a date'],
    ['2026-01-26Z', 'is not a date'],
    ['2026-13-01', 'date "2026-13-01" is not a real date/time: month 13 (expected 1–12)'],
    ['20260001120000', 'month 0 (expected 1–12)'],
    ['2026-02-29', 'date "2026-02-29" is not a real date/time: day 29 (2026-02 has 28 days)'],
    ['1900-02-29', 'day 29 (1900-02 has 28 days)'],
    ['2026-04-31', 'day 31 (2026-04 has 30 days)'],
    ['2026-04-00', 'day 0 (2026-04 has 30 days)'],
    ['20260126240000', 'hour 24 (expected 0–23)'],
    ['2026-01-26T12:60:00', 'minute 60 (expected 0–59)'],
    ['2026-01-26T12:00:60Z', 'second 60 (expected 0–59)'],
    ['2026-01-26T12:00:00+24:00', 'date "2026-01-26T12:00:00+24:00" has an invalid zone offset "+24:00"'],
    ['2026-01-26T12:00:00+02:60', 'invalid zone offset'],
    ['0000-01-01T00:00:00+01:00', 'date "0000-01-01T00:00:00+01:00" is out of range once converted to UTC'],
  ])('refuses %j', (raw, error) => {
    const result = normaliseActionDate(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });

  it('agrees with Date for every zoned ISO date-time (property)', () => {
    const dates = fc.date({ min: new Date('1971-01-01Z'), max: new Date('2099-12-31Z'), noInvalidDate: true });
    const offsets = fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 30, 45));
    fc.assert(
      fc.property(dates, offsets, (instant, [sign, h, m]) => {
        const zone = `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
        const shifted = new Date(instant.getTime() + (sign === '+' ? 1 : -1) * (h * 60 + m) * 60_000);
        const local = shifted.toISOString().slice(0, 19);
        const result = normaliseActionDate(`${local}${zone}`);
        const expected = new Date(`${local}${zone}`).toISOString().replace(/\D/g, '').slice(0, 14);
        expect(result).toEqual({ ok: true, date: expected });
      }),
      { seed: 20260126 },
    );
  });
});

describe('prepareAction', () => {
  it('builds a pause request with every field', () => {
    const row = ['(555) 010-0123', 'Pause', ' 130077 ', ' spam tag ', '2026-01-26T12:00:00Z'];
    expect(prepareAction(row, ALL)).toEqual({
      ok: true,
      action: 'pause',
      request: { ani: '5550100123', carrier: '130077', note: 'spam tag', date: '20260126120000' },
    });
  });

  it('leaves empty optional fields out of the request', () => {
    const result = prepareAction(['5550100123', 'pause', '', ' ', ''], ALL);
    expect(result).toEqual({ ok: true, action: 'pause', request: { ani: '5550100123' } });
    if (result.ok) expect(Object.keys(result.request)).toEqual(['ani']);
  });

  it('never sends a date with remediate, even a bad one', () => {
    expect(prepareAction(['5550100123', 'REMEDIATE', '130077', 'n', 'garbage'], ALL)).toEqual({
      ok: true,
      action: 'remediate',
      request: { ani: '5550100123', carrier: '130077', note: 'n' },
    });
  });

  it('requires a date for activate and checks it', () => {
    expect(prepareAction(['5550100123', 'activate'], ALL)).toEqual({
      ok: false,
      error: 'activate needs a date (YYYYMMDDHHmmss or ISO-8601)',
    });
    expect(prepareAction(['5550100123', 'activate', '', '', '2026-02-30'], ALL)).toEqual({
      ok: false,
      error: 'date "2026-02-30" is not a real date/time: day 30 (2026-02 has 28 days)',
    });
    expect(prepareAction(['5550100123', 'activate', '', '', '2026-01-26'], ALL)).toEqual({
      ok: true,
      action: 'activate',
      request: { ani: '5550100123', date: '20260126000000' },
    });
  });

  it('checks an optional pause date too', () => {
    expect(prepareAction(['5550100123', 'pause', '', '', '31/12/2026'], ALL).ok).toBe(false);
  });

  it('reads "now" as the current time in UTC', () => {
    expect(prepareAction(['5550100123', 'activate', '', '', 'NOW'], ALL, undefined, NOW)).toEqual({
      ok: true,
      action: 'activate',
      request: { ani: '5550100123', date: '20260304050607' },
    });
  });

  it('falls back to --action when the row has none, and the row wins when it has one', () => {
    expect(prepareAction(['5550100123'], { ani: 0 }, 'remediate')).toEqual({
      ok: true,
      action: 'remediate',
      request: { ani: '5550100123' },
    });
    expect(prepareAction(['5550100123', ''], ALL, 'pause')).toMatchObject({ ok: true, action: 'pause' });
    expect(prepareAction(['5550100123', 'remediate'], ALL, 'pause')).toMatchObject({ ok: true, action: 'remediate' });
  });

  it.each([
    [['5550100123', 'stop'], 'unknown action "stop" (expected pause, activate or remediate)'],
    [['5550100123', ''], 'no action (expected pause, activate or remediate in the action column or --action)'],
    [['555010012', 'pause'], 'ani "555010012" has 9 digits (expected 10–15)'],
    [['5550100123', 'pause', '12345'], 'carrier "12345" is not a 6-digit carrier ID'],
    [['5550100123', 'pause', '13007A'], 'carrier "13007A" is not a 6-digit carrier ID'],
  ])('refuses %j', (row, error) => {
    expect(prepareAction(row, ALL)).toEqual({ ok: false, error });
  });

  it('treats a short row as padded with empty fields', () => {
    expect(prepareAction(['5550100123'], ALL, 'pause')).toEqual({ ok: true, action: 'pause', request: { ani: '5550100123' } });
  });

  it('only ever returns requests that NrmActionRequest accepts (property)', () => {
    const junk = fc.string({ maxLength: 12 });
    const cellOf = (...plausible: Array<fc.Arbitrary<string>>) =>
      fc.oneof({ weight: 1, arbitrary: junk }, ...plausible.map((arbitrary) => ({ weight: 4, arbitrary })));
    const row = fc.tuple(
      cellOf(fc.stringMatching(/^\+?1? ?\(?[2-9]\d{2}\)? ?\d{3}-?\d{4,9}$/)),
      cellOf(fc.constantFrom('pause', 'ACTIVATE', ' remediate ', '')),
      cellOf(fc.stringMatching(/^ ?\d{6} ?$/), fc.constant('')),
      cellOf(fc.string({ maxLength: 30 })),
      cellOf(fc.constantFrom('now', '', '2026-01-26', '2026-01-26T12:00:00+02:00', '20260126120000', '2026-02-29')),
    );
    const defaults = fc.option(fc.constantFrom('pause' as const, 'activate' as const, 'remediate' as const), { nil: undefined });
    let accepted = 0;
    fc.assert(
      fc.property(row, defaults, (fields, defaultAction) => {
        const result = prepareAction(fields, ALL, defaultAction, NOW);
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0);
          return;
        }
        accepted += 1;
        expect(NrmActionRequest.strict().parse(result.request)).toEqual(result.request);
        if (result.action === 'remediate') expect(result.request.date).toBeUndefined();
        if (result.action === 'activate') expect(result.request.date).toMatch(/^\d{14}$/);
        for (const value of Object.values(result.request)) expect(value).not.toBe('');
      }),
      { numRuns: 2000, seed: 20260126 },
    );
    // The generator must reach the interesting half: a property over refusals only proves nothing.
    expect(accepted).toBeGreaterThan(300);
  });
});
