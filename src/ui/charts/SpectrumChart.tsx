// SpectrumChart.tsx: the normalised eigenvalue spectrum of the final hidden state at the latest
// evaluation, one line per run: x = component index (1-based), y = eigenvalue / sum of all
// eigenvalues on a log10 axis. The mass of the eigenvalues not shown (`tail`) is written in the
// legend. d3 computes the scales and paths, React renders SVG.
//
// Shapes: spectrum (k) largest first, e.g. k = SPECTRUM_TOP = 16 from evaluator.ts; tail is a
// fraction in [0, 1]. Eigenvalues <= 0 (rank-deficient covariance) cannot sit on a log axis and
// are left out: the line breaks there and no point is drawn.
import * as d3 from 'd3';
import { formatValue, logTicks } from './ticks.ts';
import { legendLayout, LEGEND_RESERVE } from './layout.ts';
import { logDomainValues } from './domains.ts';
import { GridAxes } from './GridAxes.tsx';
import './charts.css';

export interface SpectrumSeries {
  name: string;
  color: string;
  /** (k) normalised eigenvalues, largest first */
  spectrum: readonly number[];
  /** normalised mass of the eigenvalues after the first k */
  tail: number;
  dashed?: boolean;
}

export interface SpectrumChartProps {
  series: readonly SpectrumSeries[];
  /** width of the SVG's coordinate system in px: pass the measured container width */
  width: number;
  height?: number;
  /** accessible name; default "Eigenvalue spectrum of the final hidden state" */
  label?: string;
}

interface Pt { k: number; v: number }

const tailText = (s: SpectrumSeries) =>
  `${s.name} (tail after ${s.spectrum.length}: ${Number.isFinite(s.tail) ? `${(s.tail * 100).toFixed(1)}%` : '–'})`;

export function SpectrumChart({ series, width, height = 240, label = 'Eigenvalue spectrum of the final hidden state' }: SpectrumChartProps) {
  const legend = legendLayout(series.map(tailText), Math.max(width - LEGEND_RESERVE, 100));
  const margin = { top: 10 + legend.rows * 16, right: 16, bottom: 34, left: 54 };
  const plotRight = width - margin.right;
  const plotBottom = height - margin.bottom;

  const kMax = Math.max(2, d3.max(series, (s) => s.spectrum.length) ?? 2);
  const x = d3.scaleLinear().domain([1, kMax]).range([margin.left, plotRight]);
  const pos = logDomainValues(series.flatMap((s) => [...s.spectrum]));
  let [lo, hi] = pos.length > 0 ? [d3.min(pos)!, d3.max(pos)!] : [1e-3, 1];
  if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
  const pad = Math.pow(hi / lo, 0.04);
  const y = d3.scaleLog().domain([lo / pad, hi * pad]).range([plotBottom, margin.top]);
  const yTicks = logTicks(lo / pad, hi * pad, 6);
  const xTicks = x.ticks(Math.min(kMax - 1, Math.max(2, Math.round(width / 60)))).filter(Number.isInteger);

  const shown = (s: SpectrumSeries): Pt[] => s.spectrum.map((v, i) => ({ k: i + 1, v: v > 0 && Number.isFinite(v) ? v : Number.NaN }));
  const line = d3.line<Pt>().defined((p) => Number.isFinite(p.v)).x((p) => x(p.k)).y((p) => y(p.v));
  const empty = pos.length === 0;

  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="spectrum-chart">
      <GridAxes xTicks={xTicks} yTicks={yTicks} x={x} y={y} left={margin.left} right={plotRight} top={margin.top} bottom={plotBottom} />
      <text x={(margin.left + plotRight) / 2} y={height - 3} textAnchor="middle" className="axis-label">component (largest first)</text>
      <text transform={`translate(13,${(margin.top + plotBottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">share of variance (log)</text>
      {empty && (
        <text x={(margin.left + plotRight) / 2} y={(margin.top + plotBottom) / 2} textAnchor="middle" className="empty-note">no evaluation yet</text>
      )}
      {series.map((s) => {
        const pts = shown(s).filter((p) => Number.isFinite(p.v));
        return (
          <g key={s.name}>
            <path d={line(shown(s)) ?? ''} fill="none" stroke={s.color} strokeWidth={1.8}
              strokeDasharray={s.dashed ? '4 3' : undefined} data-series={s.name} data-points={pts.length} />
            <g data-testid={`spectrum-points-${s.name}`}>
              {pts.map((p) => (
                <circle key={p.k} cx={x(p.k)} cy={y(p.v)} r={2.6} fill={s.color} data-k={p.k} data-value={p.v}>
                  <title>{`${s.name}: component ${p.k}, ${formatValue(p.v)} of the variance`}</title>
                </circle>
              ))}
            </g>
          </g>
        );
      })}
      <g data-testid="legend" transform={`translate(${margin.left},4)`}>
        {series.map((s, i) => (
          <g key={s.name} transform={`translate(${legend.slots[i].x},${legend.slots[i].row * 16})`} data-tail={s.tail}>
            <line x2={18} y1={6} y2={6} stroke={s.color} strokeWidth={2.5} strokeDasharray={s.dashed ? '4 3' : undefined} />
            <circle cx={9} cy={6} r={2.6} fill={s.color} />
            <text x={24} y={10} className="legend">{tailText(s)}</text>
          </g>
        ))}
      </g>
    </svg>
  );
}
