// LossChart.tsx: training loss over steps (d3 scales and line generators, React renders SVG).
import * as d3 from 'd3';

export interface Series {
  name: string;
  color: string;
  points: { step: number; value: number }[];
  dashed?: boolean;
}

interface Props {
  series: Series[];
  /** exact loss of an ideal predictor, drawn as a dashed horizontal line */
  floor?: number | null;
  width?: number;
  height?: number;
  yLabel: string;
}

export function LossChart({ series, floor = null, width = 640, height = 260, yLabel }: Props) {
  const margin = { top: 12, right: 16, bottom: 32, left: 48 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
  if (floor !== null) all.push({ step: 0, value: floor });
  const x = d3.scaleLinear().domain([0, d3.max(all, (p) => p.step) ?? 1]).nice().range([margin.left, width - margin.right]);
  const y = d3.scaleLinear().domain(d3.extent(all, (p) => p.value) as [number, number]).nice().range([height - margin.bottom, margin.top]);
  if (all.length === 0) y.domain([0, 1]);
  const line = d3.line<{ step: number; value: number }>().defined((p) => Number.isFinite(p.value)).x((p) => x(p.step)).y((p) => y(p.value));
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${yLabel} over training steps`}>
      {x.ticks(6).map((t) => (
        <g key={`x${t}`} transform={`translate(${x(t)},0)`}>
          <line y1={margin.top} y2={height - margin.bottom} className="grid" />
          <text y={height - margin.bottom + 16} textAnchor="middle" className="tick">{t}</text>
        </g>
      ))}
      {y.ticks(5).map((t) => (
        <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
          <line x1={margin.left} x2={width - margin.right} className="grid" />
          <text x={margin.left - 6} dy="0.32em" textAnchor="end" className="tick">{t}</text>
        </g>
      ))}
      <text x={(margin.left + width - margin.right) / 2} y={height - 2} textAnchor="middle" className="axis-label">step</text>
      <text transform={`translate(14,${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">{yLabel}</text>
      {floor !== null && (
        <g data-testid="floor-line">
          <line x1={margin.left} x2={width - margin.right} y1={y(floor)} y2={y(floor)} stroke="#555" strokeDasharray="6 4" />
          <text x={margin.left + 4} y={y(floor) - 4} className="legend">ideal loss {floor.toFixed(3)}</text>
        </g>
      )}
      {series.map((s) => (
        <path key={s.name} d={line(s.points) ?? ''} fill="none" stroke={s.color} strokeWidth={1.6}
          strokeDasharray={s.dashed ? '4 3' : undefined} data-series={s.name} data-points={s.points.length} />
      ))}
      <g transform={`translate(${width - margin.right - 190},${margin.top + 4})`}>
        {series.map((s, i) => (
          <g key={s.name} transform={`translate(0,${i * 16})`}>
            <line x2={18} y1={6} y2={6} stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? '4 3' : undefined} />
            <text x={24} y={10} className="legend">{s.name}</text>
          </g>
        ))}
      </g>
    </svg>
  );
}
