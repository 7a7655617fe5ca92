// compare.ts: tolerance checks for tests, after llm.c's validate_result: |a - r| <= atol + rtol*|r|,
// with the first mismatches printed so a failure says where and by how much.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Returns a report of elements outside tolerance (empty string if none). */
export function mismatches(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, show = 8): string {
  if (actual.length !== expected.length) return `length ${actual.length} != expected ${expected.length}`;
  const bad: string[] = [];
  let count = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const r = expected[i];
    const err = Math.abs(a - r);
    const limit = tol.atol + tol.rtol * Math.abs(r);
    if (!(err <= limit)) {
      count++;
      worst = Math.max(worst, Number.isFinite(err) ? err / limit : Infinity);
      if (bad.length < show) bad.push(`  [${i}] got ${a}, expected ${r} (|err| ${err.toExponential(2)} > ${limit.toExponential(2)})`);
    }
  }
  return count === 0 ? '' : `${count}/${expected.length} outside atol ${tol.atol} + rtol ${tol.rtol}; worst ${worst.toFixed(1)}x the limit\n${bad.join('\n')}`;
}

/** Fails the test with the first mismatches when `actual` is not close to `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = ''): void {
  const report = mismatches(actual, expected, tol);
  expect(report, `${label}\n${report}`).toBe('');
}

/** Largest relative error max|a-r| / max|r| (for reporting). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num = Math.max(num, Math.abs(actual[i] - expected[i]));
    den = Math.max(den, Math.abs(expected[i]));
  }
  return den === 0 ? num : num / den;
}
