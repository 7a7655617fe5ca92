// tourFacts.ts: what the teaching tour says, computed from the run on the page — never from a
// script. From both runs' evaluations of one layer: where the geometry started (step 0), each
// run's effective-rank minimum and anisotropy peak so far, whether the minimum is over (the rank
// has clearly risen since), and the latest values. Pure functions of the evaluations.
import type { EvalRecord, LayerId, Pair } from '../../train/protocol.ts';

/** A minimum counts as reached once the rank has risen this far above it (relative, and at least 0.5)... */
export const RISE_AFTER_MINIMUM = 0.15;
/** ...and only if the rank fell at least this far below where it started: a collapse, not noise. */
export const FALL_TO_COUNT = 0.25;

export interface RunFacts {
  start: { erank: number; anisotropy: number } | null; // step 0
  minimum: { step: number; erank: number; anisotropy: number } | null;
  /** the rank fell well below its start and has since risen clearly above the minimum: the collapse is over */
  minimumReached: boolean;
  peak: { step: number; anisotropy: number } | null; // highest anisotropy so far
  latest: { step: number; erank: number; anisotropy: number; valNtp: number } | null;
}

export interface TourFacts {
  layer: LayerId;
  runs: Pair<RunFacts>;
  /** NITP's minimum step minus NTP's, once both are reached */
  delay: number | null;
}

const layerOf = (r: EvalRecord, layer: LayerId) => r.layers.find((l) => l.layer === layer);

export function runFacts(evals: readonly EvalRecord[], layer: LayerId): RunFacts {
  const series = evals.flatMap((r) => {
    const l = layerOf(r, layer);
    return l ? [{ step: r.step, erank: l.erank, anisotropy: l.anisotropy, valNtp: r.valNtp }] : [];
  });
  if (series.length === 0) return { start: null, minimum: null, minimumReached: false, peak: null, latest: null };
  const first = series[0];
  const latest = series[series.length - 1];
  const minimum = series.reduce((a, b) => (b.erank < a.erank ? b : a));
  const peak = series.reduce((a, b) => (b.anisotropy > a.anisotropy ? b : a));
  const rise = Math.max(0.5, RISE_AFTER_MINIMUM * minimum.erank);
  const fell = minimum.erank <= (1 - FALL_TO_COUNT) * first.erank;
  return {
    start: first.step === 0 ? { erank: first.erank, anisotropy: first.anisotropy } : null,
    minimum: { step: minimum.step, erank: minimum.erank, anisotropy: minimum.anisotropy },
    minimumReached: fell && latest.step > minimum.step && latest.erank >= minimum.erank + rise,
    peak: { step: peak.step, anisotropy: peak.anisotropy },
    latest,
  };
}

export function tourFacts(evals: Pair<readonly EvalRecord[]>, layer: LayerId): TourFacts {
  const runs = { ntp: runFacts(evals.ntp, layer), nitp: runFacts(evals.nitp, layer) };
  const both = runs.ntp.minimumReached && runs.nitp.minimumReached;
  return { layer, runs, delay: both ? runs.nitp.minimum!.step - runs.ntp.minimum!.step : null };
}

export const fmt = {
  rank: (x: number) => x.toFixed(1),
  cos: (x: number) => x.toFixed(2),
  loss: (x: number) => x.toFixed(3),
};

/** "the final hidden state", "the last block's output", "layer 2" — for sentences. */
export function layerPhrase(layer: LayerId, nLayer: number): string {
  if (layer === 'final') return 'the final hidden states';
  if (layer === nLayer) return "the last block's outputs (before the final LayerNorm)";
  if (layer === 0) return 'the embedding outputs';
  return `the outputs of block ${layer}`;
}
