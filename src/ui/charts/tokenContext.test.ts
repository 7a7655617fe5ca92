// tokenContext.test.ts: the hovered token's neighbours stay in its own sequence.
import { describe, expect, it } from 'vitest';
import { contextRange, tokenContext, visibleText } from './tokenContext.ts';

describe('token context', () => {
  const T = 8;
  const text = (row: number) => `<${row}>`;

  it('stays inside the token’s own sequence', () => {
    expect(contextRange(8, T, 3)).toEqual({ b: 1, t: 0, start: 8, end: 12 }); // first token of sequence 1
    expect(contextRange(15, T, 3)).toEqual({ b: 1, t: 7, start: 12, end: 16 }); // last token
    expect(contextRange(11, T, 2)).toEqual({ b: 1, t: 3, start: 9, end: 14 });
    expect(contextRange(3, T, 0)).toEqual({ b: 0, t: 3, start: 3, end: 4 });
  });

  it('joins the neighbours before and after, the token apart', () => {
    expect(tokenContext(11, T, 2, text)).toEqual({ before: '<9><10>', token: '<11>', after: '<12><13>' });
    expect(tokenContext(8, T, 2, text)).toEqual({ before: '', token: '<8>', after: '<9><10>' });
    expect(tokenContext(7, T, 2, text)).toEqual({ before: '<5><6>', token: '<7>', after: '' });
  });

  it('shows invisible characters', () => {
    expect(visibleText('a\nb\tc\r\n')).toBe('a⏎b⇥c⏎');
    expect(visibleText(' the')).toBe(' the');
    expect(visibleText(' the', true)).toBe('␣the');
    expect(visibleText('  ', true)).toBe('␣␣');
  });
});
