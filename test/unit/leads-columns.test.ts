import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCsvSource } from '../../src/csv/index.js';
import { AppError } from '../../src/errors.js';
import { layoutOutput, resolveColumns } from '../../src/leads/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** The AppError a call throws (the test fails if it does not throw one). */
function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('no error thrown');
}

describe('resolveColumns', () => {
  it('maps canonical API names', () => {
    expect(resolveColumns(['row_id', 'prospect_phone', 'prospect_zip', 'dialer_campaign'])).toEqual({
      id: 0,
      phone: 1,
      zip: 2,
      campaign: 3,
    });
  });

  it('matches aliases ignoring case, spaces, _, - and .', () => {
    expect(resolveColumns(['First Name', 'PHONE-NUMBER', 'Zip.Code', 'Campaign ID', 'Lead_ID'])).toEqual({
      phone: 1,
      zip: 2,
      campaign: 3,
      id: 4,
    });
    expect(resolveColumns(['Mobile Phone', 'Postal Code'])).toEqual({ phone: 0, zip: 1 });
    expect(resolveColumns(['cell', 'postcode'])).toEqual({ phone: 0, zip: 1 });
    expect(resolveColumns(['Telephone'])).toEqual({ phone: 0 });
  });

  it('prefers the canonical name, then alias order', () => {
    expect(resolveColumns(['Mobile', 'Phone']).phone).toBe(1);
    expect(resolveColumns(['Phone Number', 'phone']).phone).toBe(1);
    expect(resolveColumns(['phone', 'Prospect Phone']).phone).toBe(1);
    expect(resolveColumns(['Prospect Phone', 'prospect_phone']).phone).toBe(1);
    expect(resolveColumns(['phone', 'Zip', 'Postal Code']).zip).toBe(1);
  });

  it('leaves out optional columns that are not there', () => {
    expect(resolveColumns(['phone'])).toEqual({ phone: 0 });
  });

  it('refuses two columns equally good for the phone (duplicate-headers.csv)', async () => {
    const { header } = await openCsvSource(fixture('duplicate-headers.csv'));
    const err = errorOf(() => resolveColumns(header));
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toBe('columns "Phone" (column 2) and "phone" (column 4) could both be the phone column: choose one with --phone-column');
    expect(resolveColumns(header, { phone: '4' }).phone).toBe(3);
  });

  it('says which columns exist when no phone column is found (no-phone-column.csv)', async () => {
    const file = fixture('no-phone-column.csv');
    const { header } = await openCsvSource(file);
    const err = errorOf(() => resolveColumns(header, {}, file));
    expect(err.code).toBe('E_NO_PHONE_COLUMN');
    expect(err.message).toBe(
      `${file}: no phone column found (looked for prospect_phone, phone, phone number, mobile, cell, telephone, …); ` +
        'columns are: name, email, zip. Use --phone-column NAME.',
    );
    expect(err.context).toEqual({ file, line: 1 });
  });

  it('copes with unnamed columns (empty-header-names.csv)', async () => {
    const { header } = await openCsvSource(fixture('empty-header-names.csv'));
    expect(resolveColumns(header)).toEqual({ phone: 1, zip: 3 });
    const err = errorOf(() => resolveColumns(header, { campaign: 'campaign' }));
    expect(err.message).toBe('--campaign-column "campaign" matches no column; columns are: (unnamed column 1), Phone, (unnamed column 3), Zip');
  });

  it('applies overrides by loose name or 1-based number, over aliases', () => {
    const header = ['Phone', 'Cell', 'Region Zip', 'camp'];
    expect(resolveColumns(header, { phone: 'CELL', zip: 'region_zip', campaign: '4', id: '1' })).toEqual({
      phone: 1,
      zip: 2,
      campaign: 3,
      id: 0,
    });
  });

  it('refuses overrides that match no column, are out of range or are ambiguous', () => {
    const header = ['Name', 'Phone', 'phone'];
    expect(errorOf(() => resolveColumns(header, { phone: 'x' })).message).toBe(
      '--phone-column "x" matches no column; columns are: Name, Phone, phone',
    );
    expect(errorOf(() => resolveColumns(header, { phone: '2', zip: '9' })).message).toBe('--zip-column 9 is out of range: the file has 3 columns');
    expect(errorOf(() => resolveColumns(header, { phone: '2', zip: '0' })).code).toBe('E_USAGE');
    expect(errorOf(() => resolveColumns(header, { phone: 'PHONE' })).message).toBe(
      '--phone-column "PHONE" matches 2 columns (2, 3); give the column number instead',
    );
  });
});

describe('layoutOutput', () => {
  it('appends outboundani, error, status', () => {
    expect(layoutOutput(['name', 'phone'])).toEqual({
      header: ['name', 'phone', 'outboundani', 'error', 'status'],
      outboundani: 2,
      error: 3,
      status: 4,
      width: 5,
    });
  });

  it('reuses the columns an enriched input already has, in place (case-insensitive)', () => {
    expect(layoutOutput(['phone', 'Status', 'outboundani', 'error', 'note'])).toEqual({
      header: ['phone', 'Status', 'outboundani', 'error', 'note'],
      outboundani: 2,
      error: 3,
      status: 1,
      width: 5,
    });
    expect(layoutOutput(['phone', 'ERROR'])).toMatchObject({ header: ['phone', 'ERROR', 'outboundani', 'status'], error: 1 });
  });
});
