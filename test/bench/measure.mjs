/**
 * Runs a command as a child process and measures it: wall time, CPU (user + sys) and peak RSS.
 * GNU time (`/usr/bin/time -v`) gives exact CPU and peak RSS; without it, /proc/<pid> is polled
 * (VmHWM for the peak, utime + stime from stat for CPU, as of the last poll before exit).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** How /proc-based polling reads a process: peak RSS (KiB) and CPU seconds, or undefined once it is gone. */
function readProc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0), cpuS: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** Parses GNU time -v's report. */
function parseGnuTime(text) {
  const num = (label) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(text)?.[1] ?? NaN);
  return { cpuS: num('User time \\(seconds\\)') + num('System time \\(seconds\\)'), rssKiB: num('Maximum resident set size \\(kbytes\\)') };
}

/**
 * Runs `node args…` with `env` added to this process's environment; resolves with
 * { code, wallS, cpuS, rssMiB, stdout, stderr }.
 */
export function measureNode(args, { env = {}, cwd } = {}) {
  const report = join(tmpdir(), `oiq-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const [cmd, argv] = hasGnuTime ? [GNU_TIME, ['-v', '-o', report, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let last;
    const poll = hasGnuTime ? undefined : setInterval(() => (last = readProc(child.pid) ?? last), 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      if (poll) clearInterval(poll);
      let usage = last ?? { cpuS: NaN, rssKiB: NaN };
      if (hasGnuTime) {
        usage = existsSync(report) ? parseGnuTime(readFileSync(report, 'utf8')) : usage;
        rmSync(report, { force: true });
      }
      resolve({ code, wallS, cpuS: usage.cpuS, rssMiB: usage.rssKiB / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Starts the simulator in its own process with `faults`; resolves with { url, stop() }. */
export function startSimulatorProcess(faults, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(cwd, 'test/bench/sim-server.mjs'), JSON.stringify(faults)], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    const onExit = (code) => reject(new Error(`the simulator exited before listening (${code})`));
    child.on('error', reject);
    child.once('exit', onExit);
    child.stdout.on('data', (b) => {
      text += b.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline === -1) return;
      child.off('exit', onExit);
      child.stdout.removeAllListeners('data');
      const stop = () =>
        new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      resolve({ url: text.slice(0, newline), stop });
    });
  });
}
