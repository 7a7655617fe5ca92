// GridAxes.tsx: the grid lines and tick labels shared by the x/y charts (SVG fragment).
import { formatValue } from './ticks.ts';

interface Props {
  xTicks: readonly number[];
  yTicks: readonly number[];
  x: (v: number) => number;
  y: (v: number) => number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function GridAxes({ xTicks, yTicks, x, y, left, right, top, bottom }: Props) {
  return (
    <>
      {xTicks.map((t) => (
        <g key={`x${t}`} transform={`translate(${x(t)},0)`}>
          <line y1={top} y2={bottom} className="grid" />
          <text y={bottom + 16} textAnchor="middle" className="tick">{t}</text>
        </g>
      ))}
      {yTicks.map((t) => (
        <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
          <line x1={left} x2={right} className="grid" />
          <text x={left - 6} dy="0.32em" textAnchor="end" className="tick">{formatValue(t)}</text>
        </g>
      ))}
    </>
  );
}
