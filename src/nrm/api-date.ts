/**
 * The NRM API's date form (`YYYYMMDDHHmmss`, as in the docs' "20250126120000") and the forms users
 * may write instead. The API says nothing about time zones: a date written with a zone (`Z`,
 * `+02:00`) is converted to UTC; a date written without one is taken as written (no conversion),
 * so `2026-01-26T12:00:00` and `20260126120000` send the same value.
 */

/** Result of reading a user-written date: the API's 14-digit form, or why it was refused. */
export type ApiDateResult = { ok: true; date: string } | { ok: false; error: string };

const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
// ISO-8601 / RFC 3339: date, optional time (T or space), optional fraction (dropped), optional zone
// (only after a time: a zone on a bare date means nothing).
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const EXPECTED = 'expected YYYYMMDDHHmmss or ISO-8601, e.g. 20260126120000, 2026-01-26, 2026-01-26T12:00:00Z';

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Formats an instant as the API's 14-digit date, in UTC. */
export function formatApiDate(instant: Date): string {
  return formatParts({
    year: instant.getUTCFullYear(),
    month: instant.getUTCMonth() + 1,
    day: instant.getUTCDate(),
    hour: instant.getUTCHours(),
    minute: instant.getUTCMinutes(),
    second: instant.getUTCSeconds(),
  });
}

/** Reads `YYYYMMDDHHmmss` or an ISO-8601 date/date-time and returns the API's 14-digit form. */
export function normaliseActionDate(raw: string): ApiDateResult {
  const text = raw.trim();
  const compact = COMPACT.exec(text);
  if (compact) return checkParts(text, toParts(compact.slice(1, 7)));
  const iso = ISO.exec(text);
  if (!iso) return { ok: false, error: `date "${text}" is not a date (${EXPECTED})` };
  const checked = checkParts(text, toParts(iso.slice(1, 7)));
  const zone = iso[7];
  if (!checked.ok || zone === undefined) return checked;
  const offset = parseOffsetMinutes(zone);
  if (offset === undefined) return { ok: false, error: `date "${text}" has an invalid zone offset "${zone}"` };
  return shiftToUtc(text, toParts(iso.slice(1, 7)), offset);
}

function toParts(groups: ReadonlyArray<string | undefined>): Parts {
  const [year, month, day, hour, minute, second] = groups.map((g) => (g === undefined ? 0 : Number(g)));
  return { year: year ?? 0, month: month ?? 0, day: day ?? 0, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0 };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Validates calendar values (a regex admits 2026-02-30 and 25:00, the API should never see them). */
function checkParts(text: string, p: Parts): ApiDateResult {
  const bad = (what: string): ApiDateResult => ({ ok: false, error: `date "${text}" is not a real date/time: ${what}` });
  if (p.month < 1 || p.month > 12) return bad(`month ${p.month} (expected 1–12)`);
  const lastDay = daysInMonth(p.year, p.month);
  if (p.day < 1 || p.day > lastDay) return bad(`day ${p.day} (${p.year}-${pad(p.month, 2)} has ${lastDay} days)`);
  if (p.hour > 23) return bad(`hour ${p.hour} (expected 0–23)`);
  if (p.minute > 59) return bad(`minute ${p.minute} (expected 0–59)`);
  if (p.second > 59) return bad(`second ${p.second} (expected 0–59)`);
  return { ok: true, date: formatParts(p) };
}

/** `Z` → 0, `+02:00` / `+0200` / `+02` → minutes east of UTC; undefined when out of range. */
function parseOffsetMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (hours * 60 + minutes);
}

function shiftToUtc(text: string, p: Parts, offsetMinutes: number): ApiDateResult {
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const instant = new Date(0);
  instant.setUTCFullYear(p.year, p.month - 1, p.day);
  instant.setUTCHours(p.hour, p.minute - offsetMinutes, p.second, 0);
  const year = instant.getUTCFullYear();
  if (year < 0 || year > 9999) return { ok: false, error: `date "${text}" is out of range once converted to UTC` };
  return { ok: true, date: formatApiDate(instant) };
}

function formatParts(p: Parts): string {
  return `${pad(p.year, 4)}${pad(p.month, 2)}${pad(p.day, 2)}${pad(p.hour, 2)}${pad(p.minute, 2)}${pad(p.second, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
