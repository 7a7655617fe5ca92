// pcaColors.ts: the colours of the PCA scatter's points: one per part-of-speech class, or a
// continuous scale for token frequency and position in the sequence.

import { interpolateViridis, scaleSequential, scaleSequentialSymlog, extent } from 'd3';
import { POS_COUNT, POS_TAGS } from '../../data/pos.ts';

/**
 * Part-of-speech colours, indexed by class id (POS_TAGS order). Nine are d3.schemeTableau10 (all
 * but its grey); PRT takes Tableau20's olive, PUNCT black, OTHER dark grey and SPACE light grey
 * (whitespace sits visually behind the words). The four classes that dominate character-level
 * text are far apart (NOUN blue, VERB red, PUNCT black, SPACE light grey: CIELAB ΔE > 40 between
 * any two of them); every pair of classes differs by ΔE > 20 (pcaColors.test.ts checks both).
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

/** The POS_TAGS name of a class id, or "?" outside the table. */
export function posName(id: number): string {
  return Number.isInteger(id) && id >= 0 && id < POS_COUNT ? POS_TAGS[id] : '?';
}

/**
 * The continuous colour scale of the scatter (frequency, position): viridis from dark purple to
 * yellow-green, stopping at 0.9 so the lightest yellow still shows on white.
 * @param u position on the scale in [0, 1] (clamped)
 */
export function sequentialColor(u: number): string {
  const v = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
  return interpolateViridis(0.9 * v);
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
  const fellBack = colorBy === 'pos' && labels.pos === null;
  const mode: ColorBy = fellBack ? 'position' : colorBy;
  if (mode === 'pos') {
    const pos = labels.pos!;
    const colors = Array.from(rows, (r) => (r < pos.length ? posColor(pos[r]) : UNKNOWN_COLOR));
    return { mode, fellBack, colors, domain: null, scale: null };
  }
  const source: ArrayLike<number> = mode === 'frequency' ? labels.frequency : labels.position;
  const values = Array.from(rows, (r) => (r < source.length ? source[r] : Number.NaN));
  let [lo, hi] = extent(values, (v) => (Number.isFinite(v) ? v : undefined));
  if (lo === undefined || hi === undefined) [lo, hi] = [0, 1];
  if (lo === hi) hi = lo + 1;
  const domain: [number, number] = [lo, hi];
  // counts span orders of magnitude (and may be 0): symlog is log-like above 1 and defined at 0
  const scale = mode === 'frequency'
    ? scaleSequentialSymlog(sequentialColor).domain(domain).clamp(true)
    : scaleSequential(sequentialColor).domain(domain).clamp(true);
  const colors = values.map((v) => (Number.isFinite(v) ? scale(v) : UNKNOWN_COLOR));
  return { mode, fellBack, colors, domain, scale: (v: number) => scale(v) };
}
