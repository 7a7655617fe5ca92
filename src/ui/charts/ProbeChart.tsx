// ProbeChart.tsx: part-of-speech probe accuracy per layer for several runs (evaluator.ts
// ProbeRecord: {layer: number | 'final', accuracy, chance}), as grouped bars: one group per layer
// in depth order (embedding output, block 1..L, final h), one bar per run. Chance (the
// majority-class rate of the probe's test split) is a dashed rule: one across the chart when
// every record has the same chance (its value in the legend), else one per layer group. d3 computes the band and linear
// scales, React renders SVG.
import * as d3 from 'd3';
import type { ProbeRecord } from '../../train/protocol.ts';
import { commonValue, layerLabel, orderLayers } from './layers.ts';
import './charts.css';

export interface ProbeRun {
  name: string;
  color: string;
  /** null or empty: not probed (yet) */
  records: ProbeRecord[] | null;
}

export interface ProbeChartProps {
  runs: ProbeRun[];
  width: number;
  /** default 240 */
  height?: number;
}

export function ProbeChart({ runs, width, height = 240 }: ProbeChartProps) {
  const margin = { top: 30, right: 16, bottom: 34, left: 48 };
  const lists = runs.map((r) => r.records ?? []);
  const layers = orderLayers(lists);
  const keyOf = (l: number | 'final') => String(l);
  const x = d3.scaleBand<string>().domain(layers.map(keyOf)).range([margin.left, width - margin.right]).paddingInner(0.2).paddingOuter(0.1);
  const inner = d3.scaleBand<string>().domain(runs.map((r) => r.name)).range([0, x.bandwidth()]).padding(0.08);
  const y = d3.scaleLinear().domain([0, 1]).range([height - margin.bottom, margin.top]);
  const pct = d3.format('.0%');
  const chances = lists.flat().map((r) => r.chance);
  const chance = commonValue(chances);
  const empty = chances.length === 0;
  // legend along the top: runs, then the chance rule
  const chanceLabel = chance !== null ? `chance ${pct(chance)}` : 'chance';
  const legendItems = [...runs.map((r) => ({ label: r.name, color: r.color, rule: false })), { label: chanceLabel, color: '#1d2330', rule: true }];
  let lx = 0;
  const legendSlots = legendItems.map((it) => {
    const at = lx;
    lx += 20 + it.label.length * 6.2 + 14; // 6.2 px per character of 11px legend text
    return at;
  });
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`part-of-speech probe accuracy per layer for ${runs.map((r) => r.name).join(' and ')}${chance !== null ? `; chance ${pct(chance)}` : ''}`}>
      {y.ticks(5).map((t) => (
        <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
          <line x1={margin.left} x2={width - margin.right} className="grid" />
          <text x={margin.left - 6} dy="0.32em" textAnchor="end" className="tick">{pct(t)}</text>
        </g>
      ))}
      {layers.map((l) => (
        <text key={keyOf(l)} x={(x(keyOf(l)) ?? 0) + x.bandwidth() / 2} y={height - margin.bottom + 14} textAnchor="middle" className="tick">
          {layerLabel(l)}
        </text>
      ))}
      <text x={(margin.left + width - margin.right) / 2} y={height - 3} textAnchor="middle" className="axis-label">layer</text>
      <text transform={`translate(13,${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">probe accuracy</text>
      {runs.map((run) => {
        const records = run.records ?? [];
        const bw = inner.bandwidth();
        return (
          <g key={run.name} data-testid="probe-bars" data-series={run.name} data-points={records.length} fill={run.color}>
            {records.map((r) => {
              const bx = (x(keyOf(r.layer)) ?? 0) + (inner(run.name) ?? 0);
              const acc = Math.min(1, Math.max(0, r.accuracy));
              return (
                <g key={keyOf(r.layer)}>
                  <rect x={bx} width={bw} y={y(acc)} height={y(0) - y(acc)}>
                    <title>{`${run.name}, ${layerLabel(r.layer)}: accuracy ${(100 * r.accuracy).toFixed(1)}% (chance ${(100 * r.chance).toFixed(1)}%)`}</title>
                  </rect>
                  {bw >= 24 && (
                    <text x={bx + bw / 2} y={y(acc) - 3} textAnchor="middle" className="tick bar-value">{pct(r.accuracy)}</text>
                  )}
                </g>
              );
            })}
          </g>
        );
      })}
      {chance !== null ? (
        <g data-testid="probe-chance" data-value={chance}>
          <line x1={margin.left} x2={width - margin.right} y1={y(chance)} y2={y(chance)} stroke="#1d2330" strokeWidth={1.3} strokeDasharray="6 4" />
        </g>
      ) : (
        <g data-testid="probe-chance">
          {layers.map((l) => {
            const c = d3.mean(lists.flat().filter((r) => r.layer === l), (r) => r.chance);
            if (c === undefined) return null;
            const gx = x(keyOf(l)) ?? 0;
            return <line key={keyOf(l)} x1={gx - 3} x2={gx + x.bandwidth() + 3} y1={y(c)} y2={y(c)} stroke="#1d2330" strokeWidth={1.3} strokeDasharray="6 4" />;
          })}
        </g>
      )}
      {empty && (
        <text x={(margin.left + width - margin.right) / 2} y={(margin.top + height - margin.bottom) / 2} textAnchor="middle" className="empty-note">
          no probe results yet
        </text>
      )}
      <g transform={`translate(${margin.left},8)`}>
        {legendItems.map((it, i) => (
          <g key={it.label} transform={`translate(${legendSlots[i]},0)`}>
            {it.rule
              ? <line x2={16} y1={5} y2={5} stroke={it.color} strokeWidth={1.3} strokeDasharray="6 4" />
              : <rect width={12} height={10} fill={it.color} />}
            <text x={it.rule ? 20 : 16} y={9} className="legend">{it.label}</text>
          </g>
        ))}
      </g>
    </svg>
  );
}
