/**
 * JSON written straight into a buffer, for the hot paths that send or journal thousands of small values
 * (lead-store.ts, journal.ts): exactly the bytes JSON.stringify's text would encode to, without the
 * intermediate strings and objects.
 */

/** Copies a short literal into `buf` at `at`; returns the offset after it. */
export function putBytes(literal: Uint8Array, buf: Buffer, at: number): number {
  for (let i = 0; i < literal.length; i++) buf[at++] = literal[i]!;
  return at;
}

/** Writes an ASCII string's bytes; returns the offset after them. */
export function putAscii(s: string, buf: Buffer, at: number): number {
  for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  return at;
}

/** Writes a non-negative whole number as JSON.stringify does (at most 16 digits); returns the offset after it. */
export function putNumber(n: number, buf: Buffer, at: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 10)) buf[at + i] = 48 + (rest % 10);
  return at + digits;
}

/** Writes a non-negative whole number as a JSON string ("123"); returns the offset after it. */
export function putQuotedNumber(n: number, buf: Buffer, at: number): number {
  buf[at] = 0x22;
  at = putNumber(n, buf, at + 1);
  buf[at] = 0x22;
  return at + 1;
}

/**
 * Writes a string as JSON.stringify does: quoted as it is when it is printable ASCII without a quote
 * or a backslash (ids, zips, ANIs, most campaigns and messages), else through JSON.stringify (escapes,
 * lone surrogates). At most 6 bytes per UTF-16 unit, plus 2.
 */
export function putJsonString(s: string, buf: Buffer, at: number): number {
  buf[at] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return at + buf.write(JSON.stringify(s), at, 'utf8');
    buf[at + 1 + i] = c;
  }
  buf[at + 1 + s.length] = 0x22;
  return at + s.length + 2;
}
