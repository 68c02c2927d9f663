import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError } from '../../../src/ingest/expression.ts';

const evaluate = (text: string, row: Record<string, unknown> = {}): unknown => compileExpression(text)(row);

describe('transform expressions', () => {
  it('read fields by bare or double-quoted name, missing fields as null', () => {
    expect(evaluate('page', { page: 'Main' })).toBe('Main');
    expect(evaluate('"page name"', { 'page name': 'Main' })).toBe('Main');
    expect(evaluate('nothing', {})).toBeNull();
  });

  it('concatenate with concat() and with + on strings, null making the result null', () => {
    expect(evaluate("concat(a, '-', b)", { a: 'x', b: 2 })).toBe('x-2');
    expect(evaluate("a + '/' + b", { a: 'x', b: 'y' })).toBe('x/y');
    expect(evaluate("concat(a, '-', b)", { a: 'x' })).toBeNull();
  });

  it('do arithmetic with precedence, parentheses, long division and double literals', () => {
    expect(evaluate('1 + 2 * 3')).toBe(7);
    expect(evaluate('(1 + 2) * 3')).toBe(9);
    expect(evaluate('7 / 2')).toBe(3);
    expect(Object.is(evaluate('-1 / 2'), 0)).toBe(true); // a long has no negative zero
    expect(evaluate('7.0 / 2')).toBe(3.5);
    expect(evaluate('-x - 1', { x: 4 })).toBe(-5);
    expect(evaluate('2 ^ 3 ^ 2')).toBe(512);
    expect(evaluate('x * 2', { x: '21' })).toBe(42);
    expect(evaluate('x + 1', { x: null })).toBeNull();
    expect(evaluate('bytes / packets', { bytes: 10, packets: 0 })).toBeNull();
  });

  it('compare and combine truths as 1 and 0', () => {
    expect(evaluate('x > 2 && y == \'a\'', { x: 3, y: 'a' })).toBe(1);
    expect(evaluate('!(x > 2) || 0', { x: 3 })).toBe(0);
    expect(evaluate("if(x >= 10, 'big', 'small')", { x: 12 })).toBe('big');
    expect(evaluate("nvl(x, 'none')", {})).toBe('none');
    expect(evaluate('upper(lower(s))', { s: 'MiXed' })).toBe('MIXED');
    expect(evaluate("'it\\'s'")).toBe("it's");
  });

  it('refuse bad text with the position of the problem', () => {
    expect(() => compileExpression('1 +')).toThrow(ExpressionError);
    expect(() => compileExpression('1 +')).toThrow(/unexpected end of expression at position 3/);
    expect(() => compileExpression('frobnicate(x)')).toThrow(/unknown function "frobnicate"/);
    expect(() => compileExpression("concat('a'")).toThrow(/expected "\)"/);
    expect(() => compileExpression("'open")).toThrow(/unterminated string literal at position 0/);
    expect(() => compileExpression('a # b')).toThrow(/unexpected "#" at position 2/);
  });
});
