/**
 * Hand-written checks of POST /assignment/batch's answer, for the hot path: zod spent ~10 allocations
 * and a few closures per result row. They accept exactly what the zod schemas in schemas.ts accept and
 * return the same data (a new object per object, keys in the schema's order, unknown keys dropped,
 * `row_id` coerced); test/unit/api-batch-check.test.ts proves it against zod. They return undefined
 * where zod would refuse, so the caller can ask zod for the message: the schemas stay the single truth.
 * (The requests' leads are checked as they are encoded: lead-store.ts.)
 */
import type { BatchResponse, BatchResult } from './schemas.js';

/** The answer zod's BatchResponse would produce from parsed JSON, or undefined where it would refuse it. */
export function parseBatchResponse(json: unknown): BatchResponse | undefined {
  if (!isObject(json)) return undefined;
  const success = json.success;
  if (typeof success !== 'boolean') return undefined;
  const out: BatchResponse = { success };
  if ('results' in json) {
    const results = json.results;
    if (results === undefined) out.results = undefined;
    else if (!Array.isArray(results)) return undefined;
    else {
      const checked = new Array<BatchResult>(results.length);
      for (let i = 0; i < results.length; i++) {
        const result = checkResult(results[i]);
        if (result === undefined) return undefined;
        checked[i] = result;
      }
      out.results = checked;
    }
  }
  if ('message' in json) {
    const message = json.message;
    if (!isNullishString(message)) return undefined;
    out.message = message;
  }
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
