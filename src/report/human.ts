/** The short human summary printed on stderr at the end of a run. */
import type { RunSummary } from './summary.js';

const TOP_ERRORS = 5;

/** Formats a summary as a few readable lines. */
export function formatHumanSummary(s: RunSummary): string {
  const statusOrder = Object.keys(s.rows).filter((k) => k !== 'total' && k !== '');
  const counts = statusOrder.map((k) => `${s.rows[k]} ${k}`).join(', ');
  const lines = [
    `${s.dryRun ? 'dry run: ' : ''}${s.rows.total} rows: ${counts}`,
    `${s.requests.sent} requests (${s.requests.retries} retries${s.requests.ambiguousRetries ? `, ${s.requests.ambiguousRetries} ambiguous` : ''}), latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms`,
    `${(s.durationMs / 1000).toFixed(1)} s, ${s.rowsPerSecond} rows/s${s.output ? ` → ${s.output}` : ''}`,
  ];
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (errors.length > 0) {
    lines.push('errors:');
    for (const [message, n] of errors.slice(0, TOP_ERRORS)) lines.push(`  ${String(n).padStart(6)}  ${message}`);
    if (errors.length > TOP_ERRORS) lines.push(`  … ${errors.length - TOP_ERRORS} more in the summary JSON`);
  }
  const warnings = Object.entries(s.warnings).sort((a, b) => b[1] - a[1]);
  if (warnings.length > 0) {
    lines.push('warnings:');
    for (const [message, n] of warnings.slice(0, TOP_ERRORS)) lines.push(`  ${String(n).padStart(6)}  ${message}`);
  }
  if (s.stoppedBecause) lines.push(`stopped: ${s.stoppedBecause}`);
  else if ((s.rows.failed ?? 0) > 0) lines.push(`${s.rows.failed} rows failed: run ${rerunCommandFor(s)} to send them again`);
  lines.push(`exit ${s.exitCode}`);
  return lines.join('\n');
}

/** The command that re-sends a finished run's failed rows, completing its output in place. */
export function rerunCommandFor(s: Pick<RunSummary, 'command' | 'output'>): string {
  return s.command === 'nrm apply' ? `oiq-batch nrm apply ${s.output} --statuses failed -o ${s.output}` : `oiq-batch rerun ${s.output} -o ${s.output}`;
}
