// layers.ts: the layer axis of per-layer charts (probe accuracy, geometry heatmaps): layer names,
// depth order with the final LN'd output last, and the chance level shared by all layers.

import type { LayerId } from '../../train/protocol.ts';

/** Axis label of a layer: 0 "embed", k "block k", 'final' "final h". */
export function layerLabel(layer: LayerId): string {
  if (layer === 'final') return 'final h';
  return layer === 0 ? 'embed' : `block ${layer}`;
}

/**
 * The distinct layers of several record lists in depth order: numbers ascending, then 'final'.
 * @param lists e.g. each run's ProbeRecord[]
 */
export function orderLayers(lists: readonly (readonly { layer: LayerId }[])[]): LayerId[] {
  const numbers = new Set<number>();
  let final = false;
  for (const list of lists) for (const r of list) {
    if (r.layer === 'final') final = true;
    else numbers.add(r.layer);
  }
  const out: LayerId[] = [...numbers].sort((a, b) => a - b);
  if (final) out.push('final');
  return out;
}

/**
 * The value all entries share (within `tol`, relative to max(1, |v|)), e.g. one chance level for
 * every layer, drawn as a single rule; null when they differ or there are none.
 */
export function commonValue(values: readonly number[], tol = 1e-9): number | null {
  if (values.length === 0 || !values.every(Number.isFinite)) return null;
  const v0 = values[0];
  return values.every((v) => Math.abs(v - v0) <= tol * Math.max(1, Math.abs(v0))) ? v0 : null;
}
