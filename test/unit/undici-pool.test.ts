import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool as IndexPool } from 'undici';
import { describe, expect, it } from 'vitest';
import { Pool } from '../../src/api/undici-pool.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether importing `specifier` in a fresh Node makes Node load its own bundled undici. */
function loadsBundledUndici(specifier: string): boolean {
  const script = `const m = await import(${JSON.stringify(specifier)}); new m.Pool('http://127.0.0.1:9').close(); process.stdout.write(String(process.moduleLoadList.some((n) => n.includes('internal/deps/undici/undici'))));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }) === 'true';
}

describe('undici-pool', () => {
  it('is the Pool class undici exports', () => {
    expect(Pool).toBe(IndexPool);
  });

  it('does not make Node load its bundled undici (and compile a second llhttp), which the index does', () => {
    expect(loadsBundledUndici('undici')).toBe(true);
    expect(loadsBundledUndici('./dist/api/undici-pool.js')).toBe(false);
  });
});
