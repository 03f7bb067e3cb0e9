/**
 * Synthetic lead files for the benchmark: a CRM export's columns with the usual mess (phone formats,
 * zip+4, dropped leading zeros, notes with commas, quotes and the odd line break, a few rows that are
 * invalid). Seeded, so every run benchmarks the same bytes. Fictional data only (555-01xx numbers).
 *
 *   node test/bench/generate.mjs ROWS PATH
 */
import { openSync, writeSync, closeSync } from 'node:fs';

const HEADER = 'First Name,Last Name,Company,Phone Number,Email,Zip Code,Campaign,Notes';
const FIRST = ['Ana', 'Ben', 'Carlos', 'Dana', 'Łukasz', 'François', 'Kwame', 'Mei', 'Priya', 'Sam', 'Olga', 'Yusuf', 'Zoë', 'Liam'];
const LAST = ['Smith', 'García', 'Nguyen', 'Okafor', 'Rossi', 'Kowalski', 'Williams', 'Dubois', 'Tanaka', 'Patel'];
const COMPANY = ['Vandelay Industries', 'Umbrella Health', 'Dunder Mifflin', 'Wayne Logistics', 'Initech', '"Acme, Inc."', 'Globex', 'Stark Retail'];
// Area codes the simulator's inventory covers, with a zip of the same state.
const AREAS = [['212', '10016'], ['310', '90210'], ['415', '94103'], ['305', '33101'], ['312', '60601'], ['713', '77056'], ['214', '75201'], ['206', '98101'], ['617', '02134'], ['404', '30301'], ['602', '85001'], ['303', '80202'], ['702', '89101'], ['215', '19103'], ['504', '70112'], ['646', '10016']];
const CAMPAIGNS = ['renewals-q3', '9002', 'winback', ''];
const NOTES = ['', '', '', '', 'Left voicemail', 'Spanish speaker', '"Called twice, no answer"', '"Said ""call back"" after 5pm"', '"Prefers email;\nthen phone"'];

/** mulberry32: tiny, fast, seeded. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One phone as a CRM would hold it: mostly fine in many formats, ~2% unusable. */
function phoneOf(r, area) {
  const line = `01${String(Math.floor(r() * 100)).padStart(2, '0')}`;
  const x = r();
  if (x < 0.005) return '';
  if (x < 0.01) return '5.55988E+09';
  if (x < 0.015) return 'call reception';
  if (x < 0.02) return `555-${line}`;
  if (x < 0.3) return `(${area}) 555-${line}`;
  if (x < 0.5) return `${area}.555.${line}`;
  if (x < 0.65) return `+1 ${area}-555-${line}`;
  if (x < 0.75) return `1${area}555${line}`;
  return `${area}555${line}`;
}

/** A zip as a spreadsheet leaves it: zip+4, a dropped leading zero, empty, or not a zip at all. */
function zipOf(r, zip) {
  const x = r();
  if (x < 0.1) return '';
  if (x < 0.2) return `${zip}-${String(1000 + Math.floor(r() * 9000))}`;
  if (x < 0.21) return 'N/A';
  return zip.startsWith('0') && x < 0.5 ? zip.slice(1) : zip;
}

/** Writes `rows` data rows (plus the header) to `path`. */
export function generateLeads(rows, path, seed = 42) {
  const r = rng(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const fd = openSync(path, 'w');
  let chunk = `${HEADER}\n`;
  for (let i = 0; i < rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const [area, zip] = pick(AREAS);
    const email = `${first.toLowerCase()}.${last.toLowerCase()}${i}@example.org`;
    chunk += `${first},${last},${pick(COMPANY)},${phoneOf(r, area)},${email},${zipOf(r, zip)},${pick(CAMPAIGNS)},${pick(NOTES)}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows, path] = process.argv.slice(2);
  if (!rows || !path) {
    process.stderr.write('usage: node test/bench/generate.mjs ROWS PATH\n');
    process.exit(2);
  }
  generateLeads(Number(rows), path);
}
