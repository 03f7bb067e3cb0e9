/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, turned into a bounded wait. */

/** The longest wait a server can ask for: a misconfigured `Retry-After: 86400` must not park a run for a day. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Milliseconds to wait from `now` (epoch ms) per a Retry-After header value, clamped to
 * [0, MAX_RETRY_AFTER_MS]; undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === '') return undefined;
  // Liberal: the RFC says an integer, some servers send "1.5".
  if (/^\d+(\.\d+)?$/.test(raw)) return clamp(Math.ceil(Number(raw) * 1000));
  // An HTTP-date always names a day and a month; Date.parse alone would take "-5" for a year.
  const at = /[A-Za-z]/.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(at) ? undefined : clamp(at - now);
}

function clamp(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
