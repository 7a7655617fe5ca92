// AlignmentHistogram.tsx: the distribution of the NITP alignment cosines cos(P(h_t), z_{t+s}) over
// the evaluation batch (metrics/anisotropy.ts Histogram: edges (bins + 1), counts (bins),
// outside) as bars on the histogram's range (normally [−1, 1]), with the mean as a dashed rule.
// The mean comes from the bin centres (histogram.ts histogramMean: within half a bin of the exact
// mean). d3 computes the scales, React renders SVG.
import * as d3 from 'd3';
import type { Histogram } from '../../metrics/anisotropy.ts';
import { histogramMean } from './histogram.ts';
import './charts.css';

export interface AlignmentHistogramProps {
  /** null: no alignment measured (yet, or the run has no NITP prediction head) */
  histogram: Histogram | null;
  /** bar colour (the run's colour) */
  color: string;
  title: string;
  width: number;
  /** default 220 */
  height?: number;
  /** x-axis label (default: the cosine between the prediction and the next token's target) */
  xLabel?: string;
}

export function AlignmentHistogram({ histogram, color, title, width, height = 220, xLabel = 'cos(P(h_t), z_t+1)' }: AlignmentHistogramProps) {
  // the legend sits beside the title when there is room, else on a second row under it
  // and a note on values outside the range gets a row of its own above the plot
  const wide = width >= 480;
  const outside = histogram ? histogram.outside : 0;
  const margin = { top: (wide ? 30 : 44) + (outside > 0 ? 12 : 0), right: 16, bottom: 34, left: 48 };
  const bins = histogram ? histogram.counts.length : 0;
  const lo = histogram && bins > 0 ? histogram.edges[0] : -1;
  const hi = histogram && bins > 0 ? histogram.edges[bins] : 1;
  const total = histogram ? d3.sum(histogram.counts) : 0;
  const maxCount = histogram ? (d3.max(histogram.counts) ?? 0) : 0;
  const mean = histogram ? histogramMean(histogram) : null;
  const x = d3.scaleLinear().domain([lo, hi]).range([margin.left, width - margin.right]);
  const y = d3.scaleLinear().domain([0, Math.max(1, maxCount)]).nice().range([height - margin.bottom, margin.top]);
  const fmt = d3.format('~s');
  const countLabel = `${total.toLocaleString('en-US')} tokens`;
  const ruleX = 16 + countLabel.length * 6.2 + 10; // 6.2 px per character of 11px legend text
  const legendW = ruleX + 52;
  const legendAt = wide ? `translate(${width - margin.right - legendW},6)` : `translate(${margin.left},22)`;
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`${title}: histogram of ${total} alignment cosines${mean !== null ? `, mean ${mean.toFixed(3)}` : ''}`}>
      <text x={margin.left} y={14} className="chart-title">{title}</text>
      {x.ticks(8).map((t) => (
        <g key={`x${t}`} transform={`translate(${x(t)},0)`}>
          <line y1={margin.top} y2={height - margin.bottom} className="grid" />
          <text y={height - margin.bottom + 14} textAnchor="middle" className="tick">{t}</text>
        </g>
      ))}
      {y.ticks(4).filter(Number.isInteger).map((t) => (
        <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
          <line x1={margin.left} x2={width - margin.right} className="grid" />
          <text x={margin.left - 6} dy="0.32em" textAnchor="end" className="tick">{fmt(t)}</text>
        </g>
      ))}
      <text x={(margin.left + width - margin.right) / 2} y={height - 3} textAnchor="middle" className="axis-label">{xLabel}</text>
      <text transform={`translate(13,${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">tokens</text>
      <g data-testid="alignment-bars" data-series={title} data-points={bins} fill={color}>
        {histogram && Array.from(histogram.counts, (c, b) => {
          const x0 = x(histogram.edges[b]);
          const x1 = x(histogram.edges[b + 1]);
          return (
            <rect key={b} x={x0 + 0.5} width={Math.max(0.5, x1 - x0 - 1)} y={y(c)} height={y(0) - y(c)}>
              <title>{`${histogram.edges[b].toFixed(2)} to ${histogram.edges[b + 1].toFixed(2)}: ${c} tokens`}</title>
            </rect>
          );
        })}
      </g>
      {mean !== null && (
        <g data-testid="alignment-mean" data-value={mean}>
          <line x1={x(mean)} x2={x(mean)} y1={margin.top} y2={height - margin.bottom} stroke="#1d2330" strokeWidth={1.4} strokeDasharray="5 3" />
          <text x={x(mean) + (x(mean) > (margin.left + width - margin.right) / 2 ? -4 : 4)} y={margin.top + 10}
            textAnchor={x(mean) > (margin.left + width - margin.right) / 2 ? 'end' : 'start'} className="ref-label halo">
            mean {mean.toFixed(3)}
          </text>
        </g>
      )}
      {(!histogram || total === 0) && (
        <text x={(margin.left + width - margin.right) / 2} y={(margin.top + height - margin.bottom) / 2} textAnchor="middle" className="empty-note">
          no alignment measured yet
        </text>
      )}
      <g transform={legendAt}>
        <rect width={12} height={10} fill={color} />
        <text x={16} y={9} className="legend">{countLabel}</text>
        <line x1={ruleX} x2={ruleX + 18} y1={5} y2={5} stroke="#1d2330" strokeWidth={1.4} strokeDasharray="5 3" />
        <text x={ruleX + 22} y={9} className="legend">mean</text>
      </g>
      {outside > 0 && (
        <text x={width - margin.right} y={margin.top - 6} textAnchor="end" className="legend" data-testid="alignment-outside">
          {outside} not counted: outside [{lo}, {hi}] or not finite
        </text>
      )}
    </svg>
  );
}
