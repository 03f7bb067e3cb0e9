/** `oiq-batch nrm apply <actions>`: pause / activate / remediate ANIs from a file, one request per row. */
import { NrmApplyConfig, parseConfig } from '../../config/schema.js';
import { AppError } from '../../errors.js';
import { parseNrmAction } from '../../nrm/action-row.js';
import { normaliseActionDate } from '../../nrm/api-date.js';
import { runNrmApply } from '../../nrm/apply.js';
import type { FlagValues } from '../args.js';
import { onePositional, readApiSettings, readJobSettings, readRetrySettings, str } from '../build-config.js';
import { runFileJobCommand } from '../file-job-command.js';
import { readTextFile, type Io } from '../io.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the config of `nrm apply`; `--statuses` turns it into a rerun of an earlier output's rows. */
export function buildNrmApplyConfig(positionals: readonly string[], values: FlagValues, env: Env, readFile: (path: string) => string): Readonly<NrmApplyConfig> {
  const input = onePositional('nrm apply', positionals, '<actions>');
  const statuses = (str(values, 'statuses') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const actionText = str(values, 'action');
  const action = actionText === undefined ? undefined : parseNrmAction(actionText);
  if (actionText !== undefined && action === undefined) throw new AppError('E_USAGE', `--action must be pause, activate or remediate, got "${actionText}"`);
  const activateDate = str(values, 'activate-date');
  if (activateDate !== undefined && activateDate.trim().toLowerCase() !== 'now') {
    const checked = normaliseActionDate(activateDate);
    if (!checked.ok) throw new AppError('E_USAGE', `--activate-date: ${checked.error}`);
  }
  return parseConfig(NrmApplyConfig, {
    ...readJobSettings(values, input, defaultApplyOutput(input, statuses.length > 0), env),
    statuses,
    action,
    activateDate,
    api: readApiSettings(values, env, readFile),
    retry: readRetrySettings(values),
  });
}

/** Beside the input: `actions.csv` → `actions.applied.csv`, a rerun → `actions.rerun.csv`; stdin → stdout. */
export function defaultApplyOutput(input: string, rerun: boolean): string {
  if (input === '-') return '-';
  const stem = input.replace(/\.gz$/i, '').replace(/\.(csv|tsv|tab|txt)$/i, '').replace(/\.(applied|rerun)$/, '');
  const ext = /\.(tsv|tab)(\.gz)?$/i.test(input) ? '.tsv' : '.csv';
  return `${stem}${rerun ? '.rerun' : '.applied'}${ext}`;
}

/** Runs `nrm apply` from parsed flags; returns the exit code. */
export async function nrmApplyCommand(positionals: string[], values: FlagValues, io: Io): Promise<number> {
  const config = buildNrmApplyConfig(positionals, values, io.env, readTextFile);
  return runFileJobCommand(config, values, io, (deps) => runNrmApply(config, deps));
}
