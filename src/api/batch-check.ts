/**
 * The hand-written check of POST /assignment/batch's answer, for the hot path: zod spent ~10 allocations
 * and a few closures per result row. It accepts exactly what zod's BatchResponse accepts, and every key
 * the schema knows then holds what zod's output holds (test/unit/api-batch-check.test.ts proves both
 * against zod). It returns undefined where zod would refuse, so the caller can ask zod for the message:
 * the schema stays the single truth. (The requests' leads are checked as they are encoded: lead-store.ts.)
 */
import type { BatchResponse, BatchResult } from './schemas.js';

/**
 * Checks parsed JSON against BatchResponse; undefined where zod would refuse it. An answer is returned
 * as it is, not copied, where zod would change nothing a caller reads: a thousand result rows copied per
 * answer were most of the objects that outlived a young-generation collection. Unknown keys stay (no
 * caller reads them); a result whose row_id zod would coerce (a number) is copied with it coerced, and
 * the answer with it.
 */
export function parseBatchResponse(json: unknown): BatchResponse | undefined {
  if (!isObject(json)) return undefined;
  if (typeof json.success !== 'boolean') return undefined;
  if ('message' in json && !isNullishString(json.message)) return undefined;
  const results = 'results' in json ? json.results : undefined;
  if (results === undefined) return json as BatchResponse;
  if (!Array.isArray(results)) return undefined;
  let coerced: BatchResult[] | undefined; // from the first result zod would change, a copy of the results
  for (let i = 0; i < results.length; i++) {
    const r: unknown = results[i];
    if (!isObject(r) || !('row_id' in r)) return undefined;
    if (('outboundani' in r && !isNullishString(r.outboundani)) || ('error' in r && !isNullishString(r.error))) return undefined;
    if (coerced === undefined && typeof r.row_id === 'string') continue;
    const result = typeof r.row_id === 'string' ? (r as BatchResult) : checkResult(r);
    if (result === undefined) return undefined;
    coerced ??= results.slice(0, i) as BatchResult[];
    coerced.push(result);
  }
  if (coerced === undefined) return json as BatchResponse;
  const out: BatchResponse = { success: json.success, results: coerced };
  if ('message' in json) out.message = json.message as BatchResponse['message'];
  return out;
}

function checkResult(value: unknown): BatchResult | undefined {
  if (!isObject(value) || !('row_id' in value)) return undefined;
  const raw = value.row_id;
  const rowId = typeof raw === 'string' ? raw : coerceString(raw);
  if (rowId === undefined) return undefined;
  const out: BatchResult = { row_id: rowId };
  if ('outboundani' in value) {
    const ani = value.outboundani;
    if (!isNullishString(ani)) return undefined;
    out.outboundani = ani;
  }
  if ('error' in value) {
    const error = value.error;
    if (!isNullishString(error)) return undefined;
    out.error = error;
  }
  return out;
}

/** z.coerce.string(): String(value), refused only where String() throws (an object without toString). */
function coerceString(value: unknown): string | undefined {
  try {
    return String(value);
  } catch {
    return undefined;
  }
}

function isNullishString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

// zod's object check: any non-null object that is not an array (a Date or a class instance included).
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
