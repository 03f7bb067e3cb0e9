/** Lead columns, normalisation and preparation: the public surface of src/leads. */
export type { ColumnMap, ColumnOverrides, OutputLayout } from './columns.js';
export { layoutOutput, resolveColumns } from './columns.js';
export type { NormalisedPhone, NormalisedZip } from './normalise.js';
export { normalisePhone, normaliseZip } from './normalise.js';
export type { LeadFields, PreparedLead } from './prepare.js';
export { prepareLead } from './prepare.js';
