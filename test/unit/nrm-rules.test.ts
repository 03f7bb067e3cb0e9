import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANI_FIELDS, type AniRecord } from '../../src/api/schemas.js';
import { AppError, isAppError } from '../../src/errors.js';
import { compileRule } from '../../src/nrm/rules.js';

/** A realistic record (fictional 555-01xx number); overrides set the fields a test is about. */
function makeAni(overrides: Partial<AniRecord> = {}): AniRecord {
  return {
    id: 12345,
    phone: '8025550123',
    brand: 'Acme',
    status: 'ACTIVE_AND_BEING_MANAGED',
    statusLabel: 'Active and Being Managed',
    campaignName: 'Spring',
    areaCode: '802',
    region: 'Northeast',
    state: 'VT',
    locality: 'Burlington',
    frequencyAssigned: 3,
    frequencyDialed: 120,
    frequencyContacted: 45,
    dateLastDialed: '2026-05-27',
    dateActivated: '2025-01-15',
    dateDeactivated: null,
    dateInventoried: '2025-01-15',
    createdAt: '2025-01-15T00:00:00.000Z',
    last30DaysDials: 1250,
    last30DaysContacts: 450,
    contactRate: 36.0,
    successRate: 62.22,
    blockRate: 8.0,
    noAnswerRate: 56.0,
    ...overrides,
  };
}

function errorOf(source: string, flag?: string): AppError {
  try {
    compileRule(source, flag);
  } catch (err) {
    if (isAppError(err, 'E_USAGE')) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be refused`);
}

describe('compileRule: evaluation', () => {
  const spammy = makeAni({ blockRate: 22.5, last30DaysDials: 900 });
  const quiet = makeAni({ blockRate: 22.5, last30DaysDials: 40 });
  const clean = makeAni();

  it('evaluates the brief example', () => {
    const rule = compileRule('blockRate >= 15 and last30DaysDials >= 200');
    expect([spammy, quiet, clean].map(rule)).toEqual([true, false, false]);
  });

  it.each([
    ['blockRate > 8', false],
    ['blockRate >= 8', true],
    ['blockRate < 8.5', true],
    ['blockRate <= 7.99', false],
    ['blockRate == 8', true],
    ['blockRate != 8', false],
    ['blockRate >= 8%', true],
    ['8 <= blockRate', true],
    ['contactRate < successRate', true],
    ['status == "ACTIVE_AND_BEING_MANAGED"', true],
    ["status == 'COOLING_OFF'", false],
    ['state == "VT" && areaCode == "802"', true],
    ['state == "NY" || areaCode == "802"', true],
    ['state == "NY" or areaCode == "212"', false],
    ['not state == "NY"', true],
    ['!(state == "VT")', false],
    ['NOT (blockRate > 5 AND blockRate < 10)', false],
    ['blockRate > 100 or blockRate > 5 and state == "VT"', true],
    ['(blockRate > 100 or blockRate > 5) and state == "NY"', false],
    ['block_rate >= 8 and LAST30DAYSDIALS > 1000', true],
    ['dateLastDialed >= "2026-05-01"', true],
    ['dateLastDialed < "2026-01-01"', false],
    ['id == "12345"', true],
    ['noAnswerRate > -1', true],
    ['brand == "Acme \\"Co\\""', false],
  ])('%s → %s', (source, expected) => {
    expect(compileRule(source)(clean)).toBe(expected);
  });

  it('binds "and" tighter than "or"', () => {
    // true or (false and false) = true; (true or false) and false would be false.
    expect(compileRule('state == "VT" or blockRate > 100 and blockRate > 100')(clean)).toBe(true);
  });

  it('compares false whenever the field has no value, even with != (not x == ... is the way to say "not")', () => {
    const noRate = makeAni({ blockRate: null, region: undefined });
    expect(compileRule('blockRate >= 0')(noRate)).toBe(false);
    expect(compileRule('blockRate < 0')(noRate)).toBe(false);
    expect(compileRule('blockRate != 5')(noRate)).toBe(false);
    expect(compileRule('region != "West"')(noRate)).toBe(false);
    expect(compileRule('not region == "West"')(noRate)).toBe(true);
  });

  it('reads numbers written as text in a loose record (e.g. from a CSV)', () => {
    const loose = { ...clean, blockRate: '22.5' } as unknown as AniRecord;
    expect(compileRule('blockRate > 20')(loose)).toBe(true);
  });

  it('agrees with a direct evaluation on random expressions (property)', () => {
    type Expr =
      | { kind: 'cmp'; field: 'blockRate' | 'last30DaysDials'; op: string; value: number }
      | { kind: 'state'; value: string }
      | { kind: 'not'; inner: Expr }
      | { kind: 'and' | 'or'; left: Expr; right: Expr };
    const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({
          kind: fc.constant('cmp' as const),
          field: fc.constantFrom('blockRate' as const, 'last30DaysDials' as const),
          op: fc.constantFrom('==', '!=', '<', '<=', '>', '>='),
          value: fc.integer({ min: 0, max: 30 }),
        }),
        fc.record({ kind: fc.constant('state' as const), value: fc.constantFrom('NY', 'VT', 'CA') }),
        fc.record({ kind: fc.constant('not' as const), inner: tie('expr') }),
        fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('expr'), right: tie('expr') }),
      ),
    }));
    const spell = fc.record({ and: fc.constantFrom('and', '&&', 'AND'), or: fc.constantFrom('or', '||', 'Or'), not: fc.constantFrom('not ', '!') });
    const render = (e: Expr, s: { and: string; or: string; not: string }): string => {
      switch (e.kind) {
        case 'cmp':
          return `${e.field} ${e.op} ${e.value}`;
        case 'state':
          return `state == "${e.value}"`;
        case 'not':
          return `${s.not}(${render(e.inner, s)})`;
        default:
          return `(${render(e.left, s)} ${s[e.kind]} ${render(e.right, s)})`;
      }
    };
    const evaluate = (e: Expr, ani: AniRecord): boolean => {
      switch (e.kind) {
        case 'cmp': {
          const v = ani[e.field];
          if (v === null || v === undefined) return false;
          const ops: Record<string, boolean> = { '==': v === e.value, '!=': v !== e.value, '<': v < e.value, '<=': v <= e.value, '>': v > e.value, '>=': v >= e.value };
          return ops[e.op] ?? false;
        }
        case 'state':
          return ani.state === e.value;
        case 'not':
          return !evaluate(e.inner, ani);
        case 'and':
          return evaluate(e.left, ani) && evaluate(e.right, ani);
        case 'or':
          return evaluate(e.left, ani) || evaluate(e.right, ani);
      }
    };
    const record = fc.record({
      blockRate: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
      last30DaysDials: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
      state: fc.constantFrom('NY', 'VT', 'CA'),
    });
    fc.assert(
      fc.property(expr, spell, fc.array(record, { minLength: 1, maxLength: 5 }), (e, s, overrides) => {
        const rule = compileRule(render(e, s));
        for (const o of overrides) {
          const ani = makeAni(o);
          expect(rule(ani)).toBe(evaluate(e, ani));
        }
      }),
      { numRuns: 500, seed: 20260126 },
    );
  });
});

describe('compileRule: errors', () => {
  it('lists the allowed fields for an unknown one, with the column and a caret', () => {
    const err = errorOf('blockRate >= 15 and dials > 200', '--remediate-when');
    expect(err.message).toBe(
      `--remediate-when: column 21: unknown field "dials"; fields: ${ANI_FIELDS.join(', ')}\n` +
        '  blockRate >= 15 and dials > 200\n' +
        '                      ^',
    );
    expect(err.context).toEqual({ flag: '--remediate-when', column: 21 });
  });

  it('defaults the flag name to --pause-when', () => {
    expect(errorOf('x').message.startsWith('--pause-when: column 1: unknown field "x"')).toBe(true);
  });

  it.each([
    ['blockRate = 3', 11, '"=" is not a comparison (use == to compare)'],
    ['blockRate 15', 11, 'expected a comparison (== != < <= > >=) after "blockRate", found "15"'],
    ['blockRate', 10, 'expected a comparison (== != < <= > >=) after "blockRate", found the end of the rule'],
    ['(blockRate > 1', 15, 'expected ")" to close the "(" at column 1, found the end of the rule'],
    ['blockRate > 1 )', 15, 'unexpected ")" (expected and, or, or the end of the rule)'],
    ['blockRate > 1 and', 18, 'expected a field, a number or a "quoted text", found the end of the rule'],
    ['blockRate > 1 & state == "NY"', 15, '"&" is not an operator (use && or and)'],
    ['blockRate > 1 | state == "NY"', 15, '"|" is not an operator (use || or or)'],
    ['status == "COOLING_OFF', 11, 'unclosed " (text values need a closing ")'],
    ['blockRate > 1; drop', 14, 'unexpected character ";"'],
    ['blockRate >= "15"', 14, 'blockRate is a number: write 15 without quotes'],
    ['blockRate >= "high"', 14, 'blockRate is a number: compare it with a number'],
    ['areaCode == 802', 13, 'areaCode is text: quote the value ("802")'],
    ['contactRate > state', 15, 'cannot compare contactRate (number) with state (text)'],
    ['1 == 1', 1, 'compares two values: one side must be a field, e.g. blockRate'],
    ['status == COOLING_OFF', 11, 'unknown field "COOLING_OFF" (to compare with text, quote it: "COOLING_OFF")'],
    ['', 1, 'the rule is empty (e.g. "blockRate >= 15 and last30DaysDials >= 200")'],
  ])('%j → column %i: %s', (source, column, message) => {
    const err = errorOf(source);
    const [first, echoed, caret] = err.message.split('\n');
    expect(first).toContain(`--pause-when: column ${column}: ${message}`);
    expect(echoed).toBe(`  ${source}`);
    expect(caret).toBe(`  ${' '.repeat(column - 1)}^`);
  });

  it('keeps the caret aligned when the rule has tabs or newlines', () => {
    const [, echoed, caret] = errorOf('blockRate >\t\n"x"').message.split('\n');
    expect(echoed).toBe('  blockRate >  "x"');
    expect(caret).toBe('  ' + ' '.repeat(13) + '^');
  });

  it('refuses any input with E_USAGE or compiles it, never anything else (property)', () => {
    const pieces = fc.constantFrom('blockRate', 'state', '"NY"', '15', '>=', '==', '=', 'and', '||', 'not', '!', '(', ')', ' ', '&', 'x', "'", '%', '-');
    const source = fc.oneof(fc.string({ maxLength: 30 }), fc.array(pieces, { maxLength: 12 }).map((p) => p.join(' ')));
    fc.assert(
      fc.property(source, (text) => {
        try {
          const rule = compileRule(text);
          expect(typeof rule(makeAni())).toBe('boolean');
        } catch (err) {
          expect(isAppError(err, 'E_USAGE')).toBe(true);
          const column = Number((err as AppError).context['column']);
          expect(column).toBeGreaterThanOrEqual(1);
          expect(column).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { numRuns: 2000, seed: 20260126 },
    );
  });
});
