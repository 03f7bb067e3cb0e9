/**
 * One input row → the lead sent to POST /assignment/batch, or the reason it is never sent. Pure and on
 * the hot path (a million rows): plain string work, no allocation beyond the answer.
 */
import type { ColumnMap } from './columns.js';
import { normalisePhone, normaliseZip } from './normalise.js';

/** The API fields of a lead (the pipeline adds row_id). */
export interface LeadFields {
  prospect_phone: string;
  prospect_zip?: string;
  dialer_campaign?: string;
}

/** A row ready to send (with a warning when its zip was dropped), or why it is invalid. */
export type PreparedLead = { ok: true; lead: LeadFields; warning?: string } | { ok: false; error: string };

/**
 * Builds a lead from a row. A row with more fields than the header is refused (its values are shifted:
 * misaligned data is never sent); a short row reads its missing fields as empty. The campaign comes
 * from its column, else `defaultCampaign`, else it is left out.
 */
export function prepareLead(
  fields: readonly string[],
  headerWidth: number,
  columns: ColumnMap,
  defaultCampaign?: string,
): PreparedLead {
  if (fields.length > headerWidth) {
    return { ok: false, error: `row has ${fields.length} fields, header has ${headerWidth}: misaligned data is never sent` };
  }
  const phone = normalisePhone(fields[columns.phone] ?? '');
  if (!phone.ok) return { ok: false, error: phone.reason };
  const lead: LeadFields = { prospect_phone: phone.phone };
  let warning: string | undefined;
  if (columns.zip !== undefined) {
    const zip = normaliseZip(fields[columns.zip] ?? '');
    if (zip.zip !== undefined) lead.prospect_zip = zip.zip;
    warning = zip.warning;
  }
  const campaign = columns.campaign === undefined ? '' : (fields[columns.campaign] ?? '').trim();
  if (campaign !== '') lead.dialer_campaign = campaign;
  else if (defaultCampaign !== undefined && defaultCampaign !== '') lead.dialer_campaign = defaultCampaign;
  return warning === undefined ? { ok: true, lead } : { ok: true, lead, warning };
}
