/** After a run: metrics file, Pushgateway, Kubernetes termination message. Failures here warn; they never change the exit code. */
import type { Logger } from 'pino';
import type { JobConfig } from '../config/schema.js';
import type { RunSummary } from '../report/summary.js';
import { formatOutcomeLine, writeTerminationMessage } from '../report/termination.js';

/** Publishes the run's outcome where the config asks, and as the pod's termination message. */
export async function publishOutcome(config: Pick<JobConfig, 'metricsFile' | 'pushgateway'>, summary: RunSummary, logger: Logger): Promise<void> {
  // prom-client is loaded only when metrics are asked for: it is a tenth of the start-up otherwise.
  if (config.metricsFile) {
    const { writeMetricsFile } = await import('../report/metrics.js');
    await writeMetricsFile(config.metricsFile, summary).catch((err: Error) => logger.warn({ err: err.message }, 'metrics file not written'));
  }
  if (config.pushgateway) {
    const { pushMetrics } = await import('../report/metrics.js');
    // The URL is not logged: it may carry user:password.
    await pushMetrics(config.pushgateway, summary).catch((err: Error) => logger.warn({ err: err.message }, 'metrics push failed'));
  }
  writeTerminationMessage(formatOutcomeLine(summary));
}

/** The termination message of a command that stopped before it had a summary (usage, input, key). */
export function publishFailure(exitCode: number, message: string): void {
  writeTerminationMessage(`exit ${exitCode}: ${message}`);
}
