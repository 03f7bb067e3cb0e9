/**
 * undici's Pool, loaded without undici's index. The index also loads fetch, WebSocket and cookies, and
 * the cookies module reads the global `Headers`, which makes Node load its own bundled undici and
 * compile a second llhttp WebAssembly module on a background thread: about 0.5 s of CPU and 35 MiB of
 * RSS per run, and the process cannot exit until that compilation ends (measured on a 10-row file:
 * 0.65 s → 0.2 s). test/unit/undici-pool.test.ts checks this is the same class undici exports.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

/** undici's Pool class (the very one `import { Pool } from 'undici'` gives). */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
