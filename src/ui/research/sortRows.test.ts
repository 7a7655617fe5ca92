import { describe, expect, it } from 'vitest';
import { sortRows } from './sortRows.ts';
import type { SummaryRow } from '../../share/sweep.ts';

const row = (lambda: number, loss: number | null, diff: number | null): SummaryRow => {
  const s = (mean: number | null) => ({ mean, sd: null, n: 1 });
  const metrics = { val_ntp: s(loss), erank_final: s(1), anisotropy_final: s(1), erank_last: s(1), anisotropy_last: s(1) };
  return { variant: { 'nitp.lambda': lambda }, seeds: [1], dirs: [], unfinished: [], metrics,
    diff: diff === null ? null : Object.fromEntries(Object.keys(metrics).map((m) => [m, { ...s(diff), agree: 1 }])) as SummaryRow['diff'] };
};

describe('summary table order', () => {
  const rows = [row(0, 3.2, null), row(3, 3.5, 0.3), row(1, 3.1, -0.1)];
  const lambdas = (rs: SummaryRow[]) => rs.map((r) => r.variant['nitp.lambda']);
  it('sorts by a field, a mean or a paired difference, empty cells last', () => {
    expect(lambdas(sortRows(rows, null))).toEqual([0, 3, 1]);
    expect(lambdas(sortRows(rows, { column: 'field:nitp.lambda', dir: -1 }))).toEqual([3, 1, 0]);
    expect(lambdas(sortRows(rows, { column: 'metric:val_ntp', dir: 1 }))).toEqual([1, 0, 3]);
    expect(lambdas(sortRows(rows, { column: 'diff:val_ntp', dir: 1 }))).toEqual([1, 3, 0]);
    expect(lambdas(sortRows(rows, { column: 'diff:val_ntp', dir: -1 }))).toEqual([3, 1, 0]);
  });
});
