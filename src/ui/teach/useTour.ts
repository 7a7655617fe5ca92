// useTour.ts: the teaching tour's state — which step, the student's prediction — and its one
// action on the run: at the collapse step (and at NITP's delay) it pauses training once the run it
// waits for has passed its rank minimum, and moves the shared cursor there. The chart notes
// (annotations) come from the same facts.
import { useEffect, useMemo, useState } from 'react';
import type { EvalRecord, LayerId, Pair, RunName } from '../../train/protocol.ts';
import type { ChartAnnotation } from '../charts/MetricChart.tsx';
import { RUN_COLORS } from '../colors.ts';
import { TOUR_STEPS, type Prediction } from './TeachPanel.tsx';
import { fmt, tourFacts, type TourFacts } from './tourFacts.ts';

/** The tour step that waits for a run's rank minimum. */
const WAITS_FOR: Partial<Record<number, RunName>> = { 2: 'ntp', 3: 'nitp' };

export interface Tour {
  facts: TourFacts;
  step: number;
  setStep: (step: number) => void;
  prediction: Prediction | null;
  setPrediction: (p: Prediction) => void;
  pausedAt: RunName | null;
  annotations: { erank: ChartAnnotation[]; anisotropy: ChartAnnotation[] };
}

/**
 * @param pairId changes with each new pair (the tour starts over)
 * @param active whether the tour is shown (only then does it pause training)
 */
export function useTour(evals: Pair<EvalRecord[]>, layer: LayerId, pairId: unknown, active: boolean, running: boolean,
  pause: () => void, setCursor: (step: number) => void): Tour {
  const facts = useMemo(() => tourFacts(evals, layer), [evals, layer]);
  const [step, setStepRaw] = useState(0);
  const [prediction, setPrediction] = useState<Prediction | null>(null);
  const [paused, setPaused] = useState<Record<RunName, boolean>>({ ntp: false, nitp: false });
  useEffect(() => {
    setStepRaw(0);
    setPrediction(null);
    setPaused({ ntp: false, nitp: false });
  }, [pairId]);

  const setStep = (next: number) => {
    if (next < 0 || next >= TOUR_STEPS.length || (step === 1 && next > 1 && prediction === null)) return;
    setStepRaw(next);
  };

  // a student who predicted and pressed Train is watching the collapse
  useEffect(() => {
    if (active && step === 1 && prediction !== null && running) setStepRaw(2);
  }, [active, step, prediction, running]);

  const waitsFor = WAITS_FOR[step];
  useEffect(() => {
    if (!active || !waitsFor || !running || paused[waitsFor]) return;
    const run = facts.runs[waitsFor];
    if (!run.minimumReached || !run.minimum) return;
    pause();
    setPaused((p) => ({ ...p, [waitsFor]: true }));
    setCursor(run.minimum.step);
  }, [active, waitsFor, running, paused, facts]);

  const annotations = useMemo(() => {
    const erank: ChartAnnotation[] = [];
    const anisotropy: ChartAnnotation[] = [];
    for (const run of ['ntp', 'nitp'] as const) {
      const r = facts.runs[run];
      const name = run.toUpperCase();
      if (r.minimumReached && r.minimum) {
        erank.push({ step: r.minimum.step, value: r.minimum.erank, color: RUN_COLORS[run], label: `${name} minimum ${fmt.rank(r.minimum.erank)} @ ${r.minimum.step}` });
        if (r.peak) anisotropy.push({ step: r.peak.step, value: r.peak.anisotropy, color: RUN_COLORS[run], label: `${name} peak ${fmt.cos(r.peak.anisotropy)} @ ${r.peak.step}` });
      }
    }
    return { erank, anisotropy };
  }, [facts]);

  return {
    facts, step, setStep, prediction, setPrediction, annotations,
    pausedAt: waitsFor && paused[waitsFor] ? waitsFor : null,
  };
}
