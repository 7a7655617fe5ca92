// The pair reducer: every way to a new pair resets the same things; evaluations reach the views
// only through 'evalsShown' (the page dispatches it in a transition).
import { describe, expect, it } from 'vitest';
import type { EngineInfo, EvalRecord, MetricsBatch, StepMetrics } from '../../train/protocol.ts';
import { initialPairState, pairReducer, START_CONFIG, type PairAction, type PairState } from './useEngine.ts';

const evalAt = (step: number) => ({ step, valNtp: 1.4, valAux: 0.4 }) as EvalRecord;
const info = { vocabSize: 5, initialEval: { ntp: evalAt(0), nitp: evalAt(0) } } as EngineInfo;
const metric = (step: number): StepMetrics => ({ step, lr: 1e-3, loss: 2, ntp: 1.5, aux: 0.5, gradNorm: 1, clipScale: 1 });
const checkpoint = (step: number) => ({ step, ntp: new Uint8Array([1]), nitp: new Uint8Array([2]) });
const batch = (from: number, to: number, withEval = false): MetricsBatch => {
  const steps = Array.from({ length: to - from + 1 }, (_, i) => metric(from + i));
  return { steps: { ntp: steps, nitp: steps }, tokensPerSecond: 100 * to, ...(withEval ? { eval: { ntp: evalAt(to), nitp: evalAt(to) }, checkpoint: checkpoint(to) } : {}) };
};
const run = (actions: PairAction[], state = initialPairState(START_CONFIG)) => actions.reduce(pairReducer, state);

/** A pair that trained 20 steps with an evaluation, shown, and a probe. */
const trained = (): PairState => run([
  { type: 'pair', info, config: START_CONFIG },
  { type: 'metrics', batch: batch(1, 10) },
  { type: 'metrics', batch: batch(11, 20, true) },
  { type: 'evalsShown' },
  { type: 'probe', probe: { ntp: [], nitp: [] } },
]);

describe('pairReducer', () => {
  it('appends metric batches; evaluations wait for evalsShown', () => {
    const s = run([{ type: 'pair', info, config: START_CONFIG }, { type: 'metrics', batch: batch(1, 10) }, { type: 'metrics', batch: batch(11, 20, true) }]);
    expect(s.recorded.history.nitp.map((m) => m.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(s.recorded.evals.ntp.map((e) => e.step)).toEqual([0, 20]);
    expect(s.recorded.checkpoint?.step).toBe(20);
    expect(s.tokensPerSecond).toBe(2000);
    expect(s.evals.nitp.map((e) => e.step)).toEqual([0]); // the step-0 evaluation came with the pair
    const shown = pairReducer(s, { type: 'evalsShown' });
    expect(shown.evals).toBe(s.recorded.evals);
    expect(pairReducer(shown, { type: 'evalsShown' })).toBe(shown);
  });

  it('a new pair (restart, first start) starts with only its step-0 evaluation and its own config', () => {
    const config = { ...START_CONFIG, train: { ...START_CONFIG.train, steps: 7 } };
    const s = pairReducer(trained(), { type: 'pair', info, config, uploadText: 'abc' });
    const initial = { ntp: [evalAt(0)], nitp: [evalAt(0)] };
    expect(s).toEqual({ config, uploadText: 'abc', info, viewing: null, live: null, recorded: { history: { ntp: [], nitp: [] }, evals: initial, checkpoint: null },
      evals: initial, probe: null, tokensPerSecond: 0, samples: [] });
  });

  it('a roll back (restored) keeps everything up to the last good checkpoint, the checkpoint included', () => {
    const fresh = { ...info, initialEval: { ntp: evalAt(0), nitp: { ...evalAt(0), valNtp: 9 } } } as EngineInfo;
    const diverged = run([{ type: 'metrics', batch: batch(21, 25) }], trained());
    const s = pairReducer(diverged, { type: 'restored', info: fresh });
    expect(s.info).toBe(fresh);
    expect(s.recorded.history.nitp.at(-1)?.step).toBe(20);
    expect(s.recorded.evals.ntp.map((e) => e.step)).toEqual([0, 20]);
    expect(s.evals).toBe(s.recorded.evals);
    expect(s.recorded.checkpoint?.step).toBe(20);
    expect(s.probe).toBeNull();
    // without a checkpoint the pair starts again: its new step-0 evaluation, nothing else
    const early = run([{ type: 'pair', info, config: START_CONFIG }, { type: 'metrics', batch: batch(1, 3) }]);
    const again = pairReducer(early, { type: 'restored', info: fresh });
    expect(again.recorded.history).toEqual({ ntp: [], nitp: [] });
    expect(again.recorded.evals.nitp[0].valNtp).toBe(9);
  });

  it('a resumed pair shows what was saved, evaluations included, at once', () => {
    const saved = trained().recorded;
    const s = pairReducer(trained(), { type: 'pair', info, config: START_CONFIG, saved });
    expect(s.recorded).toBe(saved);
    expect(s.evals).toBe(saved.evals);
    expect(s.probe).toBeNull();
    expect(s.tokensPerSecond).toBe(0);
  });

  it('an imported checkpoint cuts that run back to its step and drops the pair checkpoint and probe', () => {
    const s = pairReducer(trained(), { type: 'imported', run: 'ntp', step: 15 });
    expect(s.recorded.history.ntp.at(-1)?.step).toBe(15);
    expect(s.recorded.history.nitp.at(-1)?.step).toBe(20);
    expect(s.recorded.evals.ntp.map((e) => e.step)).toEqual([0]);
    expect(s.recorded.evals.nitp.map((e) => e.step)).toEqual([0, 20]);
    expect(s.recorded.checkpoint).toBeNull();
    expect(s.probe).toBeNull();
  });

  it('a pause checkpoint replaces the saved one and leaves the rest', () => {
    const before = trained();
    const s = pairReducer(before, { type: 'checkpoint', checkpoint: checkpoint(23) });
    expect(s.recorded.checkpoint?.step).toBe(23);
    expect(s.recorded.history).toBe(before.recorded.history);
    expect(s.evals).toBe(before.evals);
  });
});

describe('pairReducer: samples and a live evaluation schedule', () => {
  it('keeps the last text samples, and a new pair starts without them', () => {
    let s = trained();
    for (let k = 1; k <= 10; k++) s = pairReducer(s, { type: 'metrics', batch: { ...batch(20 + k, 20 + k), sample: { step: 20 + k, prompt: 'a', text: { ntp: 'x', nitp: 'y' } } } });
    expect(s.samples.map((x) => x.step)).toEqual([23, 24, 25, 26, 27, 28, 29, 30]);
    expect(pairReducer(s, { type: 'pair', info, config: START_CONFIG }).samples).toEqual([]);
  });

  it('a changed evaluation schedule replaces the config in use and keeps everything measured', () => {
    const before = trained();
    const config = { ...before.config, eval: { every: 7, early: null, sequences: 64 } } as never;
    const s = pairReducer({ ...before, info: { ...info, config: {} } as EngineInfo }, { type: 'config', config });
    expect(s.info?.config).toBe(config);
    expect(s.recorded).toBe(before.recorded);
  });
});
