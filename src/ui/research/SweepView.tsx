// SweepView.tsx: groups of runs (a sweep's variants, or saved runs grouped by a field) drawn as a
// mean line per group with a min–max or ±1 sd band over its runs on the held-out loss, effective
// rank and anisotropy charts, and the summary table (share/sweep.ts), sortable by any column.
import { useMemo, useState } from 'react';
import { MetricChart, type MetricSeries } from '../charts/MetricChart.tsx';
import { bandOf, type BandMode } from '../charts/bands.ts';
import type { StepPoint } from '../charts/smoothing.ts';
import { Exportable } from '../Exportable.tsx';
import type { GroupedRuns } from '../../share/runGroups.ts';
import { METRIC_LABELS, SUMMARY_METRICS, type SummaryInput, type SummaryRow } from '../../share/sweep.ts';
import { sortRows, type SortKey } from './sortRows.ts';
import './research.css';

/** Okabe–Ito, colour-blind safe; the first (blue) is usually the λ = 0 group. */
export const GROUP_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442'];

type Layer = 'final' | 'last';

const evalPoints = (run: SummaryInput, pick: (e: SummaryInput['evals'][number]) => number | undefined): StepPoint[] =>
  run.evals.flatMap((e) => {
    const v = pick(e);
    return v === undefined ? [] : [{ step: e.step, value: v }];
  });

const layerValue = (run: SummaryInput, e: SummaryInput['evals'][number], layer: Layer, metric: 'erank' | 'anisotropy') =>
  e.layers.find((l) => l.layer === (layer === 'final' ? 'final' : run.config.model.nLayer))?.[metric];

interface Props {
  grouped: GroupedRuns;
  width: number;
  cursorStep: number | null;
  onCursor: (step: number | null) => void;
}

export function SweepView({ grouped, width, cursorStep, onCursor }: Props) {
  const [mode, setMode] = useState<BandMode>('minmax');
  const [layer, setLayer] = useState<Layer>('final');
  const charts = useMemo(() => {
    const series = (pick: (run: SummaryInput, e: SummaryInput['evals'][number]) => number | undefined): MetricSeries[] =>
      grouped.groups.map((g, i) => {
        const { mean, band } = bandOf(g.runs.map((r) => evalPoints(r, (e) => pick(r, e))), mode);
        return { name: `${g.label} (${g.runs.length} run${g.runs.length === 1 ? '' : 's'})`, color: GROUP_COLORS[i % GROUP_COLORS.length], points: mean, band };
      });
    return {
      loss: series((_, e) => e.valNtp),
      erank: series((r, e) => layerValue(r, e, layer, 'erank')),
      anisotropy: series((r, e) => layerValue(r, e, layer, 'anisotropy')),
    };
  }, [grouped, mode, layer]);
  const where = layer === 'final' ? 'final hidden state h' : 'last block\'s output (layer L)';
  return (
    <div data-testid="sweep-view">
      {grouped.note && <p className="note">{grouped.note}</p>}
      {grouped.groups.length > 0 && (
        <>
          <div className="controls">
            <label>Band <select value={mode} onChange={(e) => setMode(e.target.value as BandMode)} aria-label="Band over runs">
              <option value="minmax">min–max over runs</option>
              <option value="sd">mean ± 1 sd</option>
            </select></label>
            <label>Layer <select value={layer} onChange={(e) => setLayer(e.target.value as Layer)} aria-label="Layer of the rank and anisotropy charts">
              <option value="final">final hidden state h</option>
              <option value="last">last block (layer L)</option>
            </select></label>
          </div>
          <p className="explain">
            Each line is the mean over a group's runs (seeds) at each evaluation; the shaded band is the {mode === 'minmax' ? 'range (min to max)' : 'mean ± one sample standard deviation'} over
            them. A difference between two lines means little while their bands overlap.
          </p>
          <Exportable name="sweep-loss">
            <MetricChart width={width} height={220} yLabel="held-out NTP loss (nats)" series={charts.loss} cursorStep={cursorStep} onCursor={onCursor} />
          </Exportable>
          <Exportable name="sweep-erank">
            <MetricChart width={width} height={220} yLabel={`effective rank, ${where}`} series={charts.erank} cursorStep={cursorStep} onCursor={onCursor} />
          </Exportable>
          <Exportable name="sweep-anisotropy">
            <MetricChart width={width} height={220} yLabel={`anisotropy, ${where}`} series={charts.anisotropy} cursorStep={cursorStep} onCursor={onCursor} />
          </Exportable>
        </>
      )}
      <SummaryTable grouped={grouped} />
    </div>
  );
}

const DIGITS: Record<string, number> = { val_ntp: 4, erank_final: 2, erank_last: 2, anisotropy_final: 3, anisotropy_last: 3 };
const fmt = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const show = (v: unknown) => (v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v));

/** The summary: one row per group, mean ± sd over seeds, and the paired difference to λ = 0 of the same seed. */
export function SummaryTable({ grouped }: { grouped: GroupedRuns }) {
  const [sort, setSort] = useState<SortKey | null>(null);
  const { summary } = grouped;
  const rows = sortRows(summary.rows, sort);
  const colorOf = (row: SummaryRow) => GROUP_COLORS[summary.rows.indexOf(row) % GROUP_COLORS.length];
  const header = (column: string, label: string, title?: string) => (
    <th key={column} aria-sort={sort?.column === column ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} title={title}>
      <button onClick={() => setSort(sort?.column === column ? { column, dir: sort.dir === 1 ? -1 : 1 } : { column, dir: 1 })}>
        {label}{sort?.column === column ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
  const hasDiff = summary.rows.some((r) => r.diff);
  return (
    <>
      <h3 className="section-title">Summary at the last step</h3>
      <p className="explain">
        Mean ± sample standard deviation over seeds{hasDiff ? '; below each, Δ: the paired difference to the λ = 0 run of the same seed (mean ± sd) and how many seeds agree on its sign' : ''}.
        Click a column to sort by it.
      </p>
      <div className="table-scroll">
        <table className="results" data-testid="summary-table">
          <thead>
            <tr>
              {summary.varied.map((p) => header(`field:${p}`, p))}
              {header('seeds', 'seeds')}
              {SUMMARY_METRICS.map((m) => header(`metric:${m}`, METRIC_LABELS[m], `sort by the mean; Δ sorts by the paired difference`))}
            </tr>
            {hasDiff && (
              <tr>
                {summary.varied.map((p) => <th key={p} />)}
                <th />
                {SUMMARY_METRICS.map((m) => header(`diff:${m}`, 'Δ vs λ = 0'))}
              </tr>
            )}
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={JSON.stringify(r.variant)} data-testid="summary-row">
                {summary.varied.map((p, i) => (
                  <td key={p} className="field">{i === 0 && <span className="swatch" style={{ background: colorOf(r) }} />}{show(r.variant[p])}</td>
                ))}
                <td title={r.unfinished.length ? `left out (not finished): ${r.unfinished.join(', ')}` : undefined}>
                  {r.seeds.length}{r.unfinished.length ? ` (+${r.unfinished.length} unfinished)` : ''}
                </td>
                {SUMMARY_METRICS.map((m) => (
                  <td key={m}>
                    {fmt(r.metrics[m].mean, DIGITS[m])} ± {fmt(r.metrics[m].sd, DIGITS[m])}
                    {r.diff && <span className="diff">Δ {fmt(r.diff[m].mean, DIGITS[m])} ± {fmt(r.diff[m].sd, DIGITS[m])} ({r.diff[m].agree}/{r.diff[m].n})</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
