/** Flags → configs of `nrm export`, `nrm apply` and `nrm plan` (pure: environment and key file passed in). */
import { describe, expect, it } from 'vitest';
import { buildNrmApplyConfig, defaultApplyOutput } from '../../src/cli/commands/nrm-apply.js';
import { buildNrmExportConfig } from '../../src/cli/commands/nrm-export.js';
import { buildNrmPlanConfig, defaultPlanOutput } from '../../src/cli/commands/nrm-plan.js';

const ENV = { OUTBOUNDIQ_API_KEY: 'k-123', OUTBOUNDIQ_BASE_URL: 'http://127.0.0.1:9' };
const noFile = (): string => {
  throw new Error('no key file in these tests');
};

describe('buildNrmExportConfig', () => {
  it('defaults to anis.csv, CSV, pages of 1000, 4 at once', () => {
    expect(buildNrmExportConfig([], {}, ENV, noFile)).toMatchObject({ output: 'anis.csv', format: 'csv', pageSize: 1000, concurrency: 4, api: { apiKey: 'k-123' } });
  });

  it('strips the prefix to digits, as the API does', () => {
    expect(buildNrmExportConfig([], { number: '(212)' }, ENV, noFile).number).toBe('212');
    expect(buildNrmExportConfig([], { number: '+1 (212) 55' }, ENV, noFile).number).toBe('121255');
    expect(() => buildNrmExportConfig([], { number: '()' }, ENV, noFile)).toThrow(/--number "\(\)" has no digits/);
  });

  it('takes the format from --format, else from the output name', () => {
    expect(buildNrmExportConfig([], { format: 'jsonl' }, ENV, noFile)).toMatchObject({ format: 'jsonl', output: 'anis.jsonl' });
    expect(buildNrmExportConfig([], { output: 'x.ndjson' }, ENV, noFile)).toMatchObject({ format: 'jsonl', output: 'x.ndjson' });
    expect(buildNrmExportConfig([], { output: '-' }, ENV, noFile)).toMatchObject({ format: 'csv', output: '-' });
    expect(() => buildNrmExportConfig([], { format: 'xml' }, ENV, noFile)).toThrow(/--format must be csv or jsonl/);
  });

  it('refuses a page size the API does not allow, arguments, and a missing key', () => {
    expect(() => buildNrmExportConfig([], { 'page-size': '1001' }, ENV, noFile)).toThrow(/--page-size must be between 1 and 1000/);
    expect(() => buildNrmExportConfig([], { 'page-size': '0' }, ENV, noFile)).toThrow(/--page-size/);
    expect(() => buildNrmExportConfig(['out.csv'], {}, ENV, noFile)).toThrow(/takes no arguments/);
    expect(() => buildNrmExportConfig([], {}, {}, noFile)).toThrow(/no API key/);
  });
});

describe('buildNrmApplyConfig', () => {
  it('reads the job flags, --action and --activate-date', () => {
    const config = buildNrmApplyConfig(['acts.csv'], { action: 'PAUSE', 'activate-date': '2026-01-26', concurrency: '2' }, ENV, noFile);
    expect(config).toMatchObject({ input: 'acts.csv', output: 'acts.applied.csv', action: 'pause', activateDate: '2026-01-26', concurrency: 2, statuses: [] });
    expect(buildNrmApplyConfig(['acts.csv'], { 'activate-date': 'now' }, ENV, noFile).activateDate).toBe('now');
  });

  it('turns --statuses into a rerun written beside the input', () => {
    const config = buildNrmApplyConfig(['acts.applied.csv'], { statuses: 'failed, rejected' }, ENV, noFile);
    expect(config).toMatchObject({ statuses: ['failed', 'rejected'], output: 'acts.rerun.csv' });
  });

  it('refuses an unknown action and a date that is not one', () => {
    expect(() => buildNrmApplyConfig(['a.csv'], { action: 'delete' }, ENV, noFile)).toThrow(/--action must be pause, activate or remediate, got "delete"/);
    expect(() => buildNrmApplyConfig(['a.csv'], { 'activate-date': '2026-13-01' }, ENV, noFile)).toThrow(/--activate-date: date "2026-13-01"/);
    expect(() => buildNrmApplyConfig([], {}, ENV, noFile)).toThrow(/missing <actions>/);
  });

  it('names outputs beside the input, keeping TSV and stdin', () => {
    expect(defaultApplyOutput('in/acts.tsv.gz', false)).toBe('in/acts.applied.tsv');
    expect(defaultApplyOutput('acts.rerun.csv', true)).toBe('acts.rerun.csv');
    expect(defaultApplyOutput('list.txt', false)).toBe('list.applied.csv');
    expect(defaultApplyOutput('-', false)).toBe('-');
  });
});

describe('buildNrmPlanConfig', () => {
  it('needs no key and writes beside the export by default', () => {
    expect(buildNrmPlanConfig(['data/anis.csv'], { 'pause-when': 'blockRate >= 15' })).toEqual({ input: 'data/anis.csv', output: 'data/anis.actions.csv', pauseWhen: 'blockRate >= 15' });
    expect(defaultPlanOutput('anis.jsonl.gz')).toBe('anis.actions.csv');
    expect(defaultPlanOutput('-')).toBe('-');
    expect(buildNrmPlanConfig(['anis.csv'], { output: 'plan.csv', 'activate-when': 'blockRate < 2' })).toMatchObject({ output: 'plan.csv', activateWhen: 'blockRate < 2' });
  });
});
