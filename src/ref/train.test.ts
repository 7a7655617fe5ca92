// train.test.ts: the CPU training step (clip + AdamW, docs/method.md §4): an independent check of one
// update, overfitting a fixed batch, and the committed ten-step trajectory (after llm.c
// test_gpt2.c) that the GPU trainer is checked against too.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type PartialRunConfig } from '../model/config.ts';
import { initParams, modelShape, paramLayout, parameterSpecs } from '../model/params.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';
import { mismatches } from '../test/compare.ts';
import { refForwardBackward } from './gpt.ts';
import {
  TRAJECTORY_GRAD_NORMS, TRAJECTORY_LOSSES, TRAJECTORY_LR, createRefTrainState, refReplay, refTrainStep, trajectoryCase,
  type RefStepRecord,
} from './train.ts';


function tinySetup(nitp: PartialRunConfig['nitp'], train: PartialRunConfig['train']) {
  const config = resolveConfig({ model: { contextLength: 8, nLayer: 2, dModel: 16, nHead: 2, tieEmbeddings: true }, nitp, train });
  const shape = modelShape(config, 11);
  const layout = paramLayout(parameterSpecs(config, shape));
  return { config, shape, layout, init: initParams(layout, config.train.seed, shape.L) };
}

describe('ref train: one step', () => {
  it('first update is θ − lr·(ĝ/(|ĝ|+ε) + wd·θ) with ĝ the clipped gradient, wd on 2-D tensors only', () => {
    // at s = 1 the bias-corrected moments are m̂ = ĝ, v̂ = ĝ², so the update has a closed form;
    // gradClip 1e-3 makes ĝ so small that ε matters, which shows the clip comes before Adam
    const s = tinySetup({ lambda: 0.5 }, { lr: 0.05, warmupSteps: 0, weightDecay: 0.3, gradClip: 1e-3, steps: 100 });
    const tokens = randomTokens(new Rng(2, 'batch'), 2 * 9, 11);
    const state = createRefTrainState(s.config, s.shape, s.layout, s.init);
    const before = Float64Array.from(state.params);
    const { grads, loss } = refForwardBackward(s.config, s.shape, s.layout, before, tokens);
    let sq = 0;
    for (const g of grads) sq += g * g;
    const norm = Math.sqrt(sq);
    const clip = 1e-3 / (norm + 1e-6);
    expect(clip).toBeLessThan(1);

    const record = refTrainStep(state, tokens);
    expect(record).toEqual({ step: 1, loss, ntp: record.ntp, aux: record.aux, gradNorm: norm, lr: 0.05 });
    expect(state.step).toBe(1);
    const expected = Float64Array.from(before);
    for (const t of s.layout.tensors) {
      const wd = t.shape.length >= 2 ? 0.3 : 0;
      for (let i = t.offset; i < t.offset + t.size; i++) {
        const g = grads[i] * clip;
        expected[i] = before[i] - 0.05 * (g / (Math.abs(g) + 1e-8) + wd * before[i]);
      }
    }
    expect(mismatches(state.params, expected, { atol: 1e-15, rtol: 1e-12 })).toBe('');
    // the same step without clipping lands measurably elsewhere (the check above can fail)
    const unclipped = createRefTrainState({ ...s.config, train: { ...s.config.train, gradClip: 0 } }, s.shape, s.layout, s.init);
    refTrainStep(unclipped, tokens);
    expect(mismatches(unclipped.params, expected, { atol: 1e-9, rtol: 1e-6 })).not.toBe('');
  });

  it('refReplay equals stepping batch by batch, and refuses a ragged batch array', () => {
    const c = trajectoryCase();
    const rows = c.config.train.batchSize * (c.shape.T + 1);
    const states: number[] = [];
    const records = refReplay(c.config, c.shape, c.layout, c.init, c.batches.subarray(0, 3 * rows), (_r, st) => states.push(st.step));
    expect(states).toEqual([1, 2, 3]);
    const state = createRefTrainState(c.config, c.shape, c.layout, c.init);
    const manual: RefStepRecord[] = [];
    for (let s = 0; s < 3; s++) manual.push(refTrainStep(state, c.batches.subarray(s * rows, (s + 1) * rows)));
    expect(records).toEqual(manual);
    expect(() => refReplay(c.config, c.shape, c.layout, c.init, c.batches.subarray(1))).toThrow(/multiple of B/);
  });
});

describe('ref train: overfitting', () => {
  for (const [name, nitp] of [
    ['NTP', { lambda: 0 }],
    ['NITP', { lambda: 1, targetLayer: 1 }],
  ] as const) {
    it(`${name}: a tiny model memorises one fixed batch`, () => {
      const s = tinySetup(nitp, { steps: 300, lr: 1e-2, warmupSteps: 10, weightDecay: 0, gradClip: 1, seed: 7 });
      const tokens = randomTokens(new Rng(7, 'overfit-batch'), 2 * 9, 11);
      const state = createRefTrainState(s.config, s.shape, s.layout, s.init);
      const ntp: number[] = [];
      for (let i = 0; i < 300; i++) ntp.push(refTrainStep(state, tokens).ntp);
      const window = (a: number) => ntp.slice(a, a + 10).reduce((x, y) => x + y, 0) / 10;
      // falls window by window while it is still large (ln 11 ≈ 2.4 at the start; near zero the
      // windows only carry noise), then ends near zero
      expect(ntp[0]).toBeGreaterThan(2.2);
      let checked = 0;
      for (let a = 10; a < 300 && window(a - 10) > 0.05; a += 10, checked++) {
        expect(window(a), `steps ${a}..${a + 10}`).toBeLessThan(window(a - 10));
      }
      expect(checked).toBeGreaterThanOrEqual(4);
      expect(ntp[299]).toBeLessThan(0.02);
    });
  }
});

describe('ref train: committed trajectory', () => {
  it('ten AdamW steps from seed 1337 match the committed losses (rtol 1e-9)', () => {
    const c = trajectoryCase();
    const records = refReplay(c.config, c.shape, c.layout, c.init, c.batches);
    expect(records.length).toBe(10);
    const tol = { atol: 0, rtol: 1e-9 };
    expect(mismatches(records.map((r) => r.loss), TRAJECTORY_LOSSES, tol), 'losses').toBe('');
    expect(mismatches(records.map((r) => r.gradNorm), TRAJECTORY_GRAD_NORMS, tol), 'grad norms').toBe('');
    expect(mismatches(records.map((r) => r.lr), TRAJECTORY_LR, { atol: 1e-15, rtol: 1e-12 }), 'lr').toBe('');
    // the trajectory is a learning one: the loss falls overall, the NTP and NITP parts both
    expect(records[9].loss).toBeLessThan(records[0].loss - 0.5);
    expect(records[9].ntp).toBeLessThan(records[0].ntp);
    expect(records[9].aux!).toBeLessThan(records[0].aux!);
  });
});
