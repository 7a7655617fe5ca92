// tokenContext.ts: the text shown for a hovered token: its neighbours within its own sequence of
// the evaluation batch (never the sequence before or after), with invisible characters made visible.

/** A token and its neighbours in its sequence, for tooltips (the token shown highlighted). */
export interface TokenContext {
  /** the text of up to `radius` tokens before it, joined */
  before: string;
  /** the token's own text */
  token: string;
  /** the text of up to `radius` tokens after it, joined */
  after: string;
}

/**
 * Rows of the few tokens around `row` = b*T + t, never crossing into the neighbouring sequences
 * b − 1 and b + 1 of the batch.
 * @returns b, t, and the half-open row range [start, end) holding row
 */
export function contextRange(row: number, T: number, radius: number): { b: number; t: number; start: number; end: number } {
  const b = Math.floor(row / T);
  const t = row - b * T;
  return { b, t, start: b * T + Math.max(0, t - radius), end: b * T + Math.min(T, t + radius + 1) };
}

/**
 * The text around one token of the evaluation batch.
 * @param row b*T + t
 * @param T sequence length
 * @param radius tokens on each side
 * @param tokenAt text of the token at a row (e.g. the tokenizer's decoding of batch token
 *   b*(T+1) + t)
 */
export function tokenContext(row: number, T: number, radius: number, tokenAt: (row: number) => string): TokenContext {
  const { start, end } = contextRange(row, T, radius);
  let before = '';
  let after = '';
  for (let r = start; r < row; r++) before += tokenAt(r);
  for (let r = row + 1; r < end; r++) after += tokenAt(r);
  return { before, token: tokenAt(row), after };
}

/**
 * Text with its invisible characters shown: newline ⏎, tab ⇥, carriage return dropped; with
 * `markSpaces` also each space as ␣ (for a lone token, whose spaces are its content).
 */
export function visibleText(s: string, markSpaces = false): string {
  let out = s.replace(/\r/g, '').replace(/\n/g, '⏎').replace(/\t/g, '⇥');
  if (markSpaces) out = out.replace(/ /g, '␣');
  return out;
}
