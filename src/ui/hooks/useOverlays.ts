// useOverlays.ts: saved runs drawn over the live charts, each in its own colour, and the gallery's
// run of the same preset drawn faintly beneath the live one (the result to expect).
import { useCallback, useMemo, useState } from 'react';
import type { EvalRecord, Pair, StepMetrics } from '../../train/protocol.ts';
import type { RunStore } from '../../store/runStore.ts';
import { OVERLAY_COLORS } from '../colors.ts';

export interface Overlay {
  id: string;
  name: string;
  color: string;
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
}

/** The faint grey of a reference run from the gallery. */
export const REFERENCE_COLOR = '#b4bcc9';

/**
 * The reference run up to a little ahead of the live one (half its steps again, at least 60):
 * drawn whole, a 300-step reference would squeeze the live run's first steps — where the collapse
 * happens — into the chart's left edge.
 */
export function referenceHorizon(liveStep: number): number {
  return Math.max(60, Math.ceil(1.5 * liveStep));
}

/** @param liveStep the live run's latest step: the gallery reference is drawn up to referenceHorizon of it */
export function useOverlays(store: RunStore, liveStep = Infinity) {
  const [runs, setRuns] = useState<Omit<Overlay, 'color'>[]>([]);
  const [reference, setReference] = useState<Omit<Overlay, 'color'> | null>(null);
  // the horizon moves in steps of 30, so the overlays (and the memoised views) change seldom; without
  // a reference it is not needed, and the overlays keep their identity while the live run trains
  // (a new empty array every 30 steps re-rendered the geometry views in a metrics batch's render)
  const horizon = reference && Number.isFinite(liveStep) ? referenceHorizon(Math.ceil(liveStep / 30) * 30) : Infinity;
  // memoised: the geometry views re-render only when the overlays change
  const overlays = useMemo<Overlay[]>(() => {
    const upTo = <T extends { step: number }>(xs: T[]) => xs.filter((x) => x.step <= horizon);
    return [
      ...(reference ? [{
        ...reference, color: REFERENCE_COLOR,
        history: { ntp: upTo(reference.history.ntp), nitp: upTo(reference.history.nitp) },
        evals: { ntp: upTo(reference.evals.ntp), nitp: upTo(reference.evals.nitp) },
      }] : []),
      ...runs.map((o, i) => ({ ...o, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] })),
    ];
  }, [runs, reference, horizon]);
  // stable, like the ids, for the memoised runs panel
  const toggle = useCallback(async (id: string, on: boolean) => {
    if (!on) return setRuns((o) => o.filter((x) => x.id !== id));
    const run = await store.load(id);
    setRuns((o) => [...o.filter((x) => x.id !== id), { id, name: run.meta.name, history: run.history, evals: run.evals }]);
  }, [store]);
  const ids = useMemo(() => runs.map((o) => o.id), [runs]);
  return { overlays, ids, toggle, setReference };
}
