import fc from 'fast-check';
import { phoneLike } from './leads-arbitraries.js';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BatchLead } from '../../src/api/schemas.js';
import { openCsvSource } from '../../src/csv/index.js';
import type { ColumnMap } from '../../src/leads/index.js';
import { prepareLead, resolveColumns } from '../../src/leads/index.js';

const COLUMNS: ColumnMap = { phone: 1, zip: 2, campaign: 3 };

describe('prepareLead', () => {
  it('builds a lead from the mapped columns', () => {
    expect(prepareLead(['Ada', '(212) 555-0101', '10001-1234', ' 9001 '], 4, COLUMNS)).toEqual({
      ok: true,
      lead: { prospect_phone: '2125550101', prospect_zip: '10001', dialer_campaign: '9001' },
    });
  });

  it('uses the default campaign only for rows without one, and omits it when neither exists', () => {
    expect(prepareLead(['Ada', '2125550101', '', ''], 4, COLUMNS, '7')).toEqual({
      ok: true,
      lead: { prospect_phone: '2125550101', dialer_campaign: '7' },
    });
    expect(prepareLead(['Ada', '2125550101', '', 'x'], 4, COLUMNS, '7')).toMatchObject({ lead: { dialer_campaign: 'x' } });
    const lead = prepareLead(['Ada', '2125550101'], 4, { phone: 1 });
    expect(lead).toEqual({ ok: true, lead: { prospect_phone: '2125550101' } });
    expect(Object.keys((lead as { lead: object }).lead)).toEqual(['prospect_phone']);
  });

  it('sends a row with a bad zip without it, with a warning', () => {
    expect(prepareLead(['Ada', '2125550101', 'N/A', ''], 4, COLUMNS)).toEqual({
      ok: true,
      lead: { prospect_phone: '2125550101' },
      warning: 'zip "N/A" is not a US zip; sent without it',
    });
  });

  it('refuses a row with more fields than the header (misaligned)', () => {
    expect(prepareLead(['Grace', 'Smith', ' Jones & Co', '(312) 555-0110', '60601'], 4, COLUMNS)).toEqual({
      ok: false,
      error: 'row has 5 fields, header has 4: misaligned data is never sent',
    });
  });

  it('reads a short row as padded with empty fields', () => {
    expect(prepareLead(['Ada', '2125550101'], 4, COLUMNS)).toEqual({ ok: true, lead: { prospect_phone: '2125550101' } });
    expect(prepareLead(['Ada'], 4, COLUMNS)).toEqual({ ok: false, error: 'phone is empty' });
  });

  it('refuses an invalid phone with its reason', () => {
    expect(prepareLead(['Ada', '5.55988E+09', '10001', ''], 4, COLUMNS)).toEqual({
      ok: false,
      error: 'phone 5.55988E+09 is in scientific notation (a spreadsheet rounded it): re-export the column as text',
    });
  });

  it('every accepted lead satisfies the API schema (property)', () => {
    const row = fc
      .tuple(
        fc.oneof({ arbitrary: phoneLike(), weight: 4 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }),
        fc.oneof(fc.stringMatching(/^\d{3,5}(-\d{4})?$/), fc.string({ maxLength: 10 })),
        fc.string({ maxLength: 8 }),
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
        fc.nat(6),
      )
      .map(([phone, zip, campaign, rest, keep]) => [phone, zip, campaign, ...rest].slice(0, keep + 1));
    let accepted = 0;
    fc.assert(
      fc.property(row, fc.integer({ min: 1, max: 6 }), fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), (fields, width, defaultCampaign) => {
        const prepared = prepareLead(fields, width, { phone: 0, zip: 1, campaign: 2 }, defaultCampaign);
        if (fields.length > width) expect(prepared.ok).toBe(false);
        if (!prepared.ok) return;
        accepted++;
        expect(BatchLead.safeParse({ row_id: 'r1', ...prepared.lead }).success).toBe(true);
        if (prepared.lead.prospect_zip !== undefined) expect(prepared.lead.prospect_zip).toMatch(/^\d{5}$/);
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(500); // the generators do produce sendable rows
  });

  it('prepares the demo CRM export as documented: 194 sendable, 6 invalid, 2 zip warnings', async () => {
    const source = await openCsvSource(fileURLToPath(new URL('../../fixtures/leads-demo.csv', import.meta.url)));
    const columns = resolveColumns(source.header, {}, source.file);
    expect(columns).toEqual({ phone: 3, zip: 5, campaign: 6 });
    const invalid: Array<[number, string]> = [];
    const warnings: number[] = [];
    const noInventoryAreaCodes = new Set<string>();
    let sendable = 0;
    for await (const { fields, line } of source.records) {
      const prepared = prepareLead(fields, source.header.length, columns);
      if (!prepared.ok) invalid.push([line, prepared.error]);
      else {
        sendable++;
        if (prepared.warning !== undefined) warnings.push(line);
        const areaCode = prepared.lead.prospect_phone.slice(0, 3);
        if (['907', '808', '307', '406', '701', '505'].includes(areaCode)) noInventoryAreaCodes.add(areaCode);
      }
    }
    expect(sendable).toBe(194);
    expect(invalid).toEqual([
      [5, 'phone is empty'],
      [19, 'phone has 5 digits (expected 10–15)'],
      [46, 'phone contains letters'],
      [70, 'phone 5.55988E+09 is in scientific notation (a spreadsheet rounded it): re-export the column as text'],
      [94, 'phone contains letters'],
      [114, 'row has 9 fields, header has 8: misaligned data is never sent'],
    ]);
    expect(warnings).toEqual([55, 124]);
    expect(noInventoryAreaCodes.size).toBe(6); // AK, HI, WY, MT, ND, NM: the simulator has no ANI there
  });
});
