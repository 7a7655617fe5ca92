// PcaScatter.tsx: 2-D scatter of one run's PCA snapshot of the final hidden state h (evaluator.ts
// PcaSnapshot: points (n, 3) on three stable axes, rows (n) = b*T + t in the evaluation batch).
// Canvas draws the points (n ≈ 1,000+: a new path only where the colour changes); an SVG
// overlay draws the axes, the origin/mean markers and the hover ring; an HTML tooltip names the
// hovered token (nearest point within 14 px, d3.quadtree via pointIndex.ts). Colours:
// pcaColors.ts POS_COLORS (Tableau10-based, 13 classes with SPACE; whitespace drawn first, beneath
// the words), or viridis for position (linear) and frequency (symlog) with a colour bar.
//
// Coordinates. The snapshot's points are centred: (h − mean)·axis_j. The "raw" view
// (centred = false) shows h·axis_j = centred + mean·axis_j, so it needs `meanProjection`, the
// projection of the PCA mean on the three axes (k = 3 values, mean·axis_j; the prop, else
// snapshot.meanProjection): in raw view the origin (the zero vector) is at (0, 0) and the mean
// is marked where the cloud's centre sits, so a cloud far from the origin (anisotropy: a shared
// direction in every h) shows as such.
// Without meanProjection the raw view is not available and the chart says so.
//
// Invariants: `domain` is the caller's (robustSymmetricDomain over both runs and all steps) and is
// never recomputed here, so NTP and NITP plots share scales and a replay does not jump; points
// outside it are not drawn and are counted (data-outside). Labels are indexed by batch row
// (snapshot.rows[i]), not by point index.
import { useEffect, useId, useMemo, useRef, useState, type PointerEvent } from 'react';
import * as d3 from 'd3';
import type { PcaSnapshot } from '../../train/protocol.ts';
import { POS_DESCRIPTIONS, POS_TAGS, SPACE_ID } from '../../data/pos.ts';
import { POS_COLORS, posName, scatterColors, sequentialColor, type ColorBy, type ScatterLabels } from './pcaColors.ts';
import type { PlotDomain } from './pcaDomain.ts';
import { pointIndex } from './pointIndex.ts';
import { visibleText, type TokenContext } from './tokenContext.ts';
import { logTicks } from './ticks.ts';
import { placeTooltip } from './layout.ts';
import './charts.css';

export type PcaAxesPair = [0, 1] | [0, 2] | [1, 2];

export interface PcaScatterProps {
  title: string;
  /** the run's PCA snapshot at the shown step; null before the first evaluation */
  snapshot: PcaSnapshot | null;
  /** which two of the three PCA axes to show (default PC1 × PC2) */
  axes?: PcaAxesPair;
  colorBy: ColorBy;
  /** per batch row b*T + t: tag, training-text count and position of the token */
  labels: ScatterLabels;
  /** the token at a batch row and its neighbours, for the tooltip (see tokenContext.ts) */
  tokenText: (row: number) => TokenContext;
  /** x and y ranges, shared between runs and stable across steps (robustSymmetricDomain) */
  domain: PlotDomain;
  /** true: centred coordinates (mean at 0); false: raw, h·axis (needs meanProjection) */
  centred: boolean;
  /** (3) the PCA mean projected on the three axes, mean·axis_j, for the raw view (default: snapshot.meanProjection) */
  meanProjection?: ArrayLike<number> | null;
  /** label of the frequency colour bar */
  frequencyLabel?: string;
  width: number;
  /** default: 0.8 · width */
  height?: number;
}

const MARGIN = { top: 10, right: 14, bottom: 36, left: 46 };
const HOVER_RADIUS = 14; // px: the farthest a pointer may be from a point and still pick it

export function PcaScatter({
  title, snapshot, axes = [0, 1], colorBy, labels, tokenText, domain, centred, meanProjection: meanProp = null,
  frequencyLabel = 'token count in training text (symlog scale)', width, height: heightProp,
}: PcaScatterProps) {
  const height = heightProp ?? Math.round(width * 0.8);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const [hover, setHover] = useState<number | null>(null); // index of the hovered point
  const [ax, ay] = axes;
  const meanProjection = meanProp ?? snapshot?.meanProjection ?? null;
  const rawAvailable = meanProjection !== null && meanProjection.length > Math.max(ax, ay);
  const raw = !centred && rawAvailable;
  const shift: [number, number] = raw ? [meanProjection![ax], meanProjection![ay]] : [0, 0];

  const x = useMemo(() => d3.scaleLinear().domain(domain.x).range([MARGIN.left, width - MARGIN.right]), [domain.x, width]);
  const y = useMemo(() => d3.scaleLinear().domain(domain.y).range([height - MARGIN.bottom, MARGIN.top]), [domain.y, height]);

  const colors = useMemo(
    () => scatterColors(snapshot?.rows ?? new Uint32Array(0), colorBy, labels),
    [snapshot, colorBy, labels],
  );

  // pixel positions of the points inside the domain (NaN outside), and how many fell outside
  const layout = useMemo(() => {
    const n = snapshot ? snapshot.rows.length : 0;
    const px = new Float32Array(n);
    const py = new Float32Array(n);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = snapshot!.points[3 * i + ax] + shift[0];
      const v = snapshot!.points[3 * i + ay] + shift[1];
      const inside = u >= domain.x[0] && u <= domain.x[1] && v >= domain.y[0] && v <= domain.y[1];
      px[i] = inside ? x(u) : Number.NaN;
      py[i] = inside ? y(v) : Number.NaN;
      if (!inside) outside++;
    }
    return { n, px, py, outside, index: pointIndex(px, py) };
  }, [snapshot, ax, ay, shift[0], shift[1], domain, x, y]);

  // draw order: for tags, SPACE first so the words' colours lie on top of the whitespace cloud
  const order = useMemo(() => {
    const idx = Array.from({ length: layout.n }, (_, i) => i);
    if (colors.mode === 'pos' && labels.pos && snapshot) {
      const pos = labels.pos;
      const rows = snapshot.rows;
      const isSpace = (i: number) => (pos[rows[i]] === SPACE_ID ? 0 : 1);
      idx.sort((a, b) => isSpace(a) - isSpace(b) || a - b);
    }
    return idx;
  }, [layout.n, colors.mode, labels.pos, snapshot]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const r = layout.n > 3000 ? 1.6 : 2.4;
    ctx.globalAlpha = 0.8;
    // a new path only when the colour changes; the draw order (not the colour) decides overlap
    let current = '';
    ctx.beginPath();
    for (const i of order) {
      const cx = layout.px[i];
      const cy = layout.py[i];
      if (!Number.isFinite(cx)) continue;
      const c = colors.colors[i];
      if (c !== current) {
        if (current) ctx.fill();
        ctx.beginPath();
        ctx.fillStyle = c;
        current = c;
      }
      ctx.moveTo(cx + r, cy);
      ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    }
    if (current) ctx.fill();
    ctx.globalAlpha = 1;
  }, [layout, order, colors, width, height]);

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const mx = ((e.clientX - rect.left) * width) / Math.max(1, rect.width);
    const my = ((e.clientY - rect.top) * height) / Math.max(1, rect.height);
    const i = layout.index.nearest(mx, my, HOVER_RADIUS);
    setHover(i < 0 ? null : i);
  };

  // positions come from the current layout, so a new step or domain moves (or hides) the ring
  const hovered = hover !== null && hover < layout.n && Number.isFinite(layout.px[hover])
    ? { index: hover, x: layout.px[hover], y: layout.py[hover] } : null;
  const drawn = layout.n - layout.outside;
  const axisName = (a: number) => {
    const e = snapshot?.explained[a];
    return `PC${a + 1}${e !== undefined ? ` (${(100 * e).toFixed(1)}% of variance)` : ''}`;
  };
  const inDomain = (u: number, v: number) => u >= domain.x[0] && u <= domain.x[1] && v >= domain.y[0] && v <= domain.y[1];
  const meanAt: [number, number] = shift; // centred: the mean is at (0, 0); raw: at its projection

  return (
    <figure className="chart-figure pca-scatter" data-testid="pca-scatter" style={{ width }}>
      <figcaption className="chart-figure-title">{title}</figcaption>
      <div className="pca-plot" style={{ width, height }} onPointerMove={onPointerMove} onPointerLeave={() => setHover(null)}>
        <canvas
          ref={canvasRef}
          style={{ width, height }}
          role="img"
          aria-label={`${title}: ${drawn} tokens on ${axisName(ax)} and ${axisName(ay)}, coloured by ${colors.mode}`}
          data-testid="pca-points"
          data-points={drawn}
          data-outside={layout.outside}
          data-color-by={colors.mode}
        />
        <svg className="pca-overlay" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
          <rect x={MARGIN.left} y={MARGIN.top} width={width - MARGIN.left - MARGIN.right} height={height - MARGIN.top - MARGIN.bottom} className="pca-frame" />
          {x.ticks(6).map((t) => (
            <text key={`x${t}`} x={x(t)} y={height - MARGIN.bottom + 14} textAnchor="middle" className="tick">{t}</text>
          ))}
          {y.ticks(6).map((t) => (
            <text key={`y${t}`} x={MARGIN.left - 5} y={y(t)} dy="0.32em" textAnchor="end" className="tick">{t}</text>
          ))}
          {inDomain(0, 0) && (
            <g className="pca-zero">
              <line x1={x(0)} x2={x(0)} y1={MARGIN.top} y2={height - MARGIN.bottom} />
              <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(0)} y2={y(0)} />
            </g>
          )}
          {inDomain(meanAt[0], meanAt[1]) && (
            <g data-testid="pca-mean" transform={`translate(${x(meanAt[0])},${y(meanAt[1])})`} className="pca-mean">
              <path d="M-6,-6L6,6M-6,6L6,-6" />
              <text x={8} y={-6} className="legend">mean</text>
            </g>
          )}
          {raw && (
            <text x={x(0) + 5} y={y(0) + 12} className="legend">0</text>
          )}
          <text x={(MARGIN.left + width - MARGIN.right) / 2} y={height - 4} textAnchor="middle" className="axis-label">{axisName(ax)}</text>
          <text transform={`translate(12,${(MARGIN.top + height - MARGIN.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">{axisName(ay)}</text>
          {layout.outside > 0 && (
            <text x={width - MARGIN.right - 4} y={MARGIN.top + 12} textAnchor="end" className="legend halo" data-testid="pca-outside">
              {layout.outside} outside the view
            </text>
          )}
          {!snapshot && (
            <text x={(MARGIN.left + width - MARGIN.right) / 2} y={(MARGIN.top + height - MARGIN.bottom) / 2} textAnchor="middle" className="legend">
              no evaluation yet
            </text>
          )}
          {hovered && <circle cx={hovered.x} cy={hovered.y} r={6} className="pca-hover-ring" data-testid="pca-hover" />}
        </svg>
        {hovered && snapshot && (
          <Tooltip
            row={snapshot.rows[hovered.index]}
            point={[snapshot.points[3 * hovered.index + ax] + shift[0], snapshot.points[3 * hovered.index + ay] + shift[1]]}
            axes={[ax, ay]}
            at={hovered}
            width={width}
            height={height}
            labels={labels}
            tokenText={tokenText}
          />
        )}
      </div>
      {!centred && !rawAvailable && (
        <p className="chart-note" data-testid="pca-no-raw">raw coordinates need the projection of the mean; showing centred coordinates</p>
      )}
      {colors.fellBack && (
        <p className="chart-note" data-testid="pca-no-tags">no part-of-speech tags for this data (coloured by position instead)</p>
      )}
      {colors.mode === 'pos' && labels.pos && snapshot ? (
        <PosLegend counts={countClasses(snapshot.rows, labels.pos)} />
      ) : (
        colors.domain && (
          <ColorBar
            width={Math.min(260, width - 20)}
            domain={colors.domain}
            log={colors.mode === 'frequency'}
            label={colors.mode === 'frequency' ? frequencyLabel : 'position t in the sequence'}
          />
        )
      )}
    </figure>
  );
}

/** Points per class (POS_TAGS order) in the snapshot, for the legend. */
function countClasses(rows: Uint32Array, pos: Uint8Array): number[] {
  const counts = new Array<number>(POS_TAGS.length).fill(0);
  for (const r of rows) if (r < pos.length && pos[r] < counts.length) counts[pos[r]]++;
  return counts;
}

function PosLegend({ counts }: { counts: number[] }) {
  return (
    <ul className="pos-legend" data-testid="pca-legend" aria-label="part-of-speech colours">
      {POS_TAGS.map((tag, i) => (
        <li key={tag} title={`${tag}: ${POS_DESCRIPTIONS[tag]}`} className={counts[i] === 0 ? 'absent' : undefined}>
          <span className="swatch" style={{ background: POS_COLORS[i] }} />
          {tag} <span className="count">{counts[i]}</span>
        </li>
      ))}
    </ul>
  );
}

/** A horizontal colour bar for the continuous colourings (linear, or symlog for counts). */
function ColorBar({ width, domain, log, label }: { width: number; domain: [number, number]; log: boolean; label: string }) {
  const gradientId = `pca-bar-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`; // useId's colons do not belong in url(#…)
  const left = 10;
  const barW = Math.max(40, width - 2 * left);
  const scale = log ? d3.scaleSymlog().domain(domain).range([left, left + barW]) : d3.scaleLinear().domain(domain).range([left, left + barW]);
  let ticks: number[];
  if (log) {
    ticks = logTicks(Math.max(1, domain[0]), domain[1]);
    if (domain[0] < 1) ticks = [domain[0], ...ticks];
  } else {
    ticks = scale.ticks(5).filter(Number.isInteger);
  }
  const fmt = d3.format('~s');
  const stops = d3.range(17).map((k) => k / 16);
  return (
    <svg className="pca-colorbar" width={width} height={44} viewBox={`0 0 ${width} 44`} data-testid="pca-legend" role="img" aria-label={`colour scale: ${label}`}>
      <defs>
        <linearGradient id={gradientId}>
          {stops.map((u) => <stop key={u} offset={u} stopColor={sequentialColor(u)} />)}
        </linearGradient>
      </defs>
      <text x={left} y={10} className="legend">{label}</text>
      <rect x={left} y={14} width={barW} height={10} fill={`url(#${gradientId})`} />
      {ticks.map((t) => (
        <g key={t} transform={`translate(${scale(t)},0)`}>
          <line y1={24} y2={28} stroke="#5a6272" />
          <text y={39} textAnchor="middle" className="tick">{fmt(t)}</text>
        </g>
      ))}
    </svg>
  );
}

interface TooltipProps {
  row: number;
  point: [number, number];
  axes: [number, number];
  at: { x: number; y: number };
  width: number;
  height: number;
  labels: ScatterLabels;
  tokenText: (row: number) => TokenContext;
}

function Tooltip({ row, point, axes, at, width, height, labels, tokenText }: TooltipProps) {
  const ctx = tokenText(row);
  const tag = labels.pos && row < labels.pos.length ? labels.pos[row] : null;
  // beside the point, inside the plot: right of it when it fits, else left; below it, else above
  const boxW = Math.min(230, width - 8);
  const boxH = 130; // about the height of the five rows below
  const left = placeTooltip(at.x, boxW, 4, width - 4, 12);
  const top = at.y + 10 + boxH <= height ? at.y + 10 : Math.max(4, at.y - 10 - boxH);
  return (
    <div className="pca-tooltip" data-testid="pca-tooltip" style={{ left, top, width: boxW }}>
      <div className="pca-tooltip-token">“{visibleText(ctx.token, true)}”</div>
      <div className="pca-tooltip-context">
        …{visibleText(ctx.before)}<mark>{visibleText(ctx.token, true)}</mark>{visibleText(ctx.after)}…
      </div>
      <dl>
        {tag !== null && (
          <>
            <dt>tag</dt>
            <dd><span className="swatch" style={{ background: POS_COLORS[tag] }} />{posName(tag)}</dd>
          </>
        )}
        <dt>position</dt>
        <dd>t = {row < labels.position.length ? labels.position[row] : '?'}</dd>
        <dt>train count</dt>
        <dd>{row < labels.frequency.length ? labels.frequency[row].toLocaleString('en-US') : '?'}</dd>
        <dt>PC{axes[0] + 1}, PC{axes[1] + 1}</dt>
        <dd>{point[0].toFixed(3)}, {point[1].toFixed(3)}</dd>
      </dl>
    </div>
  );
}
