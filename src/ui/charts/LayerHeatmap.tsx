// LayerHeatmap.tsx: one scalar (effective rank, anisotropy, ...) of ONE run as a layer × step
// heatmap: x = evaluation step, y = hidden state (x0 at the bottom, "final" at the top), colour =
// value on a d3-scale-chromatic sequential scheme over a fixed `domain`. Pass the same domain to
// the NTP and NITP heatmaps (heatmap.ts heatmapDomain) so equal colours mean equal values.
// d3 computes the scales, React renders SVG rects.
//
// Shapes: evals (n) in step order, each with values (L) aligned with layerLabels (L); a value that
// is null or not finite is drawn grey. Each cell spans halfway to its neighbouring steps
// (heatmap.ts cellEdges), so unevenly spaced evaluations leave no gaps.
// Hover: the cell under the pointer is outlined with a box giving layer, step and value, and
// onCursor gets its step; the shared cursor (cursorStep) is drawn as a vertical rule.
import { useRef, useState, type PointerEvent } from 'react';
import * as d3 from 'd3';
import { cellEdges, COLOR_SCHEMES, type ColorScheme, type LayerRow } from './heatmap.ts';
import { formatValue } from './ticks.ts';
import { placeTooltip } from './layout.ts';
import './charts.css';

export type { ColorScheme, LayerRow } from './heatmap.ts';

export interface LayerHeatmapProps {
  /** drawn above the cells and used in the accessible name, e.g. "NTP: effective rank" */
  title: string;
  /** (n) evaluations in step order; values[l] belongs to layerLabels[l] */
  evals: readonly LayerRow[];
  /** (L) row names from the embedding up, e.g. ["x0", "1", "2", "final"] */
  layerLabels: readonly string[];
  /** [min, max] of the colour scale; share it between the runs compared */
  domain: readonly [number, number];
  colorScheme?: ColorScheme;
  /** label of the value in the hover box and colour legend, e.g. "effective rank"; default "value" */
  valueLabel?: string;
  cursorStep: number | null;
  onCursor: (step: number | null) => void;
  /** width of the SVG's coordinate system in px: pass the measured container width */
  width: number;
  height?: number;
}

const MISSING = '#d9dce3';

const hoverValueText = (label: string, v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? `${label}: not measured` : `${label} ${formatValue(v)}`;

const LEGEND_STOPS = 48; // rects in the colour legend bar

export function LayerHeatmap({
  title, evals, layerLabels, domain, colorScheme = 'viridis', valueLabel = 'value',
  cursorStep, onCursor, width, height = 200,
}: LayerHeatmapProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const [hover, setHover] = useState<{ col: number; row: number } | null>(null);

  const legendW = 78; // colour bar + its tick labels on the right
  const margin = { top: 22, right: 16 + legendW, bottom: 34, left: 46 };
  const plotRight = width - margin.right;
  const plotBottom = height - margin.bottom;

  const steps = evals.map((e) => e.step);
  const edges = cellEdges(steps);
  const x = d3.scaleLinear()
    .domain(edges.length > 0 ? [edges[0], edges[edges.length - 1]] : [0, 1])
    .range([margin.left, plotRight]);
  // top to bottom: last label (final) first, so depth grows upward
  const y = d3.scaleBand<number>()
    .domain(d3.range(layerLabels.length).reverse())
    .range([margin.top, plotBottom])
    .paddingInner(0.06);

  const d0 = Math.min(domain[0], domain[1]);
  const d1 = Math.max(domain[0], domain[1]);
  const [lo, hi] = d0 === d1 ? [d0 - 0.5, d1 + 0.5] : [d0, d1];
  const color = d3.scaleSequential(COLOR_SCHEMES[colorScheme]).domain([lo, hi]).clamp(true);
  const fill = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? MISSING : color(v));

  // colour legend: a vertical bar from hi (top) to lo (bottom)
  const barX = plotRight + 18;
  const barW = 12;
  const legendY = d3.scaleLinear().domain([lo, hi]).range([plotBottom, margin.top]);
  const legendTicks = legendY.ticks(4);
  const stopH = (plotBottom - margin.top) / LEGEND_STOPS;

  const cursorX = cursorStep !== null && edges.length > 0 && cursorStep >= edges[0] && cursorStep <= edges[edges.length - 1]
    ? x(cursorStep) : null;

  const cellAt = (e: PointerEvent<SVGRectElement>) => {
    const svg = svgRef.current;
    if (!svg || evals.length === 0) return null;
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return null;
    const px = (e.clientX - box.left) * (width / box.width);
    const py = (e.clientY - box.top) * (height / box.height);
    const s = x.invert(px);
    const col = Math.min(evals.length - 1, Math.max(0, d3.bisectRight(edges, s) - 1));
    const band = y.step();
    const fromTop = Math.min(layerLabels.length - 1, Math.max(0, Math.floor((py - margin.top) / band)));
    return { col, row: layerLabels.length - 1 - fromTop };
  };

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const cell = cellAt(e);
    if (!cell) return;
    if (!hover || hover.col !== cell.col || hover.row !== cell.row) setHover(cell);
    const step = evals[cell.col].step;
    if (step !== cursorStep) onCursor(step);
  };
  const onLeave = () => {
    setHover(null);
    onCursor(null);
  };

  const hovered = hover && hover.col < evals.length && hover.row < layerLabels.length ? hover : null;
  const tipLines = hovered
    ? [`layer ${layerLabels[hovered.row]}`, `step ${evals[hovered.col].step}`, hoverValueText(valueLabel, evals[hovered.col].values[hovered.row])]
    : [];
  const tipW = 16 + Math.max(0, ...tipLines.map((t) => t.length)) * 6.3;
  const tipH = 8 + 15 * tipLines.length;
  const hoverX = hovered ? x(edges[hovered.col + 1]) : 0;
  const tipX = hovered ? placeTooltip(hoverX, tipW, margin.left, plotRight) : 0;
  const tipY = hovered ? Math.min(plotBottom - tipH, Math.max(margin.top, (y(hovered.row) ?? margin.top))) : 0;

  const xTicks = evals.length === 0 ? [] : x.ticks(Math.max(2, Math.round((plotRight - margin.left) / 100)))
    .filter((t) => t >= steps[0] && t <= steps[steps.length - 1]);

  return (
    <svg ref={svgRef} className="chart" viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`${title}: ${valueLabel} per layer over training steps`} data-testid="layer-heatmap">
      <text x={margin.left} y={14} className="chart-title">{title}</text>
      {xTicks.map((t) => (
        <g key={`x${t}`} transform={`translate(${x(t)},0)`}>
          <line y1={plotBottom} y2={plotBottom + 4} stroke="#9aa3b5" />
          <text y={plotBottom + 16} textAnchor="middle" className="tick">{t}</text>
        </g>
      ))}
      {layerLabels.map((l, i) => (
        <text key={`y${l}`} x={margin.left - 6} y={(y(i) ?? 0) + y.bandwidth() / 2} dy="0.32em" textAnchor="end" className="tick">{l}</text>
      ))}
      <text x={(margin.left + plotRight) / 2} y={height - 3} textAnchor="middle" className="axis-label">step</text>
      <text transform={`translate(12,${(margin.top + plotBottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">layer</text>
      {evals.length === 0 && (
        <text x={(margin.left + plotRight) / 2} y={(margin.top + plotBottom) / 2} textAnchor="middle" className="empty-note">no evaluation yet</text>
      )}
      <g data-testid="heatmap-cells" data-rows={layerLabels.length} data-cols={evals.length}>
        {evals.map((e, c) => {
          const x0 = x(edges[c]);
          const w = Math.max(0.5, x(edges[c + 1]) - x0 + 0.5); // +0.5 hides anti-aliasing seams
          return layerLabels.map((_, r) => {
            const v = e.values[r];
            return (
              <rect key={`${e.step}-${r}`} x={x0} y={y(r)} width={w} height={y.bandwidth()} fill={fill(v)}
                data-testid="heatmap-cell" data-step={e.step} data-layer={layerLabels[r]}
                data-value={v === null || v === undefined ? 'none' : v} />
            );
          });
        })}
      </g>
      <g data-testid="color-legend" aria-hidden="true">
        {d3.range(LEGEND_STOPS).map((i) => (
          <rect key={i} x={barX} y={margin.top + i * stopH} width={barW} height={stopH + 0.5}
            fill={color(hi - ((i + 0.5) / LEGEND_STOPS) * (hi - lo))} />
        ))}
        <rect x={barX} y={margin.top} width={barW} height={plotBottom - margin.top} fill="none" stroke="#9aa3b5" />
        {legendTicks.map((t) => (
          <g key={`c${t}`} transform={`translate(${barX + barW},${legendY(t)})`}>
            <line x2={4} stroke="#5a6272" />
            <text x={7} dy="0.32em" className="tick">{formatValue(t)}</text>
          </g>
        ))}
        <text transform={`translate(${width - 6},${(margin.top + plotBottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">{valueLabel}</text>
      </g>
      <rect className="hover-area" x={margin.left} y={margin.top} width={Math.max(0, plotRight - margin.left)}
        height={Math.max(0, plotBottom - margin.top)} onPointerMove={onMove} onPointerLeave={onLeave} />
      {cursorX !== null && (
        <g data-testid="cursor-rule">
          {/* a light halo under the dashed rule keeps it visible on dark cells */}
          <line x1={cursorX} x2={cursorX} y1={margin.top - 3} y2={plotBottom + 3} stroke="white" strokeWidth={3} strokeOpacity={0.8} pointerEvents="none" />
          <line className="cursor-rule" x1={cursorX} x2={cursorX} y1={margin.top - 3} y2={plotBottom + 3} />
        </g>
      )}
      {hovered && (
        <g data-testid="cell-tooltip">
          <rect className="cell-hover" x={x(edges[hovered.col])} y={y(hovered.row)} width={x(edges[hovered.col + 1]) - x(edges[hovered.col])} height={y.bandwidth()} />
          <g className="chart-tooltip" transform={`translate(${tipX},${tipY})`}>
            <rect width={tipW} height={tipH} rx={4} />
            {tipLines.map((t, i) => (
              <text key={t} x={8} y={15 * (i + 1)} className={i === 0 ? 'tooltip-head' : undefined}>{t}</text>
            ))}
          </g>
        </g>
      )}
    </svg>
  );
}
