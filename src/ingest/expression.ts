/**
 * Druid's native expression language (the subset ingestion transforms need): field references
 * (bare or "double-quoted"), long / double / 'string' literals, unary `-` `!`, `^ * / % + -`,
 * comparisons, `&&` `||`, parentheses, and a few functions (concat, if, nvl, lower, upper, ...).
 * Semantics follow Druid's: `+` concatenates when either side is a string, long / long is integer
 * division, any null operand makes an arithmetic result null, comparisons give 1 or 0.
 */

import { toLong } from '../query/java-number.ts';

export type ExprValue = string | number | null;
export type Row = Readonly<Record<string, unknown>>;
export type CompiledExpression = (row: Row) => ExprValue;

export class ExpressionError extends Error {
  constructor(readonly expression: string, readonly position: number, reason: string) {
    super(`${reason} at position ${position} in expression ${JSON.stringify(expression)}`);
    this.name = 'ExpressionError';
  }
}

/** Parses and compiles `text`; throws ExpressionError naming the position of the problem. */
export function compileExpression(text: string): CompiledExpression {
  return new Parser(text).parseAll().eval;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'number'; value: number; double: boolean; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'ident'; value: string; quoted: boolean; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

const OPERATORS = ['&&', '||', '<=', '>=', '==', '!=', '<', '>', '!', '^', '*', '/', '%', '+', '-', '(', ')', ','];
const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const [value, next] = readQuoted(text, i);
      out.push(c === "'" ? { kind: 'string', value, at: i } : { kind: 'ident', value, quoted: true, at: i });
      i = next;
    } else if (/[\d.]/.test(c)) {
      const m = NUMBER.exec(text.slice(i));
      if (m === null) throw new ExpressionError(text, i, `unexpected "${c}"`);
      out.push({ kind: 'number', value: Number(m[0]), double: /[.eE]/.test(m[0]), at: i });
      i += m[0].length;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_PART.test(text[j]!)) j++;
      out.push({ kind: 'ident', value: text.slice(i, j), quoted: false, at: i });
      i = j;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op === undefined) throw new ExpressionError(text, i, `unexpected "${c}"`);
      out.push({ kind: 'op', value: op, at: i });
      i += op.length;
    }
  }
  out.push({ kind: 'end', at: text.length });
  return out;
}

/** A quoted literal or identifier with Java-style escapes (\', \", \\, \n, \t, \uXXXX). */
function readQuoted(text: string, start: number): [string, number] {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === '\\' && i + 1 < text.length) {
      const e = text[i + 1]!;
      if (e === 'u') {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      i += 2;
    } else {
      value += text[i];
      i++;
    }
  }
  if (i >= text.length) throw new ExpressionError(text, start, `unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
  return [value, i + 1];
}

// ---------------------------------------------------------------------------------------------
// Parsing (precedence climbing) straight into closures

/** What a node is known to produce before any row is seen: it decides long vs double division. */
type StaticType = 'long' | 'double' | 'string' | 'unknown';

interface Node {
  eval: CompiledExpression;
  type: StaticType;
}

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2,
  '<': 3, '<=': 3, '>': 3, '>=': 3, '==': 3, '!=': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5,
  '^': 6,
};

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parseAll(): Node {
    if (this.peek().kind === 'end') throw new ExpressionError(this.text, 0, 'empty expression');
    const node = this.binary(1);
    const rest = this.peek();
    if (rest.kind !== 'end') throw new ExpressionError(this.text, rest.at, `unexpected ${describe(rest)}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private atOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === op;
  }

  private expectOp(op: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== op) throw new ExpressionError(this.text, t.at, `expected "${op}" but found ${describe(t)}`);
  }

  private binary(minPrecedence: number): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const precedence = t.kind === 'op' ? BINARY_PRECEDENCE[t.value] : undefined;
      if (precedence === undefined || precedence < minPrecedence) return left;
      const op = (this.next() as { value: string }).value;
      // `^` is right-associative; everything else groups to the left.
      const right = this.binary(op === '^' ? precedence : precedence + 1);
      left = binaryNode(op, left, right);
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '!')) {
      this.next();
      const operand = this.unary();
      return t.value === '-' ? negate(operand) : not(operand);
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return constant(t.value, t.double ? 'double' : 'long');
      case 'string':
        return constant(t.value, 'string');
      case 'ident':
        if (!t.quoted && this.atOp('(')) return this.call(t.value, t.at);
        if (!t.quoted && t.value === 'null') return constant(null, 'unknown');
        return field(t.value);
      case 'op':
        if (t.value === '(') {
          const inner = this.binary(1);
          this.expectOp(')');
          return inner;
        }
        throw new ExpressionError(this.text, t.at, `unexpected ${describe(t)}`);
      case 'end':
        throw new ExpressionError(this.text, t.at, 'unexpected end of expression');
    }
  }

  private call(name: string, at: number): Node {
    this.expectOp('(');
    const args: Node[] = [];
    if (!this.atOp(')')) {
      args.push(this.binary(1));
      while (this.atOp(',')) {
        this.next();
        args.push(this.binary(1));
      }
    }
    this.expectOp(')');
    const fn = FUNCTIONS[name.toLowerCase()];
    if (fn === undefined) throw new ExpressionError(this.text, at, `unknown function "${name}" (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs === Infinity ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      throw new ExpressionError(this.text, at, `function ${name} takes ${expected} argument(s), got ${args.length}`);
    }
    return { eval: fn.build(args.map((a) => a.eval)), type: fn.type(args.map((a) => a.type)) };
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of expression' : t.kind === 'string' ? `'${t.value}'` : `"${t.value}"`;
}

function constant(value: ExprValue, type: StaticType): Node {
  return { eval: () => value, type };
}

function field(name: string): Node {
  return { eval: (row) => normalize(row[name]), type: 'unknown' };
}

/** Input values as the expression sees them: numbers, strings, or null for anything missing. */
function normalize(v: unknown): ExprValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** Strings in arithmetic are read as numbers (null when they are not), as Druid does. */
function toNumber(v: ExprValue): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  const trimmed = v.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isNaN(n) ? null : n;
}

/** Druid's truth: a number is true when positive, a string when it reads "true". */
function truthy(v: ExprValue): boolean {
  if (v === null) return false;
  if (typeof v === 'number') return v > 0;
  return v.toLowerCase() === 'true';
}

function negate(operand: Node): Node {
  const f = operand.eval;
  return { eval: (row) => { const n = toNumber(f(row)); return n === null ? null : -n; }, type: operand.type === 'string' ? 'unknown' : operand.type };
}

function not(operand: Node): Node {
  const f = operand.eval;
  return { eval: (row) => { const v = f(row); return v === null ? null : truthy(v) ? 0 : 1; }, type: 'long' };
}

const isLong = (n: number, staticType: StaticType): boolean => staticType !== 'double' && Number.isInteger(n);

function binaryNode(op: string, left: Node, right: Node): Node {
  const l = left.eval;
  const r = right.eval;
  const anyDouble = left.type === 'double' || right.type === 'double';
  const numericType: StaticType = anyDouble ? 'double' : left.type === 'long' && right.type === 'long' ? 'long' : 'unknown';
  switch (op) {
    case '+':
      return {
        eval: (row) => {
          const a = l(row);
          const b = r(row);
          if (a === null || b === null) return null;
          if (typeof a === 'string' || typeof b === 'string') return String(a) + String(b);
          return a + b;
        },
        type: left.type === 'string' || right.type === 'string' ? 'string' : numericType,
      };
    case '-':
    case '*':
    case '%':
    case '^': {
      const apply = ARITHMETIC[op]!;
      return { eval: (row) => { const a = toNumber(l(row)); const b = toNumber(r(row)); return a === null || b === null ? null : apply(a, b); }, type: numericType };
    }
    case '/':
      return {
        eval: (row) => {
          const a = toNumber(l(row));
          const b = toNumber(r(row));
          if (a === null || b === null) return null;
          if (isLong(a, left.type) && isLong(b, right.type)) return b === 0 ? null : toLong(a / b);
          return a / b;
        },
        type: numericType,
      };
    case '&&':
      return { eval: (row) => (truthy(l(row)) && truthy(r(row)) ? 1 : 0), type: 'long' };
    case '||':
      return { eval: (row) => (truthy(l(row)) || truthy(r(row)) ? 1 : 0), type: 'long' };
    default: {
      const test = COMPARISON[op]!;
      return { eval: (row) => compare(l(row), r(row), test), type: 'long' };
    }
  }
}

const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
};

const COMPARISON: Readonly<Record<string, (c: number) => boolean>> = {
  '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0, '==': (c) => c === 0, '!=': (c) => c !== 0,
};

/** Two strings compare as strings; otherwise both sides as numbers. Null compares as null. */
function compare(a: ExprValue, b: ExprValue, test: (c: number) => boolean): ExprValue {
  if (a === null || b === null) return null;
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0) ? 1 : 0;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  return test(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Functions

interface FunctionDef {
  minArgs: number;
  maxArgs: number;
  type(args: StaticType[]): StaticType;
  build(args: CompiledExpression[]): CompiledExpression;
}

const str = (v: ExprValue): string | null => (v === null ? null : String(v));

function stringFn(minArgs: number, maxArgs: number, f: (s: string, ...rest: ExprValue[]) => ExprValue): FunctionDef {
  return {
    minArgs,
    maxArgs,
    type: () => 'string',
    build: ([first, ...rest]) => (row) => {
      const s = str(first!(row));
      return s === null ? null : f(s, ...rest.map((g) => g(row)));
    },
  };
}

/** `keepsLong`: long arguments give a long result (abs, min, ...), as opposed to pow's double. */
function mathFn(arity: number, f: (...xs: number[]) => number, keepsLong = true): FunctionDef {
  return {
    minArgs: arity,
    maxArgs: arity,
    type: (types) => (keepsLong && types.every((t) => t === 'long') ? 'long' : 'unknown'),
    build: (args) => (row) => {
      const xs = args.map((g) => toNumber(g(row)));
      return xs.some((x) => x === null) ? null : f(...(xs as number[]));
    },
  };
}

const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  concat: {
    minArgs: 1,
    maxArgs: Infinity,
    type: () => 'string',
    build: (args) => (row) => {
      let out = '';
      for (const g of args) {
        const v = g(row);
        if (v === null) return null;
        out += String(v);
      }
      return out;
    },
  },
  if: {
    minArgs: 3,
    maxArgs: 3,
    type: ([, a, b]) => (a === b ? a! : 'unknown'),
    build: ([test, then, otherwise]) => (row) => (truthy(test!(row)) ? then!(row) : otherwise!(row)),
  },
  nvl: {
    minArgs: 2,
    maxArgs: 2,
    type: ([a, b]) => (a === b ? a! : 'unknown'),
    build: ([value, fallback]) => (row) => value!(row) ?? fallback!(row),
  },
  coalesce: {
    minArgs: 1,
    maxArgs: Infinity,
    type: () => 'unknown',
    build: (args) => (row) => {
      for (const g of args) {
        const v = g(row);
        if (v !== null) return v;
      }
      return null;
    },
  },
  isnull: { minArgs: 1, maxArgs: 1, type: () => 'long', build: ([g]) => (row) => (g!(row) === null ? 1 : 0) },
  notnull: { minArgs: 1, maxArgs: 1, type: () => 'long', build: ([g]) => (row) => (g!(row) === null ? 0 : 1) },
  lower: stringFn(1, 1, (s) => s.toLowerCase()),
  upper: stringFn(1, 1, (s) => s.toUpperCase()),
  trim: stringFn(1, 1, (s) => s.trim()),
  reverse: stringFn(1, 1, (s) => [...s].reverse().join('')),
  strlen: { ...stringFn(1, 1, (s) => s.length), type: () => 'long' },
  substring: stringFn(3, 3, (s, index, length) => {
    const from = toNumber(index);
    const n = toNumber(length);
    return from === null || n === null ? null : s.substr(from, n < 0 ? undefined : n);
  }),
  left: stringFn(2, 2, (s, n) => { const k = toNumber(n); return k === null ? null : s.slice(0, k); }),
  right: stringFn(2, 2, (s, n) => { const k = toNumber(n); return k === null ? null : k === 0 ? '' : s.slice(-k); }),
  replace: stringFn(3, 3, (s, pattern, replacement) => (pattern === null || replacement === null ? null : s.split(String(pattern)).join(String(replacement)))),
  abs: mathFn(1, Math.abs),
  floor: mathFn(1, Math.floor),
  ceil: mathFn(1, Math.ceil),
  round: mathFn(1, Math.round),
  min: mathFn(2, Math.min),
  max: mathFn(2, Math.max),
  pow: mathFn(2, Math.pow, false),
};
