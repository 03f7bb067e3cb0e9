/** After a run: metrics file, Pushgateway, Kubernetes termination message. Failures here warn; they never change the exit code. */
import type { Logger } from 'pino';
import type { JobConfig } from '../config/schema.js';
import { pushMetrics, writeMetricsFile } from '../report/metrics.js';
import type { RunSummary } from '../report/summary.js';
import { formatOutcomeLine, writeTerminationMessage } from '../report/termination.js';

/** Publishes the run's outcome where the config asks, and as the pod's termination message. */
export async function publishOutcome(config: Pick<JobConfig, 'metricsFile' | 'pushgateway'>, summary: RunSummary, logger: Logger): Promise<void> {
  if (config.metricsFile) {
    await writeMetricsFile(config.metricsFile, summary).catch((err: Error) => logger.warn({ err: err.message }, 'metrics file not written'));
  }
  if (config.pushgateway) {
    // The URL is not logged: it may carry user:password.
    await pushMetrics(config.pushgateway, summary).catch((err: Error) => logger.warn({ err: err.message }, 'metrics push failed'));
  }
  writeTerminationMessage(formatOutcomeLine(summary));
}

/** The termination message of a command that stopped before it had a summary (usage, input, key). */
export function publishFailure(exitCode: number, message: string): void {
  writeTerminationMessage(`exit ${exitCode}: ${message}`);
}
