/** argv → which command and its flag values: a pure function (environment passed in), tested on its own. */
import { parseArgs } from 'node:util';
import { AppError } from '../errors.js';
import { formatCommandHelp, formatMainHelp } from './help.js';
import { COMMAND_OPTIONS, envNameFor, type OptionTable } from './options.js';

export type FlagValues = Record<string, string | boolean | undefined>;

/** The outcome of reading argv. */
export type ParsedArgs =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'command'; command: string; positionals: string[]; values: FlagValues };

const SUBCOMMANDS: Record<string, readonly string[]> = { nrm: ['export', 'apply', 'plan'] };

/** Parses argv (without node and script) with flags first, then OIQ_BATCH_* environment variables. */
export function parseArgv(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs {
  const first = argv[0];
  if (first === undefined) throw new AppError('E_USAGE', `no command given\n\n${formatMainHelp()}`);
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', text: formatMainHelp() };
  let command = first;
  let rest = argv.slice(1);
  const subs = SUBCOMMANDS[first];
  if (subs) {
    const sub = rest[0];
    if (sub === undefined || sub === '--help' || sub === '-h') return { kind: 'help', text: formatMainHelp(first) };
    if (!subs.includes(sub)) throw new AppError('E_USAGE', `unknown command "${first} ${sub}" (expected ${subs.map((s) => `${first} ${s}`).join(', ')})`);
    command = `${first} ${sub}`;
    rest = rest.slice(1);
  }
  const table = COMMAND_OPTIONS[command];
  if (!table) throw new AppError('E_USAGE', `unknown command "${command}"; run oiq-batch --help for the list`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: toParseArgsOptions(table), allowPositionals: true, strict: true });
  } catch (err) {
    throw new AppError('E_USAGE', `${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}; see oiq-batch ${command} --help`);
  }
  const values: FlagValues = { ...(parsed.values as FlagValues) };
  if (values.help) return { kind: 'help', text: formatCommandHelp(command) };
  if (values.version) return { kind: 'version' };
  for (const [flag, spec] of Object.entries(table)) {
    if (spec.noEnv || values[flag] !== undefined) continue;
    const raw = env[envNameFor(flag)];
    if (raw === undefined || raw === '') continue;
    values[flag] = spec.type === 'boolean' ? parseEnvBoolean(envNameFor(flag), raw) : raw;
  }
  return { kind: 'command', command, positionals: parsed.positionals, values };
}

function toParseArgsOptions(table: OptionTable) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { version: { type: 'boolean' } };
  for (const [flag, spec] of Object.entries(table)) options[flag] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  return options;
}

function parseEnvBoolean(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new AppError('E_USAGE', `${name} must be true or false, got "${raw}"`);
}
