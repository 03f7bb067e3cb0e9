/**
 * A small, safe rule language over an ANI record's documented fields, compiled to closures (no eval,
 * no Function): `blockRate >= 15 and last30DaysDials >= 200`, `status == "COOLING_OFF" or not
 * (state == "NY")`. Grammar, loosest first:
 *
 *   rule       := or
 *   or         := and (("or" | "||") and)*
 *   and        := not (("and" | "&&") not)*
 *   not        := ("not" | "!") not | "(" or ")" | comparison
 *   comparison := operand ("==" | "!=" | "<" | "<=" | ">" | ">=") operand   (at least one a field)
 *   operand    := field | number | "text" | 'text'
 *
 * Field names ignore case and `_`. Numbers may carry a `%` (rates are percentages: `blockRate >= 15%`
 * is `blockRate >= 15`). Text compares exactly and in code-unit order, so ISO dates order correctly
 * (`dateLastDialed < "2026-01-01"`). A field with no value (null) makes every comparison false,
 * including `!=`. Types are checked when compiling: a number field is compared with numbers only.
 */
import { ANI_FIELDS, type AniField, type AniRecord } from '../api/schemas.js';
import { AppError } from '../errors.js';
import { aniFieldKind, findAniField, readNumberField, readTextField, type AniFieldKind } from './ani-fields.js';

/** A compiled rule: true when the ANI matches. */
export type Rule = (ani: AniRecord) => boolean;

type TokenKind = 'field' | 'number' | 'text' | 'compare' | 'and' | 'or' | 'not' | '(' | ')' | 'end';

interface Token {
  kind: TokenKind;
  /** As written, for messages. */
  text: string;
  /** 1-based character position in the rule. */
  column: number;
}

type Value = number | string | null;

interface Operand {
  kind: AniFieldKind;
  /** The field name when the operand is a field; undefined for a literal. */
  field?: AniField;
  read: (ani: AniRecord) => Value;
  token: Token;
}

const COMPARATORS: Record<string, (a: number | string, b: number | string) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

// A number literal: optional minus, decimals, optional `%` (rates are percentages).
const NUMBER = '-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)%?';
const NUMBER_PREFIX = new RegExp(`^${NUMBER}`);
const NUMBER_ONLY = new RegExp(`^${NUMBER}$`);

const KEYWORDS: Record<string, TokenKind> = { and: 'and', or: 'or', not: 'not' };

/** Compiles a rule; throws AppError E_USAGE (`<flag>: …`, with the column and a caret line). */
export function compileRule(source: string, flag = '--pause-when'): Rule {
  const fail = (message: string, column: number): never => {
    const echoed = source.replace(/\s/g, ' ');
    throw new AppError('E_USAGE', `${flag}: column ${column}: ${message}\n  ${echoed}\n  ${' '.repeat(column - 1)}^`, { flag, column });
  };
  if (source.trim() === '') fail('the rule is empty (e.g. "blockRate >= 15 and last30DaysDials >= 200")', 1);
  const parser = new Parser(tokenise(source, fail), fail);
  return parser.parseRule();
}

type Fail = (message: string, column: number) => never;

function tokenise(source: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    const column = i + 1;
    const rest = source.slice(i);
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const number = NUMBER_PREFIX.exec(rest);
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const compare = /^(?:==|!=|<=|>=|<|>)/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], column });
      i += number[0].length;
    } else if (word) {
      tokens.push({ kind: KEYWORDS[word[0].toLowerCase()] ?? 'field', text: word[0], column });
      i += word[0].length;
    } else if (compare) {
      tokens.push({ kind: 'compare', text: compare[0], column });
      i += compare[0].length;
    } else if (rest.startsWith('&&') || rest.startsWith('||')) {
      tokens.push({ kind: rest.startsWith('&&') ? 'and' : 'or', text: rest.slice(0, 2), column });
      i += 2;
    } else if (ch === '!' || ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '!' ? 'not' : ch, text: ch, column });
      i += 1;
    } else if (ch === '"' || ch === "'") {
      i = readQuoted(source, i, tokens, fail);
    } else if (ch === '=') {
      fail('"=" is not a comparison (use == to compare)', column);
    } else if (ch === '&' || ch === '|') {
      fail(`"${ch}" is not an operator (use ${ch === '&' ? '&& or and' : '|| or or'})`, column);
    } else {
      fail(`unexpected character "${ch}"`, column);
    }
  }
  tokens.push({ kind: 'end', text: 'the end of the rule', column: source.length + 1 });
  return tokens;
}

/** Reads a quoted text starting at `start` (backslash escapes the quote and itself); returns the next index. */
function readQuoted(source: string, start: number, tokens: Token[], fail: Fail): number {
  const quote = source[start];
  let value = '';
  for (let i = start + 1; i < source.length; i += 1) {
    const ch = source[i];
    if (ch === '\\' && i + 1 < source.length) {
      i += 1;
      value += source[i];
    } else if (ch === quote) {
      tokens.push({ kind: 'text', text: value, column: start + 1 });
      return i + 1;
    } else {
      value += ch;
    }
  }
  return fail(`unclosed ${quote} (text values need a closing ${quote})`, start + 1);
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly fail: Fail,
  ) {}

  parseRule(): Rule {
    const rule = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') this.fail(`unexpected "${next.text}" (expected and, or, or the end of the rule)`, next.column);
    return rule;
  }

  private peek(): Token {
    // The token list always ends with an 'end' token and the parser never moves past it.
    return this.tokens[this.position] ?? this.tokens[this.tokens.length - 1]!;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position += 1;
    return token;
  }

  private parseOr(): Rule {
    let rule = this.parseAnd();
    while (this.peek().kind === 'or') {
      this.take();
      const left = rule;
      const right = this.parseAnd();
      rule = (ani) => left(ani) || right(ani);
    }
    return rule;
  }

  private parseAnd(): Rule {
    let rule = this.parseNot();
    while (this.peek().kind === 'and') {
      this.take();
      const left = rule;
      const right = this.parseNot();
      rule = (ani) => left(ani) && right(ani);
    }
    return rule;
  }

  private parseNot(): Rule {
    const token = this.peek();
    if (token.kind === 'not') {
      this.take();
      const inner = this.parseNot();
      return (ani) => !inner(ani);
    }
    if (token.kind === '(') {
      this.take();
      const inner = this.parseOr();
      const close = this.take();
      if (close.kind !== ')') this.fail(`expected ")" to close the "(" at column ${token.column}, found ${describe(close)}`, close.column);
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): Rule {
    const left = this.parseOperand(undefined);
    const operator = this.take();
    if (operator.kind !== 'compare') {
      this.fail(`expected a comparison (== != < <= > >=) after "${left.token.text}", found ${describe(operator)}`, operator.column);
    }
    const right = this.parseOperand(left);
    if (left.field === undefined && right.field === undefined) {
      this.fail('compares two values: one side must be a field, e.g. blockRate', left.token.column);
    }
    if (left.kind !== right.kind) this.reportTypeMismatch(left, right);
    const compare = COMPARATORS[operator.text]!;
    return (ani) => {
      const a = left.read(ani);
      const b = right.read(ani);
      return a !== null && b !== null && compare(a, b);
    };
  }

  /** `left` is the other side when this is the right-hand operand, for a hint on unquoted text. */
  private parseOperand(left: Operand | undefined): Operand {
    const token = this.take();
    if (token.kind === 'number') {
      const value = Number(token.text.replace('%', ''));
      return { kind: 'number', read: () => value, token };
    }
    if (token.kind === 'text') return { kind: 'text', read: () => token.text, token };
    if (token.kind !== 'field') {
      return this.fail(`expected a field, a number or a "quoted text", found ${describe(token)}`, token.column);
    }
    const field = findAniField(token.text);
    if (field === undefined) {
      const hint = left?.kind === 'text' ? ` (to compare with text, quote it: "${token.text}")` : '';
      return this.fail(`unknown field "${token.text}"${hint}; fields: ${ANI_FIELDS.join(', ')}`, token.column);
    }
    const kind = aniFieldKind(field);
    const read = kind === 'number' ? (ani: AniRecord) => readNumberField(ani, field) : (ani: AniRecord) => readTextField(ani, field);
    return { kind, field, read, token };
  }

  private reportTypeMismatch(left: Operand, right: Operand): never {
    const [field, other] = left.field !== undefined ? [left, right] : [right, left];
    const name = field.field ?? '';
    if (other.field !== undefined) {
      return this.fail(`cannot compare ${name} (${field.kind}) with ${other.field} (${other.kind})`, other.token.column);
    }
    const hint =
      field.kind === 'text'
        ? `quote the value ("${other.token.text}")`
        : isNumberText(other.token.text)
          ? `write ${other.token.text} without quotes`
          : 'compare it with a number';
    return this.fail(`${name} is ${field.kind === 'number' ? 'a number' : 'text'}: ${hint}`, other.token.column);
  }
}

function isNumberText(text: string): boolean {
  return NUMBER_ONLY.test(text.trim());
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the rule';
  return token.kind === 'text' ? `"${token.text}" (text)` : `"${token.text}"`;
}

