// useOverlays.ts: saved runs drawn over the live charts, each in its own colour.
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

export function useOverlays(store: RunStore) {
  const [runs, setRuns] = useState<Omit<Overlay, 'color'>[]>([]);
  // memoised: the geometry views re-render only when the overlays change
  const overlays = useMemo<Overlay[]>(() => runs.map((o, i) => ({ ...o, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] })), [runs]);
  const toggle = async (id: string, on: boolean) => {
    if (!on) return setRuns((o) => o.filter((x) => x.id !== id));
    const run = await store.load(id);
    setRuns((o) => [...o.filter((x) => x.id !== id), { id, name: run.meta.name, history: run.history, evals: run.evals }]);
  };
  return { overlays, ids: overlays.map((o) => o.id), toggle };
}
