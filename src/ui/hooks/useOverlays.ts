// useOverlays.ts: saved runs drawn over the live charts, each in its own colour, and the gallery's
// run of the same preset drawn faintly beneath the live one (the result to expect).
import { useMemo, useState } from 'react';
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

export function useOverlays(store: RunStore) {
  const [runs, setRuns] = useState<Omit<Overlay, 'color'>[]>([]);
  const [reference, setReference] = useState<Omit<Overlay, 'color'> | null>(null);
  // memoised: the geometry views re-render only when the overlays change
  const overlays = useMemo<Overlay[]>(() => [
    ...(reference ? [{ ...reference, color: REFERENCE_COLOR }] : []),
    ...runs.map((o, i) => ({ ...o, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] })),
  ], [runs, reference]);
  const toggle = async (id: string, on: boolean) => {
    if (!on) return setRuns((o) => o.filter((x) => x.id !== id));
    const run = await store.load(id);
    setRuns((o) => [...o.filter((x) => x.id !== id), { id, name: run.meta.name, history: run.history, evals: run.evals }]);
  };
  return { overlays, ids: runs.map((o) => o.id), toggle, setReference };
}
