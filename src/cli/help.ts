/** Help texts, generated from the option table so they never drift from what is parsed. */
import { COMMAND_OPTIONS, envNameFor } from './options.js';

const COMMANDS: Array<[string, string, string]> = [
  ['assign', '<input>', 'stream a lead file (CSV/TSV, .gz, - for stdin) through POST /assignment/batch; write the enriched file and a summary'],
  ['next', '<phone>', 'one POST /assignment for a single prospect: prints the ANI, or the reason (exit 1)'],
  ['rerun', '<enriched>', 're-send the rows whose status is failed (or --statuses), keep every other row, write a complete file'],
  ['nrm export', '', 'every page of GET /nrm/anis into one CSV (or JSON Lines)'],
  ['nrm apply', '<actions>', 'pause / activate / remediate ANIs from a CSV (ani,action,carrier,note,date)'],
  ['nrm plan', '<export>', 'turn an inventory export into an actions file by rules over its stats (sends nothing)'],
  ['merge', '<shard files…>', 'join --shard outputs into the file a single run would have written'],
  ['watch', '<inbox> --outbox <dir>', 'drop-folder mode; --once processes what is there and exits'],
  ['simulate', '', 'the embedded outboundIQ simulator on loopback, with fault knobs'],
  ['demo', '', 'simulator + assign of the bundled messy fixture; prints the summary (npm start)'],
];

/** The top-level help (or a command group's). */
export function formatMainHelp(group?: string): string {
  const rows = COMMANDS.filter(([name]) => !group || name.startsWith(`${group} `)).filter(([name]) => COMMAND_OPTIONS[name]);
  const width = Math.max(...rows.map(([n, a]) => `${n} ${a}`.length));
  return [
    'oiq-batch — outboundIQ caller-ID assignment and number reputation, in bulk',
    '',
    `Usage: oiq-batch ${group ?? '<command>'} [options]`,
    '',
    'Commands:',
    ...rows.map(([n, a, d]) => `  ${`${n} ${a}`.padEnd(width)}  ${d}`),
    '',
    'Environment: OUTBOUNDIQ_API_KEY or OUTBOUNDIQ_API_KEY_FILE (the file wins), OUTBOUNDIQ_BASE_URL',
    '(default https://api.outboundiq.cloud); most flags also as OIQ_BATCH_<FLAG>, e.g. OIQ_BATCH_BATCH_SIZE.',
    'Exit codes: 0 done; 1 some rows failed (rerun); 2 usage or input error; 3 key refused;',
    '4 API unavailable (resumable); 130/143 interrupted (resumable).',
    '',
    'Run oiq-batch <command> --help for its options; oiq-batch --version for the version.',
  ].join('\n');
}

/** One command's help: usage line and every flag with its environment name. */
export function formatCommandHelp(command: string): string {
  const table = COMMAND_OPTIONS[command] ?? {};
  const entry = COMMANDS.find(([n]) => n === command);
  const flags = Object.entries(table).map(([flag, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${flag}${spec.arg ? ` ${spec.arg}` : ''}`;
    const env = spec.noEnv || flag === 'help' ? '' : ` [${envNameFor(flag)}]`;
    return [left, `${spec.help}${env}`] as const;
  });
  const width = Math.max(0, ...flags.map(([l]) => l.length));
  return [
    `Usage: oiq-batch ${command} ${entry?.[1] ?? ''}`.trimEnd(),
    '',
    entry?.[2] ?? '',
    '',
    'Options:',
    ...flags.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join('\n');
}
