// sortRows.ts: the summary table's order: by a varied field's value, the number of seeds, a
// metric's mean or its paired difference's mean; empty cells last in either direction.
import type { SummaryRow } from '../../share/sweep.ts';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** column: "field:<path>", "seeds", "metric:<id>" or "diff:<id>" */
export type SortKey = { column: string; dir: 1 | -1 };

/** What a column sorts by: a field's value, the number of seeds, a metric's mean or its paired difference's mean. */
function sortValue(row: SummaryRow, column: string): number | string | null {
  if (column === 'seeds') return row.seeds.length;
  const [kind, key] = column.split(':');
  if (kind === 'field') {
    const v = row.variant[key];
    return v === null || v === undefined ? null : typeof v === 'number' ? v : show(v);
  }
  const stat = kind === 'metric' ? row.metrics[key as keyof SummaryRow['metrics']] : row.diff?.[key as keyof SummaryRow['metrics']];
  return stat?.mean ?? null;
}

export function sortRows(rows: readonly SummaryRow[], sort: SortKey | null): SummaryRow[] {
  if (!sort) return [...rows];
  return [...rows].sort((a, b) => {
    const [x, y] = [sortValue(a, sort.column), sortValue(b, sort.column)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // empty cells last either way
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sort.dir;
  });
}
