/** What we send is checked against the API's schemas (strict in what we send); a refusal is a bug upstream. */
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** The parsed request, or E_INTERNAL in zod's words. */
export function checkRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError('E_INTERNAL', `refusing to send an invalid request to ${what}: ${formatIssues(parsed.error)}`);
}

/** Throws, in zod's words, for what a hand-written check of a request refused. */
export function refuseRequest(schema: z.ZodType, value: unknown, what: string): never {
  checkRequest(schema, value, what);
  // zod accepted what the hand check refused: they disagree, which test/unit/api-batch-check.test.ts rules out.
  throw new AppError('E_INTERNAL', `refusing to send an invalid request to ${what}: the hand-written check and the schema disagree`);
}

/** The first issues of a zod error, each with its path. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
