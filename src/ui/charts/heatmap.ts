// heatmap.ts: the layer × step heatmaps' colour domain (shared across runs so equal colours mean
// equal values), their colour schemes, and cell boundaries around unevenly spaced steps.

import { interpolateCividis, interpolateInferno, interpolateMagma, interpolatePlasma, interpolateViridis } from 'd3';
import { dataDomain } from './domains.ts';

/** One layer x step row of a heatmap: the value per layer (null: not measured) at one step. */
export interface LayerRow {
  step: number;
  values: readonly (number | null)[];
}

/**
 * One colour domain for several heatmaps (e.g. the NTP and NITP runs): dataDomain over every
 * finite value of every run.
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
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  plasma: interpolatePlasma,
  cividis: interpolateCividis,
} as const;

export type ColorScheme = keyof typeof COLOR_SCHEMES;

/**
 * Edges of a cell grid along one axis whose centres are `centres` (sorted ascending): each edge
 * is halfway between neighbours; the outer edges mirror the first and last half-gaps, so unevenly
 * spaced evaluations leave no gaps. One centre gets a cell of width 1 around it.
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
