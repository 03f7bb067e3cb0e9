/** `oiq-batch nrm plan <export>`: rules over an inventory export → an actions file for `nrm apply`, and a preview. Sends nothing. */
import { NrmPlanConfig, parseConfig } from '../../config/schema.js';
import { EXIT } from '../../errors.js';
import { formatPlanPreview } from '../../nrm/plan.js';
import { runNrmPlan } from '../../nrm/plan-file.js';
import type { FlagValues } from '../args.js';
import { onePositional, str } from '../build-config.js';
import type { Io } from '../io.js';

/** Builds the config of `nrm plan` (no API settings: a plan needs no key). */
export function buildNrmPlanConfig(positionals: readonly string[], values: FlagValues): Readonly<NrmPlanConfig> {
  const input = onePositional('nrm plan', positionals, '<export>');
  return parseConfig(NrmPlanConfig, {
    input,
    output: str(values, 'output') ?? defaultPlanOutput(input),
    pauseWhen: str(values, 'pause-when'),
    remediateWhen: str(values, 'remediate-when'),
    activateWhen: str(values, 'activate-when'),
    activateDate: str(values, 'activate-date'),
  });
}

/** Beside the export: `anis.csv` / `anis.jsonl` → `anis.actions.csv`; stdin → stdout. */
export function defaultPlanOutput(input: string): string {
  if (input === '-') return '-';
  return `${input.replace(/\.gz$/i, '').replace(/\.(csv|tsv|tab|txt|jsonl|ndjson)$/i, '')}.actions.csv`;
}

/** Runs `nrm plan`; prints the preview on stderr; returns the exit code. */
export async function nrmPlanCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const config = buildNrmPlanConfig(positionals, values);
  const result = await runNrmPlan(config, { stdin: io.stdin, stdout: io.stdout });
  const next = result.output === 'stdout' ? '' : `; review it, then: oiq-batch nrm apply ${result.output}`;
  io.stderr.write(`${formatPlanPreview(result.preview)}\n\nwrote ${result.actions} action${result.actions === 1 ? '' : 's'} to ${result.output}${next}\n`);
  return EXIT.ok;
}
