// MetricChart.tsx: several scalar series over training steps, e.g. the NTP and NITP runs' loss,
// with optional horizontal reference lines (the ideal-loss floor), shaded bands (a spread over
// seeds, drawn raw behind its series' line), TensorBoard-style smoothing
// (EMA with debiasing; the raw series is drawn faint behind the smoothed one), a linear or log y
// axis, and the shared hover cursor (a vertical rule plus a box with each series' value at the
// step nearest the cursor). d3 computes scales and paths, React renders SVG.
//
// Invariants: `points` of each series are in step order (emaSmooth averages in array order); on a
// log axis values <= 0 are left out (the line breaks there) and so are reference lines <= 0.
// The tooltip lists smoothed values (what is drawn), with the raw value beside when smoothing > 0.
import { memo, useMemo, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import * as d3 from 'd3';
import { emaSmooth, type StepPoint } from './smoothing.ts';
import { clampForLog, dataDomain, logDomainValues } from './domains.ts';
import { formatValue, logTicks } from './ticks.ts';
import { legendLayout, LEGEND_RESERVE, placeTooltip } from './layout.ts';
import { nearestStep, snapToData, stepBeside } from './stepCursor.ts';
import { GridAxes } from './GridAxes.tsx';
import './charts.css';

/** Series with at most this many points are also drawn as dots. */
const SPARSE_POINTS = 30;

/** One line: `points` in step order. */
export interface MetricSeries {
  name: string;
  color: string;
  points: readonly StepPoint[];
  dashed?: boolean;
  /** a spread drawn as a shaded area behind the line (e.g. min–max or ±1 sd over seeds); never smoothed */
  band?: readonly BandPoint[];
}

/** One step of a band: the area between lo and hi. */
export interface BandPoint {
  step: number;
  lo: number;
  hi: number;
}

/** A horizontal line at `value`, labelled `label` (e.g. the loss of an ideal predictor). */
export interface ReferenceLine {
  value: number;
  label: string;
  /** default a dark grey */
  color?: string;
}

/** A marked point: a vertical rule at `step`, a ring at (step, value) and a label (the teaching tour's notes). */
export interface ChartAnnotation {
  step: number;
  value: number;
  label: string;
  color: string;
}

export interface MetricChartProps {
  series: readonly MetricSeries[];
  /** y axis title, e.g. "loss (nats)" */
  yLabel: string;
  /** width of the SVG's coordinate system in px: pass the measured container width */
  width: number;
  height?: number;
  references?: readonly ReferenceLine[];
  /** EMA weight in [0, 0.99]; 0 draws the raw series only */
  smoothing?: number;
  /** log10 y axis; values <= 0 are left out */
  logY?: boolean;
  /** the shared cursor: draws a vertical rule and a value box at this step */
  cursorStep: number | null;
  /** called with the data step nearest the pointer, and with null when the pointer leaves */
  onCursor: (step: number | null) => void;
  /** accessible name; default "<yLabel> over training steps" */
  label?: string;
  /** x axis title; default "step" */
  xLabel?: string;
  annotations?: readonly ChartAnnotation[];
}

const line = (x: (v: number) => number, y: (v: number) => number) =>
  d3.line<StepPoint>().defined((p) => Number.isFinite(p.value)).x((p) => x(p.step)).y((p) => y(p.value));

const area = (x: (v: number) => number, y: (v: number) => number, logY: boolean) =>
  d3.area<BandPoint>().defined((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi) && (!logY || p.lo > 0))
    .x((p) => x(p.step)).y0((p) => y(p.lo)).y1((p) => y(p.hi));

const countDefined = (points: readonly StepPoint[]) => points.reduce((n, p) => n + (Number.isFinite(p.value) ? 1 : 0), 0);

/** A dot of radius `r` at each point, as one path: one SVG element per series rather than one per point. */
const dotsPath = (points: readonly StepPoint[], x: (v: number) => number, y: (v: number) => number, r: number) =>
  points.map((p) => `M${x(p.step) - r},${y(p.value)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`).join('');

const NO_REFERENCES: readonly ReferenceLine[] = [];
const NO_ANNOTATIONS: readonly ChartAnnotation[] = [];

/** Memoised: a parent that memoises `series` (and its other array props) redraws it only when they change. */
export const MetricChart = memo(function MetricChart({
  series, yLabel, width, height = 260, references = NO_REFERENCES, smoothing = 0, logY = false,
  cursorStep, onCursor, label, xLabel = 'step', annotations = NO_ANNOTATIONS,
}: MetricChartProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const smoothed = smoothing > 0;

  // smooth in linear space (as TensorBoard does), then drop what a log axis cannot show
  const prepared = useMemo(() => series.map((s) => {
    const smooth = emaSmooth(s.points, smoothing);
    return {
      ...s,
      smooth,
      rawShown: logY ? clampForLog(s.points) : s.points,
      smoothShown: logY ? clampForLog(smooth) : smooth,
    };
  }), [series, smoothing, logY]);

  const refs = references.filter((r) => Number.isFinite(r.value) && (!logY || r.value > 0));

  // The legend changes with the series' names and looks, not with their points: it keeps its
  // elements through the renders that bring new metrics (one per batch while training).
  const legendKey = JSON.stringify(series.map((s) => [s.name, s.color, !!s.dashed]));
  const legend = useMemo(() => legendLayout(series.map((s) => s.name), Math.max(width - LEGEND_RESERVE, 100)), [legendKey, width]);
  const margin = { top: 10 + legend.rows * 16, right: 16, bottom: 34, left: 54 };
  const legendMarks = useMemo(() => (
    <g data-testid="legend" transform={`translate(${margin.left},4)`}>
      {series.map((s, i) => (
        <g key={s.name} transform={`translate(${legend.slots[i].x},${legend.slots[i].row * 16})`}>
          <line x2={18} y1={6} y2={6} stroke={s.color} strokeWidth={2.5} strokeDasharray={s.dashed ? '4 3' : undefined} />
          <text x={24} y={10} className="legend">{s.name}</text>
        </g>
      ))}
    </g>
  ), [legend, margin.left]);
  const plotRight = width - margin.right;
  const plotBottom = height - margin.bottom;

  const steps = series.flatMap((s) => [...s.points, ...(s.band ?? [])].map((p) => p.step)).filter(Number.isFinite);
  const x = d3.scaleLinear()
    .domain([Math.min(0, d3.min(steps) ?? 0), Math.max(d3.max(steps) ?? 1, 1)])
    .nice()
    .range([margin.left, plotRight]);

  const values = prepared.flatMap((s) => [...(smoothed ? s.rawShown : []), ...s.smoothShown].map((p) => p.value));
  values.push(...refs.map((r) => r.value));
  for (const s of series) for (const b of s.band ?? []) if (!logY || b.lo > 0) values.push(b.lo, b.hi);
  let y: d3.ScaleLinear<number, number> | d3.ScaleLogarithmic<number, number>;
  let yTicks: number[];
  if (logY) {
    const pos = logDomainValues(values);
    let [lo, hi] = pos.length > 0 ? [d3.min(pos)!, d3.max(pos)!] : [0.1, 1];
    if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
    const pad = Math.pow(hi / lo, 0.04); // a little room above and below, in log space
    y = d3.scaleLog().domain([lo / pad, hi * pad]).range([plotBottom, margin.top]);
    yTicks = logTicks(lo / pad, hi * pad, 6);
  } else {
    y = d3.scaleLinear().domain(dataDomain([values])).nice().range([plotBottom, margin.top]);
    yTicks = y.ticks(5);
  }
  const path = line(x, y);
  const empty = values.length === 0 || values.every((v) => !Number.isFinite(v));

  const cursorX = cursorStep !== null && cursorStep >= x.domain()[0] && cursorStep <= x.domain()[1] ? x(cursorStep) : null;

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const svg = svgRef.current;
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    if (box.width === 0) return;
    const px = (e.clientX - box.left) * (width / box.width);
    const at = x.invert(px);
    const step = snapToData(series.map((s) => s.points), at) ?? Math.round(at);
    if (step !== cursorStep) onCursor(step);
  };

  // the keyboard's cursor: arrows step through the data, Home/End jump, Escape hides it
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const points = series.map((s) => s.points);
    let next: number | null | undefined;
    if (e.key === 'ArrowRight') next = stepBeside(points, cursorStep, 1);
    else if (e.key === 'ArrowLeft') next = stepBeside(points, cursorStep, -1);
    else if (e.key === 'Home') next = stepBeside(points, null, 1);
    else if (e.key === 'End') next = stepBeside(points, null, -1);
    else if (e.key === 'Escape') next = null;
    if (next === undefined) return;
    e.preventDefault();
    onCursor(next);
  };

  // tooltip rows: each series' value at its point nearest the cursor
  const rows = cursorX === null ? [] : prepared.flatMap((s) => {
    const i = nearestStep(s.points, cursorStep!);
    if (i < 0) return [];
    const at = s.points[i].step;
    let text = `${s.name}: ${formatValue(s.smooth[i].value)}`;
    if (smoothed) text += ` (raw ${formatValue(s.points[i].value)})`;
    if (at !== cursorStep) text += ` @${at}`;
    return [{ name: s.name, color: s.color, dashed: s.dashed, text }];
  });
  const head = `step ${cursorStep}`;
  const boxW = 26 + Math.max(head.length, ...rows.map((r) => r.text.length)) * 6.3;
  const boxH = 8 + 15 * (rows.length + 1);
  const boxX = cursorX === null ? 0 : placeTooltip(cursorX, boxW, margin.left, plotRight);

  return (
    <svg ref={svgRef} className="chart" viewBox={`0 0 ${width} ${height}`} role="img" tabIndex={0} onKeyDown={onKey}
      onBlur={() => onCursor(null)}
      aria-label={`${label ?? `${yLabel} over training steps`} (arrow keys move the cursor)`} data-testid="metric-chart">
      <GridAxes xTicks={x.ticks(Math.max(2, Math.round(width / 110)))} yTicks={yTicks} x={x} y={y} left={margin.left} right={plotRight} top={margin.top} bottom={plotBottom} />
      <text x={(margin.left + plotRight) / 2} y={height - 3} textAnchor="middle" className="axis-label">{xLabel}</text>
      <text transform={`translate(13,${(margin.top + plotBottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">
        {logY ? `${yLabel} (log)` : yLabel}
      </text>
      {empty && (
        <text x={(margin.left + plotRight) / 2} y={(margin.top + plotBottom) / 2} textAnchor="middle" className="empty-note">no data yet</text>
      )}
      {refs.map((r) => (
        <g key={`ref-${r.label}-${r.value}`} data-testid="reference-line" data-value={r.value}>
          <line x1={margin.left} x2={plotRight} y1={y(r.value)} y2={y(r.value)} stroke={r.color ?? '#555'} strokeDasharray="6 4" />
          <text x={margin.left + 4} y={y(r.value) - 4} className="ref-label">{r.label} {formatValue(r.value)}</text>
        </g>
      ))}
      {series.map((s) => s.band && (
        <path key={`band-${s.name}`} d={area(x, y, logY)(s.band) ?? ''} fill={s.color} fillOpacity={0.18} stroke="none"
          data-testid="series-band" data-series={s.name} data-points={s.band.length} />
      ))}
      {smoothed && prepared.map((s) => (
        <path key={`raw-${s.name}`} d={path(s.rawShown) ?? ''} fill="none" stroke={s.color} strokeWidth={1}
          strokeOpacity={0.25} strokeDasharray={s.dashed ? '4 3' : undefined}
          data-series={s.name} data-kind="raw" data-points={countDefined(s.rawShown)} />
      ))}
      {prepared.map((s) => (
        <path key={`line-${s.name}`} d={path(s.smoothShown) ?? ''} fill="none" stroke={s.color} strokeWidth={1.8}
          strokeDasharray={s.dashed ? '4 3' : undefined}
          data-series={s.name} data-kind={smoothed ? 'smoothed' : 'raw'} data-points={countDefined(s.smoothShown)} />
      ))}
      {/* sparse series (evaluations) also get dots, so a single evaluation is visible */}
      {prepared.map((s) => countDefined(s.smoothShown) <= SPARSE_POINTS && (
        <path key={`dots-${s.name}`} fill={s.color} data-testid="series-dots" data-points={countDefined(s.smoothShown)}
          d={dotsPath(s.smoothShown.filter((p) => Number.isFinite(p.value)), x, y, 2.5)} />
      ))}
      {annotations.filter((a) => Number.isFinite(a.value) && (!logY || a.value > 0)).map((a, i) => {
        const ax = x(a.step);
        const ay = y(a.value);
        // labels alternate above and below the point (below when it is near the top), and flip left near the right edge
        const dy = i % 2 === 0 && ay - margin.top > 24 ? -10 : 18;
        const anchor = ax > (margin.left + plotRight) / 2 ? 'end' : 'start';
        return (
          <g key={`note-${a.label}`} className="annotation" data-testid="annotation" data-step={a.step} data-value={a.value}>
            <line x1={ax} x2={ax} y1={margin.top} y2={plotBottom} stroke={a.color} strokeDasharray="2 3" strokeOpacity={0.8} />
            <circle cx={ax} cy={ay} r={6} fill="none" stroke={a.color} strokeWidth={2} />
            <text x={ax + (anchor === 'start' ? 8 : -8)} y={ay + dy} textAnchor={anchor} className="annotation-label" fill={a.color}>{a.label}</text>
          </g>
        );
      })}
      {legendMarks}
      <rect className="hover-area" x={margin.left} y={margin.top} width={Math.max(0, plotRight - margin.left)}
        height={Math.max(0, plotBottom - margin.top)} onPointerMove={onMove} onPointerLeave={() => onCursor(null)} />
      {cursorX !== null && (
        <g data-testid="cursor">
          <line className="cursor-rule" x1={cursorX} x2={cursorX} y1={margin.top} y2={plotBottom} data-testid="cursor-rule" />
          {rows.length > 0 && (
            <g className="chart-tooltip" data-testid="cursor-tooltip" transform={`translate(${boxX},${margin.top + 4})`}>
              <rect width={boxW} height={boxH} rx={4} />
              <text x={8} y={15} className="tooltip-head">{head}</text>
              {rows.map((r, i) => (
                <g key={r.name} transform={`translate(8,${15 * (i + 2)})`}>
                  <line x2={12} y1={-4} y2={-4} stroke={r.color} strokeWidth={2.5} strokeDasharray={r.dashed ? '3 2' : undefined} />
                  <text x={16}>{r.text}</text>
                </g>
              ))}
            </g>
          )}
        </g>
      )}
    </svg>
  );
});
