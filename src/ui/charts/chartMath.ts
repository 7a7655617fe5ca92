// chartMath.ts: pure helpers shared by the charts in src/ui/charts (no DOM, no d3 selections).
//
// - emaSmooth: TensorBoard's exponential moving average with debiasing.
//     last_t = w * last_{t-1} + (1 - w) * v_t, last_0 = 0; smoothed_t = last_t / (1 - w^n_t)
//     where n_t counts the finite values seen so far (TensorBoard's `debiasWeight`).
//     Non-finite values pass through unchanged and do not enter the average.
// - clampForLog / logDomainValues: drop values a log axis cannot show (<= 0, NaN, ±Infinity).
// - nearestStep / snapToData: the point whose step is closest to a target (ties: the smaller step).
// - dataDomain: [min, max] of the finite values of several arrays, widened when degenerate.
// - niceTicks / logTicks: tick values for linear and log axes (niceTicks follows d3.ticks).
// - formatValue: short number labels; cellEdges: heatmap cell boundaries around sample steps;
//   heatmapDomain / COLOR_SCHEMES: one colour domain and scheme shared by several heatmaps;
//   legendLayout / placeTooltip: legend rows that fit a width; a tooltip box beside a cursor.
// Invariant: every function here is pure and leaves its inputs unchanged.
// Reference: TensorBoard, tensorboard/plugins/scalar/vz_line_chart2/line-chart.ts (resmoothDataset).

import * as d3 from 'd3';

/** One point of a step-axis series. */
export interface StepPoint {
  step: number;
  value: number;
}

/**
 * Exponential moving average with debiasing, as TensorBoard's scalar dashboard smooths.
 * A series whose finite values are all equal comes back unchanged (TensorBoard does the same, so
 * a constant line does not pick up rounding noise).
 * @param points (n) points in step order
 * @param weight smoothing weight, clamped to [0, 0.99]: 0 returns the values unchanged
 * @returns (n) points with the same steps and smoothed values
 */
export function emaSmooth(points: readonly StepPoint[], weight: number): StepPoint[] {
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.99);
  const finite = points.filter((p) => Number.isFinite(p.value));
  const constant = finite.every((p) => p.value === finite[0].value);
  if (w === 0 || constant) return points.map((p) => ({ step: p.step, value: p.value }));
  let last = 0;
  let n = 0;
  return points.map((p) => {
    if (!Number.isFinite(p.value)) return { step: p.step, value: p.value };
    last = last * w + (1 - w) * p.value;
    n += 1;
    // debias: the average starts at 0, so divide by the total weight given to real values
    const debias = 1 - Math.pow(w, n);
    return { step: p.step, value: last / debias };
  });
}

/**
 * Replace values a log axis cannot show (<= 0 or non-finite) with NaN, so line generators
 * break the line there instead of plotting -Infinity.
 * @param points (n) points
 * @returns (n) points, value NaN where value <= 0 or not finite
 */
export function clampForLog(points: readonly StepPoint[]): StepPoint[] {
  return points.map((p) => ({ step: p.step, value: p.value > 0 && Number.isFinite(p.value) ? p.value : Number.NaN }));
}

/**
 * The values a log axis can show: finite and strictly positive.
 * @param values (n) any numbers
 * @returns (m <= n) the positive finite ones, in order
 */
export function logDomainValues(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v) && v > 0);
}

/**
 * Index of the point whose step is nearest to `step`. Points need not be sorted.
 * Ties (two points equally far) go to the smaller step; equal steps go to the first such point.
 * @param points (n) points
 * @param step target step
 * @returns index into points, or -1 when points is empty or step is not finite
 */
export function nearestStep(points: readonly { step: number }[], step: number): number {
  if (!Number.isFinite(step)) return -1;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < points.length; i++) {
    const s = points[i].step;
    if (!Number.isFinite(s)) continue;
    const d = Math.abs(s - step);
    if (d < bestDist || (d === bestDist && best >= 0 && s < points[best].step)) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/**
 * The data step nearest to `step` over several series (e.g. to snap a hover cursor to a step
 * that has data). Same tie rule as nearestStep: the smaller step wins.
 * @param series any number of point arrays
 * @param step target step
 * @returns the nearest step, or null when no series has a point
 */
export function snapToData(series: readonly (readonly { step: number }[])[], step: number): number | null {
  let best: number | null = null;
  for (const points of series) {
    const i = nearestStep(points, step);
    if (i < 0) continue;
    const s = points[i].step;
    const d = Math.abs(s - step);
    if (best === null || d < Math.abs(best - step) || (d === Math.abs(best - step) && s < best)) best = s;
  }
  return best;
}

/**
 * The data step next to `step` in direction `dir` over several series (arrow-key cursor moves):
 * +1 the smallest step above, -1 the largest below; with no cursor (`step` null) the last step
 * for -1 and the first for +1. Stays at `step` at either end; null when there are no points.
 */
export function stepBeside(series: readonly (readonly { step: number }[])[], step: number | null, dir: 1 | -1): number | null {
  // with no cursor, look from beyond the far end, so the search walks back onto the data
  const from = step ?? (dir > 0 ? -Infinity : Infinity);
  let best: number | null = null;
  for (const points of series) {
    for (const { step: s } of points) {
      const ahead = dir > 0 ? s > from : s < from;
      if (ahead && (best === null || (dir > 0 ? s < best : s > best))) best = s;
    }
  }
  return best ?? step;
}

/**
 * [min, max] over the finite values of several arrays (e.g. the NTP and NITP heatmaps, so both
 * use one colour scale). A degenerate range [v, v] widens to [v - 0.5, v + 0.5] (or [v*0.9,
 * v*1.1] for |v| > 5); no finite value gives `fallback`.
 * @param arrays any number of value arrays
 * @param fallback returned when no value is finite
 */
export function dataDomain(arrays: readonly (readonly number[])[], fallback: [number, number] = [0, 1]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (const v of a) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [fallback[0], fallback[1]];
  if (lo === hi) {
    const pad = Math.abs(lo) > 5 ? Math.abs(lo) * 0.1 : 0.5;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * Round tick values for a linear axis: steps of 1, 2 or 5 times a power of ten (d3's rule),
 * inside [lo, hi], about `count` of them.
 * @param lo domain start
 * @param hi domain end (may be below lo; ticks then come out descending)
 * @param count wanted number of intervals (>= 1)
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || count < 1) return [];
  if (lo === hi) return [lo];
  const reverse = hi < lo;
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  const raw = (b - a) / count;
  const pow10 = Math.floor(Math.log10(raw));
  const err = raw / Math.pow(10, pow10);
  // d3-array tickSpec thresholds: sqrt(50), sqrt(10), sqrt(2)
  const factor = err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.sqrt(2) ? 2 : 1;
  const ticks: number[] = [];
  if (pow10 < 0) {
    // small steps: work with the integer inverse (10 for 0.1) so 0.3 / 0.1 does not floor to 2
    const inv = Math.pow(10, -pow10) / factor;
    let i1 = Math.round(a * inv);
    let i2 = Math.round(b * inv);
    if (i1 / inv < a) i1++;
    if (i2 / inv > b) i2--;
    for (let k = i1; k <= i2; k++) ticks.push(k / inv);
  } else {
    const inc = Math.pow(10, pow10) * factor;
    let i1 = Math.round(a / inc);
    let i2 = Math.round(b / inc);
    if (i1 * inc < a) i1++;
    if (i2 * inc > b) i2--;
    for (let k = i1; k <= i2; k++) ticks.push(k * inc);
  }
  return reverse ? ticks.reverse() : ticks;
}

/**
 * Tick values for a log10 axis over [lo, hi] (both > 0):
 * - the powers of ten inside, when there are at least three (thinned to every k-th decade so at
 *   most `maxTicks` remain);
 * - otherwise the 1-2-5 multiples of powers of ten inside, when there are three to `maxTicks`;
 * - otherwise (a domain under about one decade) round linear ticks from niceTicks, which a log
 *   axis shows just as well.
 * @param lo domain start (> 0)
 * @param hi domain end (> 0)
 * @param maxTicks most ticks wanted (>= 3)
 * @returns ascending tick values, all inside [lo, hi]; [] for an invalid domain
 */
export function logTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  if (a === b) return [a];
  const inside = (v: number) => v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9);
  const k0 = Math.floor(Math.log10(a));
  const k1 = Math.ceil(Math.log10(b));
  const powers: number[] = [];
  for (let k = k0; k <= k1; k++) {
    const v = Number(Math.pow(10, k).toPrecision(12));
    if (inside(v)) powers.push(v);
  }
  if (powers.length >= 3) {
    const stride = Math.ceil(powers.length / Math.max(maxTicks, 1));
    return powers.filter((_, i) => i % stride === 0);
  }
  const mult: number[] = [];
  for (let k = k0; k <= k1; k++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, k)).toPrecision(12));
      if (inside(v)) mult.push(v);
    }
  }
  if (mult.length >= 3 && mult.length <= maxTicks) return mult;
  if (mult.length > maxTicks) return powers;
  return niceTicks(a, b, Math.min(4, maxTicks)).filter((v) => v > 0);
}

/**
 * A short label for a number on an axis or in a tooltip: up to 3 significant digits, exponent
 * notation below 1e-3 or from 1e5.
 * @param v the value
 */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(1).replace('e+', 'e');
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** Where one legend entry goes: its left edge, its row (0 = top) and its estimated width. */
export interface LegendSlot {
  x: number;
  row: number;
  width: number;
}

/** Width a chart's legend leaves free: the left margin and, at the right, the SVG/PNG export buttons. */
export const LEGEND_RESERVE = 140;

/**
 * Lay legend entries out left to right, wrapping to a new row when the next one would pass
 * `maxWidth`. Text width is estimated (no DOM to measure): `charWidth` px per character.
 * @param labels (n) entry texts
 * @param maxWidth room available in px
 * @param swatch px for the colour mark before each text
 * @param gap px between entries
 * @param charWidth estimated px per character (6.2 fits the 11px system-ui legend text)
 * @returns (n) slots and the number of rows used (0 for no labels)
 */
export function legendLayout(labels: readonly string[], maxWidth: number, swatch = 24, gap = 14, charWidth = 6.2): { slots: LegendSlot[]; rows: number } {
  const slots: LegendSlot[] = [];
  let x = 0;
  let row = 0;
  for (const label of labels) {
    const width = swatch + label.length * charWidth;
    if (x > 0 && x + width > maxWidth) {
      row += 1;
      x = 0;
    }
    slots.push({ x, row, width });
    x += width + gap;
  }
  return { slots, rows: labels.length === 0 ? 0 : row + 1 };
}

/**
 * Left edge of a tooltip box beside a vertical anchor line: to the right of it when the box fits
 * before `maxX`, otherwise to the left; never left of `minX`.
 * @param anchorX x of the anchor (e.g. the cursor rule)
 * @param boxWidth width of the box
 * @param minX leftmost allowed left edge
 * @param maxX rightmost allowed right edge
 * @param offset gap between anchor and box
 */
export function placeTooltip(anchorX: number, boxWidth: number, minX: number, maxX: number, offset = 8): number {
  const right = anchorX + offset;
  if (right + boxWidth <= maxX) return right;
  return Math.max(minX, anchorX - offset - boxWidth);
}

/** One layer x step row of a heatmap: the value per layer (null: not measured) at one step. */
export interface LayerRow {
  step: number;
  values: readonly (number | null)[];
}

/**
 * One colour domain for several heatmaps (e.g. the NTP and NITP runs), so equal colours mean
 * equal values: dataDomain over every finite value of every run.
 * @param runs per run, its rows
 * @param fallback returned when no value is finite
 */
export function heatmapDomain(runs: readonly (readonly LayerRow[])[], fallback: [number, number] = [0, 1]): [number, number] {
  const values: number[] = [];
  for (const rows of runs) for (const r of rows) for (const v of r.values) if (v !== null) values.push(v);
  return dataDomain([values], fallback);
}

/** Sequential colour schemes of d3-scale-chromatic offered to heatmaps (all perceptually uniform). */
export const COLOR_SCHEMES = {
  viridis: d3.interpolateViridis,
  magma: d3.interpolateMagma,
  inferno: d3.interpolateInferno,
  plasma: d3.interpolatePlasma,
  cividis: d3.interpolateCividis,
} as const;

export type ColorScheme = keyof typeof COLOR_SCHEMES;

/**
 * Edges of a cell grid along one axis whose centres are `centres` (sorted ascending): each edge
 * is halfway between neighbours; the outer edges mirror the first and last half-gaps. One centre
 * gets a cell of width 1 around it.
 * @param centres (n) sorted cell centres (e.g. evaluation steps)
 * @returns (n + 1) edges
 */
export function cellEdges(centres: readonly number[]): number[] {
  const n = centres.length;
  if (n === 0) return [];
  if (n === 1) return [centres[0] - 0.5, centres[0] + 0.5];
  const edges = new Array<number>(n + 1);
  for (let i = 1; i < n; i++) edges[i] = (centres[i - 1] + centres[i]) / 2;
  edges[0] = centres[0] - (edges[1] - centres[0]);
  edges[n] = centres[n - 1] + (centres[n - 1] - edges[n - 1]);
  return edges;
}

// ---------------------------------------------------------------------------------------------
// Helper B's section: PcaScatter, AlignmentHistogram, ProbeChart.
// - POS_COLORS / posColor: one colour per part-of-speech class (POS_TAGS order, 13 with SPACE).
// - sequentialColor: the continuous scale for frequency and position colouring (viridis, light end cut).
// - scatterColors: per-point colours of a PCA snapshot for a colouring mode (pure; falls back
//   from 'pos' to 'position' when the data has no tags).
// - robustSymmetricDomain / widenDomain: a scatter domain shared by several snapshots, robust to
//   outliers (a quantile of |coordinate|) and stable across steps.
// - pointIndex: nearest point within a radius (d3.quadtree) for hover.
// - contextRange / tokenContext / visibleText: the few tokens around a hovered token, within its
//   own sequence of the evaluation batch.
// - histogramMean: the mean of a binned distribution from its bin centres.
// - layerLabel / orderLayers / commonValue: probe chart layer axis and chance rule.
// d3: the namespace import at the top of the file. The import below stays with this section (ES
// imports are hoisted wherever they stand at module level).
import { POS_COUNT, POS_TAGS } from '../../data/pos.ts';

/**
 * Part-of-speech colours, indexed by class id (POS_TAGS order). Nine are d3.schemeTableau10 (all
 * but its grey); PRT takes Tableau20's olive, PUNCT black, OTHER dark grey and SPACE light grey
 * (whitespace sits visually behind the words). The four classes that dominate character-level
 * text are far apart (NOUN blue, VERB red, PUNCT black, SPACE light grey: CIELAB ΔE > 40 between
 * any two of them); every pair of classes differs by ΔE > 20 (chartMathB.test.ts checks both).
 */
export const POS_COLORS: readonly string[] = [
  '#4e79a7', // NOUN  blue
  '#e15759', // VERB  red
  '#59a14f', // ADJ   green
  '#76b7b2', // ADV   teal
  '#b07aa1', // PRON  purple
  '#f28e2b', // DET   orange
  '#edc948', // ADP   yellow
  '#9c755f', // NUM   brown
  '#ff9da7', // CONJ  pink
  '#b6992d', // PRT   olive (Tableau20)
  '#000000', // PUNCT black
  '#5a5a5a', // OTHER dark grey
  '#d4d4d4', // SPACE light grey
];

/** Colour of a point whose label is missing (a label array shorter than the batch). */
export const UNKNOWN_COLOR = '#ff00ff';

/**
 * The colour of a part-of-speech class id.
 * @param id index into POS_TAGS
 * @returns POS_COLORS[id], or UNKNOWN_COLOR for an id outside [0, POS_COUNT)
 */
export function posColor(id: number): string {
  return Number.isInteger(id) && id >= 0 && id < POS_COUNT ? POS_COLORS[id] : UNKNOWN_COLOR;
}

/**
 * The continuous colour scale of the scatter (frequency, position): viridis from dark purple to
 * yellow-green, stopping at 0.9 so the lightest yellow still shows on white.
 * @param u position on the scale in [0, 1] (clamped)
 */
export function sequentialColor(u: number): string {
  const v = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
  return d3.interpolateViridis(0.9 * v);
}

/** How a scatter colours its points. */
export type ColorBy = 'pos' | 'frequency' | 'position';

/** Per-token labels of the evaluation batch, indexed by batch row b*T + t (as PcaSnapshot.rows). */
export interface ScatterLabels {
  /** (B*T) part-of-speech class ids (POS_TAGS), or null for data without tags */
  pos: Uint8Array | null;
  /** (B*T) how often the token occurs in the training text (a count; coloured on a symlog scale) */
  frequency: Float64Array;
  /** (B*T) position t of the token in its sequence */
  position: Uint16Array;
}

export interface ScatterColors {
  /** the colouring actually used ('position' when 'pos' was asked for data without tags) */
  mode: ColorBy;
  /** true when 'pos' was asked for but labels.pos is null */
  fellBack: boolean;
  /** (n) one CSS colour per snapshot point */
  colors: string[];
  /** [lo, hi] of the continuous scale ('frequency', 'position'); null for 'pos' */
  domain: [number, number] | null;
  /** maps a value to a colour ('frequency': symlog, 'position': linear); null for 'pos' */
  scale: ((v: number) => string) | null;
}

/**
 * Colours of the points of a PCA snapshot.
 * @param rows (n) batch row of each point (PcaSnapshot.rows)
 * @param colorBy the requested colouring
 * @param labels per-row labels; a row beyond a label array gets UNKNOWN_COLOR
 */
export function scatterColors(rows: ArrayLike<number>, colorBy: ColorBy, labels: ScatterLabels): ScatterColors {
  const n = rows.length;
  const fellBack = colorBy === 'pos' && labels.pos === null;
  const mode: ColorBy = fellBack ? 'position' : colorBy;
  const colors = new Array<string>(n);
  if (mode === 'pos') {
    const pos = labels.pos!;
    for (let i = 0; i < n; i++) colors[i] = rows[i] < pos.length ? posColor(pos[rows[i]]) : UNKNOWN_COLOR;
    return { mode, fellBack, colors, domain: null, scale: null };
  }
  const values: ArrayLike<number> = mode === 'frequency' ? labels.frequency : labels.position;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = rows[i] < values.length ? values[rows[i]] : Number.NaN;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) [lo, hi] = [0, 1];
  if (lo === hi) hi = lo + 1;
  const domain: [number, number] = [lo, hi];
  // counts span orders of magnitude (and may be 0): symlog is log-like above 1 and defined at 0
  const scale = mode === 'frequency'
    ? d3.scaleSequentialSymlog(sequentialColor).domain(domain).clamp(true)
    : d3.scaleSequential(sequentialColor).domain(domain).clamp(true);
  for (let i = 0; i < n; i++) {
    const v = rows[i] < values.length ? values[rows[i]] : Number.NaN;
    colors[i] = Number.isFinite(v) ? scale(v) : UNKNOWN_COLOR;
  }
  return { mode, fellBack, colors, domain, scale: (v: number) => scale(v) };
}

/** The x and y ranges of a scatter plot. */
export interface PlotDomain {
  x: [number, number];
  y: [number, number];
}

export interface RobustDomainOptions {
  /** quantile of |coordinate| that sets the half-width (default 0.99: 1% of points may fall outside) */
  quantile?: number;
  /** factor on that quantile, room around the points (default 1.1) */
  pad?: number;
  /**
   * per snapshot, a shift added to its coordinates (the projection of the PCA mean on the three
   * axes, PcaSnapshot.meanProjection, for the "raw" view); null or missing: none
   */
  offsets?: readonly (ArrayLike<number> | null | undefined)[];
  /** same half-width on both axes, so distances read the same in x and y (default false) */
  square?: boolean;
}

/**
 * A symmetric domain [−a, a] × [−b, b] around 0 for the scatter of several snapshots (the NTP and
 * NITP runs, every evaluation step so far) with a = pad · quantile(|x|), b likewise: shared between
 * plots and robust to a few outlying tokens. Quantiles interpolate linearly between order
 * statistics (R-7, as d3.quantile). A half-width with no finite coordinate, or 0, is 1.
 * @param snapshots each with points (n, dims) row-major (PcaSnapshot.points: dims = 3)
 * @param axes the two coordinate indices shown, e.g. [0, 1] for PC1 × PC2
 * @param dims coordinates per point (3)
 */
export function robustSymmetricDomain(
  snapshots: readonly { points: ArrayLike<number> }[],
  axes: readonly [number, number],
  options: RobustDomainOptions = {},
  dims = 3,
): PlotDomain {
  const q = options.quantile ?? 0.99;
  const pad = options.pad ?? 1.1;
  const half = axes.map((axis) => {
    const abs: number[] = [];
    snapshots.forEach((s, k) => {
      const shift = options.offsets?.[k]?.[axis] ?? 0;
      for (let i = axis; i < s.points.length; i += dims) {
        const v = Math.abs(s.points[i] + shift);
        if (Number.isFinite(v)) abs.push(v);
      }
    });
    const a = pad * quantileOf(abs, q);
    return a > 0 && Number.isFinite(a) ? a : 1;
  });
  if (options.square) half[0] = half[1] = Math.max(half[0], half[1]);
  return { x: [-half[0], half[0]], y: [-half[1], half[1]] };
}

/** R-7 quantile of unsorted values (sorts a copy); NaN for none. */
function quantileOf(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/**
 * The smallest domain holding both: for live training, so the view grows with the points but
 * never shrinks back and forth from one evaluation to the next.
 * @param prev the domain shown so far, or null
 * @param next the domain of the current data
 */
export function widenDomain(prev: PlotDomain | null, next: PlotDomain): PlotDomain {
  if (!prev) return { x: [next.x[0], next.x[1]], y: [next.y[0], next.y[1]] };
  return {
    x: [Math.min(prev.x[0], next.x[0]), Math.max(prev.x[1], next.x[1])],
    y: [Math.min(prev.y[0], next.y[0]), Math.max(prev.y[1], next.y[1])],
  };
}

/** Nearest-point lookup over fixed points. */
export interface PointIndex {
  /**
   * The index of the point nearest to (x, y) within `radius` (Euclidean), or -1.
   * Ties go to whichever d3.quadtree visits first.
   */
  nearest(x: number, y: number, radius: number): number;
}

/**
 * A d3.quadtree over points (xs[i], ys[i]), e.g. in pixels; points with a non-finite coordinate
 * are left out. Build O(n log n), query about O(log n).
 * @param xs (n) x coordinates
 * @param ys (n) y coordinates
 */
export function pointIndex(xs: ArrayLike<number>, ys: ArrayLike<number>): PointIndex {
  const ids: number[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) ids.push(i);
  const tree = d3.quadtree<number>().x((i) => xs[i]).y((i) => ys[i]).addAll(ids);
  return {
    nearest: (x, y, radius) => tree.find(x, y, radius) ?? -1,
  };
}

/** A token and its neighbours in its sequence, for tooltips (the token shown highlighted). */
export interface TokenContext {
  /** the text of up to `radius` tokens before it, joined */
  before: string;
  /** the token's own text */
  token: string;
  /** the text of up to `radius` tokens after it, joined */
  after: string;
}

/**
 * Rows of the few tokens around `row` = b*T + t, never crossing into the neighbouring sequences
 * b − 1 and b + 1 of the batch.
 * @returns b, t, and the half-open row range [start, end) holding row
 */
export function contextRange(row: number, T: number, radius: number): { b: number; t: number; start: number; end: number } {
  const b = Math.floor(row / T);
  const t = row - b * T;
  return { b, t, start: b * T + Math.max(0, t - radius), end: b * T + Math.min(T, t + radius + 1) };
}

/**
 * The text around one token of the evaluation batch.
 * @param row b*T + t
 * @param T sequence length
 * @param radius tokens on each side
 * @param tokenAt text of the token at a row (e.g. the tokenizer's decoding of batch token
 *   b*(T+1) + t)
 */
export function tokenContext(row: number, T: number, radius: number, tokenAt: (row: number) => string): TokenContext {
  const { start, end } = contextRange(row, T, radius);
  let before = '';
  let after = '';
  for (let r = start; r < row; r++) before += tokenAt(r);
  for (let r = row + 1; r < end; r++) after += tokenAt(r);
  return { before, token: tokenAt(row), after };
}

/**
 * Text with its invisible characters shown: newline ⏎, tab ⇥, carriage return dropped; with
 * `markSpaces` also each space as ␣ (for a lone token, whose spaces are its content).
 */
export function visibleText(s: string, markSpaces = false): string {
  let out = s.replace(/\r/g, '').replace(/\n/g, '⏎').replace(/\t/g, '⇥');
  if (markSpaces) out = out.replace(/ /g, '␣');
  return out;
}

/**
 * The mean of a histogram's values estimated from bin centres: Σ centre_b · count_b / Σ count_b.
 * Within half a bin width of the true mean of the values that fell in the bins.
 * @param h edges (bins + 1), counts (bins)
 * @returns the mean, or null when every bin is empty
 */
export function histogramMean(h: { edges: ArrayLike<number>; counts: ArrayLike<number> }): number | null {
  let total = 0;
  let sum = 0;
  for (let b = 0; b < h.counts.length; b++) {
    total += h.counts[b];
    sum += h.counts[b] * 0.5 * (h.edges[b] + h.edges[b + 1]);
  }
  return total > 0 ? sum / total : null;
}

/** A residual-stream layer (0 = embedding output, k = output of block k) or the final LN'd h. */
export type LayerKey = number | 'final';

/** Axis label of a layer: 0 "embed", k "block k", 'final' "final h". */
export function layerLabel(layer: LayerKey): string {
  if (layer === 'final') return 'final h';
  return layer === 0 ? 'embed' : `block ${layer}`;
}

/**
 * The distinct layers of several record lists in depth order: numbers ascending, then 'final'.
 * @param lists e.g. each run's ProbeRecord[]
 */
export function orderLayers(lists: readonly (readonly { layer: LayerKey }[])[]): LayerKey[] {
  const numbers = new Set<number>();
  let final = false;
  for (const list of lists) for (const r of list) {
    if (r.layer === 'final') final = true;
    else numbers.add(r.layer);
  }
  const out: LayerKey[] = [...numbers].sort((a, b) => a - b);
  if (final) out.push('final');
  return out;
}

/**
 * The value all entries share (within `tol`, relative to max(1, |v|)), e.g. one chance level for
 * every layer; null when they differ or there are none.
 */
export function commonValue(values: readonly number[], tol = 1e-9): number | null {
  if (values.length === 0 || !values.every(Number.isFinite)) return null;
  const v0 = values[0];
  return values.every((v) => Math.abs(v - v0) <= tol * Math.max(1, Math.abs(v0))) ? v0 : null;
}

/** The POS_TAGS name of a class id, or "?" outside the table. */
export function posName(id: number): string {
  return Number.isInteger(id) && id >= 0 && id < POS_COUNT ? POS_TAGS[id] : '?';
}
