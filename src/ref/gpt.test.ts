// gpt.test.ts: whole-model gradient checks of the float64 reference (every parameter tensor
// against central differences of the loss, for every NITP variant), stop-gradient semantics,
// hidden states, and the paired-run init property.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type PartialRunConfig, type RunConfig } from '../model/config.ts';
import { blockNames, initParams, modelShape, NAMES, paramLayout, parameterSpecs, tensorViews, type ModelShape, type ParamLayout } from '../model/params.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';
import { mismatches } from '../test/compare.ts';
import { refForward, refForwardBackward } from './gpt.ts';
import { encoderForward } from './encoder.ts';
import { layernormForward } from './layernorm.ts';

// tiny model: V=7, T=4, L=2, C=8, NH=2, B=2
const V = 7;
const B = 2;
const FD_STEP = 1e-5;
// float64 central differences with h = 1e-5: truncation ~h²·f''' and rounding ~1e-16·|L|/h both
// stay near 1e-10, far below this limit; a wrong term in a backward is off by far more.
const FD_TOL = { atol: 1e-8, rtol: 1e-6 };
// entries perturbed per tensor (all of them for tensors up to this size)
const FD_SAMPLES = 48;

function tinyConfig(nitp: PartialRunConfig['nitp'], tieEmbeddings = true): RunConfig {
  return resolveConfig({ model: { contextLength: 4, nLayer: 2, dModel: 8, nHead: 2, tieEmbeddings }, nitp });
}

interface Setup {
  config: RunConfig;
  shape: ModelShape;
  layout: ParamLayout;
  params: Float64Array;
  tokens: Int32Array;
}

/**
 * Random parameters of order one (not the 0.02 init, which leaves attention and the head nearly
 * linear), so every path of the backward carries a sizeable gradient; biases non-zero.
 */
function setup(config: RunConfig, seed = 5): Setup {
  const shape = modelShape(config, V);
  const layout = paramLayout(parameterSpecs(config, shape));
  const params = new Float64Array(layout.totalFloats);
  const views = tensorViews(layout, params);
  const rng = new Rng(seed, 'gpt-test-params');
  for (const t of [...layout.tensors].sort((a, b) => a.index - b.index)) {
    const view = views.get(t.name)!;
    for (let i = 0; i < view.length; i++) {
      const r = rng.normal();
      if (t.shape.length >= 2) view[i] = r / Math.sqrt(t.shape[1]);
      else view[i] = t.init === 'ones' ? 1 + 0.2 * r : 0.2 * r;
    }
  }
  const tokens = randomTokens(new Rng(seed, 'gpt-test-tokens'), B * (shape.T + 1), V);
  return { config, shape, layout, params, tokens };
}

/** Checks the analytic gradient of every tensor against central differences of `loss`. */
function checkGradients(s: Setup, loss: () => number, label: string): void {
  const { grads } = refForwardBackward(s.config, s.shape, s.layout, s.params, s.tokens);
  const rng = new Rng(11, `fd-${label}`);
  const failures: string[] = [];
  for (const t of s.layout.tensors) {
    const picks = t.size <= FD_SAMPLES ? [...Array(t.size).keys()] : Array.from({ length: FD_SAMPLES }, () => rng.int(t.size));
    const analytic: number[] = [];
    const numeric: number[] = [];
    let largest = 0;
    for (const j of picks) {
      const i = t.offset + j;
      const saved = s.params[i];
      s.params[i] = saved + FD_STEP;
      const plus = loss();
      s.params[i] = saved - FD_STEP;
      const minus = loss();
      s.params[i] = saved;
      const g = (plus - minus) / (2 * FD_STEP);
      numeric.push(g);
      analytic.push(grads[i]);
      largest = Math.max(largest, Math.abs(g));
    }
    const report = mismatches(analytic, numeric, FD_TOL);
    if (report) failures.push(`${t.name}: ${report}`);
    // a tensor whose sampled gradient is ~0 would pass trivially: every tensor must matter here
    if (largest < 1e-4) failures.push(`${t.name}: sampled gradients all below 1e-4 (max ${largest})`);
  }
  expect(failures.join('\n'), label).toBe('');
  // padding between tensors carries no gradient
  const covered = new Uint8Array(s.layout.totalFloats);
  for (const t of s.layout.tensors) covered.fill(1, t.offset, t.offset + t.size);
  expect(grads.every((g, i) => covered[i] === 1 || g === 0)).toBe(true);
}

/** The loss the gradient is of: with stop-gradient, z held at its unperturbed value. */
function lossFunction(s: Setup): () => number {
  const { config, shape, layout, params, tokens } = s;
  const detached = config.nitp.lambda > 0 && config.nitp.regularizer === 'nitp' && config.nitp.stopGrad;
  if (!detached) return () => refForward(config, shape, layout, params, tokens).loss;
  const k = config.nitp.targetLayer;
  const target = Float64Array.from(refForward(config, shape, layout, params, tokens).layers[k]);
  return () => refForward(config, shape, layout, params, tokens, { target }).loss;
}

const NITP = { lambda: 0.7, targetLayer: 1, head: 'swiglu', shift: 'next', stopGrad: true, loss: 'cosine', regularizer: 'nitp' } as const;

const VARIANTS: { name: string; nitp: PartialRunConfig['nitp']; tied?: boolean }[] = [
  { name: 'ntp only (λ=0), tied', nitp: { lambda: 0 } },
  { name: 'ntp only (λ=0), untied', nitp: { lambda: 0 }, tied: false },
  { name: 'nitp swiglu next cosine stopGrad k=1', nitp: NITP },
  { name: 'nitp untied', nitp: NITP, tied: false },
  { name: 'head none', nitp: { ...NITP, head: 'none' } },
  { name: 'shift current', nitp: { ...NITP, shift: 'current' } },
  { name: 'stopGrad false', nitp: { ...NITP, stopGrad: false } },
  { name: 'stopGrad false, untied, head none', nitp: { ...NITP, stopGrad: false, head: 'none' }, tied: false },
  { name: 'mse', nitp: { ...NITP, loss: 'mse' } },
  { name: 'smoothl1', nitp: { ...NITP, loss: 'smoothl1' } },
  { name: 'smoothl1 head none stopGrad false', nitp: { ...NITP, loss: 'smoothl1', head: 'none', stopGrad: false } },
  { name: 'targetLayer 0 stopGrad', nitp: { ...NITP, targetLayer: 0 } },
  { name: 'targetLayer 0 no stopGrad', nitp: { ...NITP, targetLayer: 0, stopGrad: false } },
  { name: 'targetLayer L stopGrad, current, mse', nitp: { ...NITP, targetLayer: 2, shift: 'current', loss: 'mse' } },
  { name: 'targetLayer L no stopGrad', nitp: { ...NITP, targetLayer: 2, stopGrad: false } },
  { name: 'generic-cosine regularizer', nitp: { ...NITP, regularizer: 'generic-cosine' } },
  { name: 'generic-cosine regularizer, untied', nitp: { ...NITP, regularizer: 'generic-cosine' }, tied: false },
];

describe('ref gpt: whole-model gradient check', () => {
  for (const v of VARIANTS) {
    it(v.name, () => {
      const s = setup(tinyConfig(v.nitp, v.tied ?? true));
      checkGradients(s, lossFunction(s), v.name);
    });
  }

  it('smoothl1 variant exercises both Huber branches (|e| < 1 and ≥ 1)', () => {
    // head none: p = h, so the errors e = h[b,t] − z[b,t+1] are visible from the outside
    const s = setup(tinyConfig({ ...NITP, loss: 'smoothl1', head: 'none', stopGrad: false }));
    const f = refForward(s.config, s.shape, s.layout, s.params, s.tokens);
    const { T, C } = s.shape;
    const z = f.layers[1];
    let small = 0;
    let large = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        for (let c = 0; c < C; c++) {
          const e = Math.abs(f.final[(b * T + t) * C + c] - z[(b * T + t + 1) * C + c]);
          if (e < 1) small++;
          else large++;
        }
      }
    }
    expect(small).toBeGreaterThan(5);
    expect(large).toBeGreaterThan(5);
  });
});

describe('ref gpt: losses and hidden states', () => {
  it('loss = ntp + λ·aux, aux null and no head when λ = 0', () => {
    const s = setup(tinyConfig(NITP));
    const r = refForwardBackward(s.config, s.shape, s.layout, s.params, s.tokens);
    expect(r.aux).not.toBeNull();
    expect(r.loss).toBe(r.ntp + 0.7 * r.aux!);
    expect(r.ntp).toBeGreaterThan(0);

    const ntpOnly = tinyConfig({ lambda: 0 });
    const layout0 = paramLayout(parameterSpecs(ntpOnly, s.shape));
    expect(layout0.byName.has(NAMES.nitpW1)).toBe(false);
    // the same backbone values in the NTP layout give the same NTP loss
    const params0 = new Float64Array(layout0.totalFloats);
    const src = tensorViews(s.layout, s.params);
    for (const [name, view] of tensorViews(layout0, params0)) view.set(src.get(name)!);
    const r0 = refForwardBackward(ntpOnly, s.shape, layout0, params0, s.tokens);
    expect(r0.aux).toBeNull();
    expect(r0.loss).toBe(r0.ntp);
    expect(r0.ntp).toBe(r.ntp);
  });

  it('the per-position loss is the CE of the logits at the shifted targets', () => {
    const s = setup(tinyConfig({ lambda: 0 }));
    const f = refForward(s.config, s.shape, s.layout, s.params, s.tokens);
    const T = s.shape.T;
    let sum = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = f.logits.subarray((b * T + t) * V, (b * T + t + 1) * V);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((acc, x) => acc + Math.exp(x - max), 0));
        const expected = lse - row[s.tokens[b * (T + 1) + t + 1]];
        expect(f.losses[b * T + t]).toBeCloseTo(expected, 12);
        sum += expected;
      }
    }
    expect(f.ntp).toBeCloseTo(sum / (B * T), 12);
  });

  it('hidden states: x0 is the embedding, final is ln_f of the last layer, one per layer', () => {
    const s = setup(tinyConfig(NITP));
    const { T, C, L } = s.shape;
    const f = refForward(s.config, s.shape, s.layout, s.params, s.tokens);
    expect(f.layers.length).toBe(L + 1);
    const views = tensorViews(s.layout, s.params);
    const inputs = new Int32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) inputs[b * T + t] = s.tokens[b * (T + 1) + t];
    const x0 = new Float64Array(B * T * C);
    encoderForward(x0, inputs, views.get(NAMES.wte)!, views.get(NAMES.wpe)!, B, T, C);
    expect(f.layers[0]).toEqual(x0);
    const h = new Float64Array(B * T * C);
    layernormForward(h, new Float64Array(B * T), new Float64Array(B * T), f.layers[L], views.get(NAMES.lnfw)!, views.get(NAMES.lnfb)!, B * T, C);
    expect(f.final).toEqual(h);
    // layers are distinct arrays (a block changes the residual stream)
    expect(f.layers[1]).not.toEqual(f.layers[0]);
    expect(f.layers[2]).not.toEqual(f.layers[1]);
    // forward-only and forward-backward agree exactly, and repeat bit for bit
    const r1 = refForwardBackward(s.config, s.shape, s.layout, s.params, s.tokens);
    const r2 = refForwardBackward(s.config, s.shape, s.layout, s.params, s.tokens);
    expect(r1.loss).toBe(f.loss);
    expect(r1.aux).toBe(f.aux);
    expect(r2.grads).toEqual(r1.grads);
  });

  it('refuses tokens that are not (B, T+1)', () => {
    const s = setup(tinyConfig({ lambda: 0 }));
    expect(() => refForward(s.config, s.shape, s.layout, s.params, s.tokens.subarray(1))).toThrow(/multiple of T\+1/);
  });
});

describe('ref gpt: stop-gradient semantics', () => {
  it('the z path adds gradient only below the target layer, and only when stopGrad is false', () => {
    // λ large so the NITP term dominates; k = 1 of L = 2
    const base = { ...NITP, lambda: 20, targetLayer: 1 };
    const sOn = setup(tinyConfig({ ...base, stopGrad: true }));
    const sOff = setup(tinyConfig({ ...base, stopGrad: false }));
    expect(sOff.params).toEqual(sOn.params);
    const on = refForwardBackward(sOn.config, sOn.shape, sOn.layout, sOn.params, sOn.tokens);
    const off = refForwardBackward(sOff.config, sOff.shape, sOff.layout, sOff.params, sOff.tokens);
    // the forward is the same: the NTP part and the aux value are identical
    expect(off.ntp).toBe(on.ntp);
    expect(off.aux).toBe(on.aux);
    expect(off.loss).toBe(on.loss);

    const gOn = tensorViews(sOn.layout, on.grads);
    const gOff = tensorViews(sOff.layout, off.grads);
    const above = new Set([...Object.values(blockNames(1)), NAMES.lnfw, NAMES.lnfb, NAMES.nitpW1, NAMES.nitpW2, NAMES.nitpW3]);
    const below = [...Object.values(blockNames(0)), NAMES.wpe, NAMES.wte];
    for (const name of above) expect(gOff.get(name), name).toEqual(gOn.get(name));
    for (const name of below) {
      const a = gOn.get(name)!;
      const b = gOff.get(name)!;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      expect(diff / scale, name).toBeGreaterThan(1e-2);
    }
  });

  it('with stopGrad, grads(λ) − grads(λ=0) is exactly the gradient of λ·aux with z held fixed', () => {
    // the NTP part of the gradient is untouched by the NITP term; what the term adds flows
    // through the head input h only (checked against central differences of λ·aux(h(θ), z₀))
    const cfg = tinyConfig({ ...NITP, lambda: 3, targetLayer: 1 });
    const s = setup(cfg);
    const withAux = refForwardBackward(cfg, s.shape, s.layout, s.params, s.tokens);
    // same layout and values, λ = 0: the head tensors are ignored and get zero gradient
    const without = refForwardBackward(tinyConfig({ ...NITP, lambda: 0 }), s.shape, s.layout, s.params, s.tokens);
    expect(without.aux).toBeNull();
    expect(without.ntp).toBe(withAux.ntp);
    const z = Float64Array.from(refForward(cfg, s.shape, s.layout, s.params, s.tokens).layers[1]);
    const auxOnly = () => 3 * refForward(cfg, s.shape, s.layout, s.params, s.tokens, { target: z }).aux!;
    const rng = new Rng(3, 'aux-only');
    const analytic: number[] = [];
    const numeric: number[] = [];
    for (const t of s.layout.tensors) {
      for (let n = 0; n < 6; n++) {
        const i = t.offset + rng.int(t.size);
        analytic.push(withAux.grads[i] - without.grads[i]);
        const saved = s.params[i];
        s.params[i] = saved + FD_STEP;
        const plus = auxOnly();
        s.params[i] = saved - FD_STEP;
        const minus = auxOnly();
        s.params[i] = saved;
        numeric.push((plus - minus) / (2 * FD_STEP));
      }
    }
    expect(mismatches(analytic, numeric, FD_TOL)).toBe('');
  });
});

describe('ref gpt: paired runs', () => {
  it('NTP and NITP runs with the same seed get bit-identical backbone weights', () => {
    const ntp = tinyConfig({ lambda: 0 });
    const variants = [
      tinyConfig(NITP),
      tinyConfig({ ...NITP, head: 'none' }),
      tinyConfig({ ...NITP, regularizer: 'generic-cosine' }),
    ];
    const shape = modelShape(ntp, V);
    const seed = 1337;
    const layout0 = paramLayout(parameterSpecs(ntp, shape));
    const backbone = tensorViews(layout0, initParams(layout0, seed, shape.L));
    for (const config of variants) {
      const layout = paramLayout(parameterSpecs(config, shape));
      const views = tensorViews(layout, initParams(layout, seed, shape.L));
      for (const [name, w] of backbone) expect(views.get(name), name).toEqual(w);
      const headNames = [NAMES.nitpW1, NAMES.nitpW2, NAMES.nitpW3].filter((n) => views.has(n));
      expect(headNames.length).toBe(config.nitp.head === 'swiglu' && config.nitp.regularizer === 'nitp' ? 3 : 0);
      for (const n of headNames) {
        const w = views.get(n)!;
        expect(w.some((x) => x !== 0), n).toBe(true);
        // drawn from its own stream: not a copy of any backbone draw
        expect(w.subarray(0, 8)).not.toEqual(backbone.get(NAMES.wte)!.subarray(0, 8));
      }
      expect(layout.count - layout0.count).toBe(headNames.length * 4 * shape.C * shape.C);
    }
    // a different seed gives different weights (the comparison above can fail)
    const other = tensorViews(layout0, initParams(layout0, seed + 1, shape.L));
    expect(other.get(NAMES.wte)).not.toEqual(backbone.get(NAMES.wte));
  });
});
