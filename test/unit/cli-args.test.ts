import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/args.js';
import { buildAssignConfig, defaultOutputFor, parseShard } from '../../src/cli/build-config.js';
import { AppError } from '../../src/errors.js';

const noFile = () => {
  throw Object.assign(new Error('nope'), { code: 'ENOENT' });
};

describe('parseArgv', () => {
  it('reads a command, its positionals and flags', () => {
    const parsed = parseArgv(['assign', 'leads.csv', '--batch-size', '50', '-o', 'out.csv', '--dry-run'], {});
    expect(parsed).toEqual({ kind: 'command', command: 'assign', positionals: ['leads.csv'], values: { 'batch-size': '50', output: 'out.csv', 'dry-run': true } });
  });

  it('reads nrm subcommands', () => {
    const parsed = parseArgv(['nrm', 'export', '--help'], {});
    expect(parsed.kind).toBe('help');
  });

  it('answers --version and --help without a command', () => {
    expect(parseArgv(['--version'], {})).toEqual({ kind: 'version' });
    const help = parseArgv(['--help'], {});
    expect(help.kind === 'help' && help.text).toContain('assign <input>');
  });

  it('prints a command help generated from its flags, with environment names', () => {
    const help = parseArgv(['assign', '--help'], {});
    expect(help.kind === 'help' && help.text).toContain('--batch-size N');
    expect(help.kind === 'help' && help.text).toContain('OIQ_BATCH_BATCH_SIZE');
  });

  it('refuses unknown flags and commands with a usage error naming them', () => {
    expect(() => parseArgv(['assign', 'x.csv', '--bogus'], {})).toThrow(/--bogus/);
    expect(() => parseArgv(['frobnicate'], {})).toThrow(/unknown command "frobnicate"/);
    expect(() => parseArgv([], {})).toThrow(AppError);
  });

  it('takes flags first, then OIQ_BATCH_* variables, and never --resume from the environment', () => {
    const env = { OIQ_BATCH_BATCH_SIZE: '250', OIQ_BATCH_CONCURRENCY: '2', OIQ_BATCH_RESUME: 'true', OIQ_BATCH_DRY_RUN: 'yes' };
    const parsed = parseArgv(['assign', 'a.csv', '--concurrency', '8'], env);
    expect(parsed.kind === 'command' && parsed.values).toEqual({ concurrency: '8', 'batch-size': '250', 'dry-run': true });
  });

  it('refuses a malformed boolean in the environment', () => {
    expect(() => parseArgv(['assign', 'a.csv'], { OIQ_BATCH_DRY_RUN: 'maybe' })).toThrow(/OIQ_BATCH_DRY_RUN must be true or false/);
  });
});

describe('buildAssignConfig', () => {
  const env = { OUTBOUNDIQ_API_KEY: 'k-123', OUTBOUNDIQ_BASE_URL: 'http://127.0.0.1:9' };

  it('applies defaults and freezes the config', () => {
    const config = buildAssignConfig('assign', ['leads.csv'], {}, env, noFile);
    expect(config.batchSize).toBe(100);
    expect(config.concurrency).toBe(4);
    expect(config.output).toBe('leads.enriched.csv');
    expect(config.retry.retryAmbiguous).toBe(true);
    expect(config.api.apiKey).toBe('k-123');
    expect(Object.isFrozen(config) && Object.isFrozen(config.api)).toBe(true);
  });

  it('prefers the key file to the key variable', () => {
    const config = buildAssignConfig('assign', ['a.csv'], {}, { ...env, OUTBOUNDIQ_API_KEY_FILE: '/run/key' }, () => 'from-file\n');
    expect(config.api.apiKey).toBe('from-file');
  });

  it('says which key file it cannot read, without a stack', () => {
    expect(() => buildAssignConfig('assign', ['a.csv'], {}, { OUTBOUNDIQ_API_KEY_FILE: '/nope' }, noFile)).toThrow(/cannot read \/nope \(ENOENT\)/);
  });

  it('refuses to run with TLS verification off unless --insecure', () => {
    expect(() => buildAssignConfig('assign', ['a.csv'], {}, { ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, noFile)).toThrow(/--insecure/);
    expect(buildAssignConfig('assign', ['a.csv'], { insecure: true }, { ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, noFile).api.insecure).toBe(true);
  });

  it('names the flag of a bad number and a value out of range', () => {
    expect(() => buildAssignConfig('assign', ['a.csv'], { 'batch-size': 'ten' }, env, noFile)).toThrow(/--batch-size must be a whole number, got "ten"/);
    expect(() => buildAssignConfig('assign', ['a.csv'], { 'batch-size': '0' }, env, noFile)).toThrow(/batchSize/);
  });

  it('asks for a key when there is none', () => {
    expect(() => buildAssignConfig('assign', ['a.csv'], {}, {}, noFile)).toThrow(/OUTBOUNDIQ_API_KEY/);
  });

  it('reads rerun statuses and --no-retry-ambiguous', () => {
    const config = buildAssignConfig('rerun', ['a.enriched.csv'], { statuses: 'failed, rejected', 'no-retry-ambiguous': true }, env, noFile);
    expect(config.statuses).toEqual(['failed', 'rejected']);
    expect(config.retry.retryAmbiguous).toBe(false);
    expect(config.output).toBe('a.enriched.rerun.csv');
  });
});

describe('defaultOutputFor and parseShard', () => {
  it('puts the enriched file beside the input, stdin to stdout', () => {
    expect(defaultOutputFor('assign', 'in/leads.csv.gz')).toBe('in/leads.enriched.csv');
    expect(defaultOutputFor('assign', 'leads.tsv')).toBe('leads.enriched.tsv');
    expect(defaultOutputFor('assign', '-')).toBe('-');
    expect(defaultOutputFor('rerun', 'x.rerun.csv')).toBe('x.rerun.csv');
  });

  it('reads K/N and takes K from JOB_COMPLETION_INDEX when omitted', () => {
    expect(parseShard('1/3', undefined)).toEqual({ index: 1, count: 3 });
    expect(parseShard('/3', '2')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('/3', undefined)).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard('three', undefined)).toThrow(/K\/N/);
  });
});
