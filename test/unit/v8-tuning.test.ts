/**
 * tuneV8's young-generation cap, in fresh Node processes (V8 flags are per process): objects that
 * survive collections make V8 grow its young generation to its ceiling (32 MiB on 64-bit Node 20);
 * after tuneV8 it stops at the cap.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 2 ** 20;

/** The young generation's size after keeping the last 20,000 of 2M objects alive, like rows in flight. */
function youngGenerationAfterLoad(tune: boolean): number {
  const script = `
    ${tune ? "(await import('./dist/cli/v8-tuning.js')).tuneV8();" : ''}
    const { getHeapSpaceStatistics } = await import('node:v8');
    const inFlight = new Array(20000);
    for (let i = 0; i < 2e6; i++) {
      inFlight[i % 20000] = { row: i, phone: 'row ' + i };
      if (i % 10000 === 0) await new Promise((resolve) => setImmediate(resolve)); // GC observers run between turns, as in a run
    }
    process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

describe('tuneV8', () => {
  it('holds the young generation at 8 MiB where V8 alone grows it further', () => {
    expect(youngGenerationAfterLoad(false)).toBeGreaterThan(8 * MIB);
    expect(youngGenerationAfterLoad(true)).toBe(8 * MIB);
  });
});
