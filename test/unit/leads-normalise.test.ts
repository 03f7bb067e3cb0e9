import fc from 'fast-check';
import { phoneLike } from './leads-arbitraries.js';
import { describe, expect, it } from 'vitest';
import { normalisePhone, normaliseZip } from '../../src/leads/index.js';

describe('normalisePhone', () => {
  it.each([
    ['(212) 555-0101', '2125550101'],
    ['+1 310-555-0102', '3105550102'],
    ['415.555.0103', '4155550103'],
    ['1-305-555-0104', '3055550104'],
    ['2125550105', '2125550105'],
    ['  +1 (602) 555 0112  ', '6025550112'],
    ['+44 20 7946 0958', '442079460958'],
    ['+52 55 5555 0101 23', '52555555010123'],
  ])('%s → %s', (raw, phone) => {
    expect(normalisePhone(raw)).toEqual({ ok: true, phone });
  });

  it.each([
    ['', 'phone is empty'],
    ['   ', 'phone is empty'],
    ['555-01', 'phone has 5 digits (expected 10–15)'],
    ['1234567890123456', 'phone has 16 digits (expected 10–15)'],
    ['12125550101', undefined],
    ['CALL-ME', 'phone contains letters'],
    ['555-CALL-NOW', 'phone contains letters'],
    ['(212) 555-0190 x204', 'phone contains letters'],
    ['212-555-0190 ext. 12', 'phone contains letters'],
    ['5.55988E+09', 'phone 5.55988E+09 is in scientific notation (a spreadsheet rounded it): re-export the column as text'],
    ['5,55988E+09', 'phone 5,55988E+09 is in scientific notation (a spreadsheet rounded it): re-export the column as text'],
    ['1.2e10', 'phone 1.2e10 is in scientific notation (a spreadsheet rounded it): re-export the column as text'],
  ])('%j is refused: %s', (raw, reason) => {
    if (reason === undefined) expect(normalisePhone(raw)).toEqual({ ok: true, phone: '2125550101' });
    else expect(normalisePhone(raw)).toEqual({ ok: false, reason });
  });

  it('keeps a 10-digit number that starts with 1 and a 12-digit one that starts with 11', () => {
    expect(normalisePhone('1234567890')).toEqual({ ok: true, phone: '1234567890' });
    expect(normalisePhone('112125550101')).toEqual({ ok: true, phone: '112125550101' });
  });

  it('is idempotent and only ever returns 10–15 ASCII digits (property)', () => {
    const phoneish = phoneLike();
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(phoneish, fc.string()), (raw) => {
        const first = normalisePhone(raw);
        if (!first.ok) return;
        accepted++;
        expect(first.phone).toMatch(/^\d{10,15}$/);
        expect(normalisePhone(first.phone)).toEqual(first);
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });
});

describe('normaliseZip', () => {
  it.each([
    ['90210', '90210'],
    [' 90210 ', '90210'],
    ['90210-1234', '90210'],
    ['902101234', '90210'],
    ['2134', '02134'],
    ['2134-5678', '02134'],
    ['501', '00501'],
  ])('%j → %s', (raw, zip) => {
    expect(normaliseZip(raw)).toEqual({ zip });
  });

  it('treats empty as no zip, without a warning', () => {
    expect(normaliseZip('')).toEqual({});
    expect(normaliseZip('  ')).toEqual({});
  });

  it.each(['ABC', 'N/A', 'SW1A 1AA', '12', '123456', '90210-12', '9021O', '90210-', '-1234', 'K1A 0B1'])(
    '%j is dropped with a warning',
    (raw) => {
      expect(normaliseZip(raw)).toEqual({ warning: `zip "${raw.trim()}" is not a US zip; sent without it` });
    },
  );
});
