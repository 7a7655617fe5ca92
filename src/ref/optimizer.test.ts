import { describe, expect, it } from 'vitest';
import type { LrSchedule } from '../gpu/ops/optimizer.ts';
import { adamwStep, clipScale, gradientNorm, learningRate } from './optimizer.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { expectClose } from '../test/compare.ts';

// The optimizer has no backward pass; its checks are hand-computed values (expected numbers below
// were worked out by hand / in 30-digit decimal arithmetic, not by calling the code under test).
describe('ref learningRate', () => {
  it('wsd: warm-up, plateau, linear decay over the last 20%', () => {
    const sched: LrSchedule = { lr: 1e-3, warmupSteps: 10, steps: 100, schedule: 'wsd' };
    const at = (s: number) => learningRate(s, sched);
    expect(at(1)).toBeCloseTo(1e-4, 15); // lr·1/10
    expect(at(5)).toBeCloseTo(5e-4, 15);
    expect(at(10)).toBeCloseTo(1e-3, 15); // s = W: end of warm-up
    expect(at(11)).toBe(1e-3); // s = W+1: plateau
    expect(at(80)).toBe(1e-3); // s = 0.8·S is not > 0.8·S
    expect(at(81)).toBeCloseTo(0.95e-3, 15); // lr·19/20
    expect(at(90)).toBeCloseTo(0.5e-3, 15); // lr·10/20
    expect(at(100)).toBe(0); // s = S
    expect(at(101)).toBe(0); // past the run: stays 0, never negative
  });

  it('wsd: no warm-up with W = 0, and the minimum where warm-up and decay overlap', () => {
    expect(learningRate(1, { lr: 2e-3, warmupSteps: 0, steps: 10, schedule: 'wsd' })).toBe(2e-3);
    // W = 90, S = 100, s = 85: warm-up 85/90 = 0.944, decay 15/20 = 0.75 → 0.75·lr
    expect(learningRate(85, { lr: 1e-3, warmupSteps: 90, steps: 100, schedule: 'wsd' })).toBeCloseTo(0.75e-3, 15);
    // S = 7: 0.8·S = 5.6, so s = 6 decays to lr·1/1.4
    expect(learningRate(5, { lr: 1, warmupSteps: 0, steps: 7, schedule: 'wsd' })).toBe(1);
    expect(learningRate(6, { lr: 1, warmupSteps: 0, steps: 7, schedule: 'wsd' })).toBeCloseTo(1 / 1.4, 14);
  });

  it('cosine: warm-up, then half a cosine from lr to 0', () => {
    const sched: LrSchedule = { lr: 1e-3, warmupSteps: 10, steps: 110, schedule: 'cosine' };
    const at = (s: number) => learningRate(s, sched);
    expect(at(1)).toBeCloseTo(1e-4, 15);
    expect(at(10)).toBeCloseTo(1e-3, 15); // s = W
    expect(at(11)).toBeCloseTo(0.0009997532801828658, 15); // 0.5(1 + cos(π/100)) = 0.99975328
    expect(at(60)).toBeCloseTo(0.5e-3, 15); // halfway: cos(π/2) = 0
    expect(at(88)).toBeCloseTo(0.00011474337861210544, 15); // s = 0.8·S: 0.5(1 − cos(0.22π))
    expect(at(89)).toBeCloseTo(0.00010492249381215479, 15); // 0.5(1 − cos(0.21π))
    expect(at(110)).toBeCloseTo(0, 15); // s = S
    expect(at(111)).toBe(0);
    expect(learningRate(1, { lr: 1e-3, warmupSteps: 0, steps: 4, schedule: 'cosine' })).toBeCloseTo(0.5e-3 * (1 + Math.SQRT1_2), 15);
  });
});

describe('ref gradientNorm and clipScale', () => {
  it('gradientNorm is the L2 norm over all floats, Float32Array input too', () => {
    expect(gradientNorm(new Float64Array([3, 0, -4]))).toBe(5);
    expect(gradientNorm(new Float32Array([1, 2, 2, 0, 4]))).toBe(5);
  });

  it('clipScale follows clip_grad_norm_ (1e-6 in the denominator), maxNorm 0 disables', () => {
    expect(clipScale(2, 1)).toBeCloseTo(1 / 2.000001, 15);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(1, 1)).toBe(1 / 1.000001); // at the threshold the 1e-6 still scales slightly
    expect(clipScale(1e6, 0)).toBe(1);
  });

  it('clipped gradients have norm maxNorm (up to the 1e-6)', () => {
    const g = randomArray(new Rng(3, 'clip'), 37, 2);
    const norm = gradientNorm(g);
    const clipped = g.map((x) => x * clipScale(norm, 0.25));
    expect(gradientNorm(clipped)).toBeCloseTo(0.25, 6);
  });
});

describe('ref adamwStep', () => {
  it('matches a hand-computed two-step example (clipping, weight decay only on the prefix)', () => {
    const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipScale: 0.5 };
    const params = new Float64Array([1, -2, 0.5, 3]);
    const m = new Float64Array(4);
    const v = new Float64Array(4);
    // step 1, lr 0.1, decayFloats 2, clip 0.5: g = [0.1, -0.2, 0.5, 0]; m = 0.1g; v = 0.05g²;
    // m̂ = g, v̂ = g², so the step is sign(g)·|g|/(|g| + 1e-8); θ[0] = 1 − 0.1(0.1/0.10000001 + 0.1·1)
    adamwStep(params, new Float64Array([0.2, -0.4, 1, 0]), m, v, 1, 0.1, 2, hyper);
    expectClose(m, [0.01, -0.02, 0.05, 0], { atol: 1e-15, rtol: 1e-12 }, 'm1');
    expectClose(v, [0.0005, 0.002, 0.0125, 0], { atol: 1e-15, rtol: 1e-12 }, 'v1');
    expectClose(params, [0.89000001, -1.880000005, 0.400000002, 3], { atol: 0, rtol: 1e-12 }, 'params1');
    // step 2, no clipping: g = [-0.2, 0.2, 0.4, 0.6]; 1 − β1² = 0.19, 1 − β2² = 0.0975;
    // θ[3] = 3 − 0.1·(0.06/0.19)/(√(0.018/0.0975) + 1e-8) (no decay), θ[0] = θ − 0.1(m̂/(√v̂+ε) + 0.1θ)
    adamwStep(params, new Float64Array([-0.2, 0.2, 0.4, 0.6]), m, v, 2, 0.1, 2, { ...hyper, clipScale: 1 });
    expectClose(m, [-0.011, 0.002, 0.085, 0.06], { atol: 1e-12, rtol: 1e-12 }, 'm2');
    expectClose(v, [0.002475, 0.0039, 0.019875, 0.018], { atol: 1e-12, rtol: 1e-12 }, 'v2');
    expectClose(params, [0.917437402667030695, -1.86646316258157871, 0.300913600999365866, 2.92650400148016343], { atol: 0, rtol: 1e-12 }, 'params2');
  });

  it('reads Float32Array gradients like their float64 values', () => {
    const rng = new Rng(4, 'adamw');
    const g32 = Float32Array.from(randomArray(rng, 9));
    const start = randomArray(rng, 9);
    const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipScale: 0.7 };
    const [pa, pb] = [start.slice(), start.slice()];
    const [ma, mb, va, vb] = [0, 0, 0, 0].map(() => new Float64Array(9));
    adamwStep(pa, g32, ma, va, 1, 0.01, 4, hyper);
    adamwStep(pb, Float64Array.from(g32), mb, vb, 1, 0.01, 4, hyper);
    expect(Array.from(pa)).toEqual(Array.from(pb));
    expect(Array.from(ma)).toEqual(Array.from(mb));
    expect(Array.from(va)).toEqual(Array.from(vb));
  });

  it('applies weight decay only to [0, decayFloats)', () => {
    // zero gradient: m = v = 0 and the Adam step is 0, so only decay moves θ: θ(1 − lr·wd)
    const params = new Float64Array([1, 2, 3, 4, 5]);
    const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5, clipScale: 1 };
    adamwStep(params, new Float64Array(5), new Float64Array(5), new Float64Array(5), 3, 0.2, 3, hyper);
    expectClose(params, [0.9, 1.8, 2.7, 4, 5], { atol: 0, rtol: 1e-15 }, 'params');
  });
});
