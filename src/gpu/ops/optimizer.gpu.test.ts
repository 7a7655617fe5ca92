import { describe, expect, it } from 'vitest';
import {
  adamw, gradNormPartials, gradNormPartialsSize, optimizerPrepare, type OptimizerSettings,
  SCALAR_AUX, SCALAR_BIAS1, SCALAR_BIAS2, SCALAR_CLIP, SCALAR_COUNT, SCALAR_GRAD_NORM, SCALAR_LOSS, SCALAR_LR,
  SCALAR_NTP,
} from './optimizer.ts';
import * as ref from '../../ref/optimizer.ts';
import { Program } from '../program.ts';
import { createStorage, readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';
import type { Schedule } from '../../model/config.ts';

const HYPER = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

// float32 GPU against the float64 reference, each keeping its own state over all steps.
// Measured worst errors are ~3e-7 of each array's largest magnitude (f32 rounding of the stored
// state, of lr and of β). m = β1·m + (1−β1)·g cancels, so its atol scales with max|m| (same for v).
const TOL = {
  params: { atol: 1e-6, rtol: 1e-5 }, // params ~ N(0, 1)
  momentAtol: 2e-6, // times max|m| (or max|v|)
  momentRtol: 1e-5,
  norm: { atol: 0, rtol: 1e-5 },
  clip: { atol: 0, rtol: 1e-5 },
  lr: { atol: 1e-12, rtol: 2e-6 },
  loss: { atol: 0, rtol: 1e-6 },
  bias: { atol: 0, rtol: 2e-6 },
};

interface Case {
  n: number;
  decayFloats: number;
  schedule: Schedule;
  warmupSteps: number;
  steps: number;
  /** updates already done: the step counter's start value (m, v start non-zero when > 0) */
  start: number;
  maxNorm: number;
  lambda: number;
}

// Gradient norms per step, as multiples of maxNorm (or absolute when clipping is off): above and
// below the threshold, far enough from it that float32 rounding cannot flip the min().
const NORMS = [3, 0.5, 1.7, 0.2, 4];

const CASES: Case[] = [
  { n: 1, decayFloats: 1, schedule: 'wsd', warmupSteps: 3, steps: 10, start: 0, maxNorm: 1, lambda: 1 },
  { n: 5, decayFloats: 3, schedule: 'cosine', warmupSteps: 2, steps: 8, start: 3, maxNorm: 0, lambda: 0 },
  { n: 64, decayFloats: 30, schedule: 'wsd', warmupSteps: 0, steps: 6, start: 1, maxNorm: 0.5, lambda: 0.3 },
  { n: 1000, decayFloats: 640, schedule: 'cosine', warmupSteps: 3, steps: 20, start: 0, maxNorm: 1, lambda: 2 },
  { n: 4099, decayFloats: 2051, schedule: 'wsd', warmupSteps: 2, steps: 7, start: 1, maxNorm: 2, lambda: 1 },
  { n: 70001, decayFloats: 40000, schedule: 'cosine', warmupSteps: 0, steps: 9, start: 2, maxNorm: 1, lambda: 0.5 },
];

function maxAbs(a: Float64Array): number {
  return a.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);
}

function settingsOf(c: Case): OptimizerSettings {
  return { lr: 0.05, warmupSteps: c.warmupSteps, steps: c.steps, schedule: c.schedule, maxNorm: c.maxNorm, lambda: c.lambda };
}

/** The GPU buffers and the recorded optimizer program of one case, from a seeded initial state. */
function setup(device: GPUDevice, c: Case, seed: number) {
  const rng = new Rng(seed, 'optimizer-state');
  const params = toF32(randomArray(rng, c.n));
  const m = c.start > 0 ? toF32(randomArray(rng, c.n, 0.05)) : new Float32Array(c.n);
  const v = c.start > 0 ? toF32(randomArray(rng, c.n, 0.01).map(Math.abs)) : new Float32Array(c.n);
  const nPartials = gradNormPartialsSize(c.n);
  const g = {
    params: uploadStorage(device, params), m: uploadStorage(device, m), v: uploadStorage(device, v),
    grads: createStorage(device, c.n), partials: uploadStorage(device, new Float32Array(nPartials).fill(123)),
    scalars: uploadStorage(device, new Float32Array(SCALAR_COUNT).fill(7)), // every slot we own must be overwritten
    step: uploadStorage(device, new Uint32Array([c.start])),
  };
  const p = new Program(device);
  gradNormPartials(p, { buffer: g.partials }, { buffer: g.grads }, c.n);
  optimizerPrepare(p, { buffer: g.scalars }, { buffer: g.step }, { buffer: g.partials }, nPartials, settingsOf(c));
  adamw(p, { buffer: g.params }, { buffer: g.grads }, { buffer: g.m }, { buffer: g.v }, { buffer: g.scalars }, { buffer: g.step }, c.n, c.decayFloats, HYPER);
  return { g, p, params, m, v };
}

/** Fresh gradients with a chosen global norm, and the loss slots a loss kernel would have written. */
function stepInputs(rng: Rng, n: number, norm: number, lambda = 1) {
  const raw = randomArray(rng, n);
  const scale = norm / ref.gradientNorm(raw);
  // with λ = 0 the auxiliary slot may hold anything (no aux loss is computed): NaN must not leak
  const aux = lambda === 0 ? NaN : Math.fround(rng.uniform());
  return { grads: toF32(raw.map((x) => x * scale)), ntp: Math.fround(2 + rng.uniform()), aux };
}

function writeInputs(device: GPUDevice, g: ReturnType<typeof setup>['g'], inp: ReturnType<typeof stepInputs>): void {
  device.queue.writeBuffer(g.grads, 0, inp.grads);
  device.queue.writeBuffer(g.scalars, SCALAR_NTP * 4, new Float32Array([inp.ntp, inp.aux]));
}

async function readState(device: GPUDevice, g: ReturnType<typeof setup>['g'], n: number) {
  return {
    params: await readFloats(device, g.params, n), m: await readFloats(device, g.m, n), v: await readFloats(device, g.v, n),
    scalars: await readFloats(device, g.scalars, SCALAR_COUNT),
    step: new Uint32Array(await readBytes(device, g.step, 4))[0],
  };
}

describe('GPU optimizer', () => {
  for (const c of CASES) {
    const name = `n=${c.n} decay<${c.decayFloats} ${c.schedule} W=${c.warmupSteps} S=${c.steps} from step ${c.start} maxNorm=${c.maxNorm}`;
    it(`5 steps match the float64 reference after every step: ${name}`, async () => {
      const device = await testDevice();
      const { g, p, params, m, v } = setup(device, c, c.n);
      const P = toF64(params);
      const M = toF64(m);
      const V = toF64(v);
      const rng = new Rng(c.n, 'optimizer-grads');
      const clips: number[] = [];
      for (let k = 0; k < NORMS.length; k++) {
        const inp = stepInputs(rng, c.n, NORMS[k] * (c.maxNorm || 1), c.lambda);
        writeInputs(device, g, inp);
        p.run();

        const s = c.start + k + 1;
        const norm = ref.gradientNorm(inp.grads);
        const clip = ref.clipScale(norm, c.maxNorm);
        const lr = ref.learningRate(s, settingsOf(c));
        ref.adamwStep(P, inp.grads, M, V, s, lr, c.decayFloats, { ...HYPER, clipScale: clip });
        clips.push(clip);

        const got = await readState(device, g, c.n);
        const at = `step ${s}`;
        expect(got.step, `${at}: step counter`).toBe(s);
        expectClose([got.scalars[SCALAR_GRAD_NORM]], [norm], TOL.norm, `${at}: grad norm`);
        expectClose([got.scalars[SCALAR_CLIP]], [clip], TOL.clip, `${at}: clip scale`);
        expectClose([got.scalars[SCALAR_LR]], [lr], TOL.lr, `${at}: lr`);
        expectClose([got.scalars[SCALAR_LOSS]], [c.lambda === 0 ? inp.ntp : inp.ntp + c.lambda * inp.aux], TOL.loss, `${at}: loss`);
        expectClose([got.scalars[SCALAR_BIAS1], got.scalars[SCALAR_BIAS2]], [1 - 0.9 ** s, 1 - 0.95 ** s], TOL.bias, `${at}: bias corrections`);
        expect(Array.from(got.scalars.subarray(SCALAR_NTP, SCALAR_AUX + 1)), `${at}: loss inputs untouched`).toEqual([inp.ntp, inp.aux]);
        expectClose(got.m, M, { atol: TOL.momentAtol * maxAbs(M), rtol: TOL.momentRtol }, `${at}: m`);
        expectClose(got.v, V, { atol: TOL.momentAtol * maxAbs(V), rtol: TOL.momentRtol }, `${at}: v`);
        expectClose(got.params, P, TOL.params, `${at}: params`);
      }
      // the case exercised what it claims: clipped and unclipped steps, or no clipping at all
      if (c.maxNorm > 0) expect(clips.some((x) => x < 1) && clips.some((x) => x === 1)).toBe(true);
      else expect(clips.every((x) => x === 1)).toBe(true);
    });
  }

  it('is deterministic: the same inputs give bit-identical state and scalars', async () => {
    const device = await testDevice();
    const c = CASES[CASES.length - 1]; // 70001 floats: 69 partial sums, a tail of 1
    expect(gradNormPartialsSize(c.n)).toBeGreaterThan(4);
    const runs: Uint8Array[] = [];
    for (let r = 0; r < 2; r++) {
      const { g, p } = setup(device, c, 99);
      const rng = new Rng(99, 'optimizer-grads');
      const chunks: Float32Array[] = [];
      for (let k = 0; k < 3; k++) {
        writeInputs(device, g, stepInputs(rng, c.n, NORMS[k]));
        p.run();
        const got = await readState(device, g, c.n);
        chunks.push(got.params, got.m, got.v, got.scalars);
      }
      const all = new Float32Array(chunks.reduce((t, a) => t + a.length, 0));
      chunks.reduce((at, a) => (all.set(a, at), at + a.length), 0);
      runs.push(new Uint8Array(all.buffer));
    }
    expect(runs[0].length).toBe(3 * (3 * c.n + SCALAR_COUNT) * 4);
    expect(runs[0].every((b, i) => b === runs[1][i])).toBe(true);
  });

  it('steps over a gap: the partial sums are bit-identical to those of the same floats without it', async () => {
    const device = await testDevice();
    // (n, at, floats): a gap in the first chunk, one on a chunk boundary, one at the very start,
    // one before the tail, several chunks with a tail of 1
    const cases = [[70001, 4160, 192], [70001, 16384, 64], [70001, 0, 12], [70001, 70000, 4], [1000, 340, 4]];
    const rng = new Rng(13, 'gradnorm-gap');
    for (const [n, at, floats] of cases) {
      const grads = toF32(randomArray(rng, n));
      const gapped = new Float32Array(n + floats);
      gapped.set(grads.subarray(0, at), 0);
      gapped.fill(1e3, at, at + floats); // counted, this would dominate the norm
      gapped.set(grads.subarray(at), at + floats);
      const nPartials = gradNormPartialsSize(n);
      const [plain, skipped] = [createStorage(device, nPartials), createStorage(device, nPartials)];
      const p = new Program(device);
      gradNormPartials(p, { buffer: plain }, { buffer: uploadStorage(device, grads) }, n);
      gradNormPartials(p, { buffer: skipped }, { buffer: uploadStorage(device, gapped) }, n, { at, floats });
      p.run();
      const [a, b] = [await readFloats(device, plain, nPartials), await readFloats(device, skipped, nPartials)];
      expect(Array.from(b), `n=${n} gap of ${floats} at ${at}`).toEqual(Array.from(a));
      expectClose([Math.sqrt(a.reduce((t, x) => t + x, 0))], [ref.gradientNorm(grads)], TOL.norm, `norm n=${n}`);
    }
    const p = new Program(device);
    const b = { buffer: createStorage(device, 64) };
    expect(() => gradNormPartials(p, b, b, 32, { at: 2, floats: 4 })).toThrow(/multiples of 4/);
    expect(() => gradNormPartials(p, b, b, 32, { at: 36, floats: 4 })).toThrow(/at in 0..n/);
  });

  it('handles more than 65535 workgroups (2-D grid) and the tail: n = 16777221, sparse values', async () => {
    // 4194305 vec4s = 65537 workgroups of 64: grid (32769, 2). Buffers are zero except at a few
    // positions (first/last of each grid row, around decayFloats, the tail), so the reference runs
    // on those positions alone: zeros add nothing to the norm and every float updates on its own.
    const device = await testDevice();
    const n = 16_777_221;
    const decayFloats = 8_388_000;
    const rowEnd = 32769 * 64 * 4; // first float of grid row y = 1
    const at = [0, 5, decayFloats - 1, decayFloats, rowEnd - 1, rowEnd, rowEnd + 3, n - 5, n - 2, n - 1];
    const rng = new Rng(7, 'optimizer-2d');
    const init = [1, 0.05, 0.01, 1e-3].map((scale) => toF32(randomArray(rng, at.length, scale)));
    init[2] = init[2].map(Math.abs); // v >= 0
    const [params, m, v, grads] = init.map((vals) => {
      const buffer = createStorage(device, n);
      at.forEach((i, k) => device.queue.writeBuffer(buffer, i * 4, Float32Array.of(vals[k])));
      return buffer;
    });
    const scalars = createStorage(device, SCALAR_COUNT);
    const step = uploadStorage(device, new Uint32Array([4]));
    const nPartials = gradNormPartialsSize(n);
    const partials = createStorage(device, nPartials);
    const settings: OptimizerSettings = { lr: 0.01, warmupSteps: 0, steps: 10, schedule: 'cosine', maxNorm: 1e-3, lambda: 1 };
    const p = new Program(device);
    gradNormPartials(p, { buffer: partials }, { buffer: grads }, n);
    optimizerPrepare(p, { buffer: scalars }, { buffer: step }, { buffer: partials }, nPartials, settings);
    adamw(p, { buffer: params }, { buffer: grads }, { buffer: m }, { buffer: v }, { buffer: scalars }, { buffer: step }, n, decayFloats, HYPER);
    p.run();

    const [P, M, V] = init.slice(0, 3).map(toF64);
    const norm = ref.gradientNorm(init[3]);
    const clip = ref.clipScale(norm, settings.maxNorm);
    expect(clip).toBeLessThan(1);
    const lr = ref.learningRate(5, settings);
    // decay applies to positions below decayFloats: run the reference on the compacted array,
    // whose first 3 entries are exactly those
    expect(at.filter((i) => i < decayFloats).length).toBe(3);
    ref.adamwStep(P, init[3], M, V, 5, lr, 3, { ...HYPER, clipScale: clip });
    const read = async (b: GPUBuffer) => Float32Array.from(await Promise.all(at.map(async (i) => (await readFloats(device, { buffer: b, offset: i * 4 }, 1))[0])));
    const got = await readFloats(device, scalars, SCALAR_COUNT);
    expectClose([got[SCALAR_GRAD_NORM], got[SCALAR_CLIP], got[SCALAR_LR]], [norm, clip, lr], TOL.norm, 'norm, clip, lr');
    expectClose(await read(m), M, { atol: TOL.momentAtol * maxAbs(M), rtol: TOL.momentRtol }, 'm');
    expectClose(await read(v), V, { atol: TOL.momentAtol * maxAbs(V), rtol: TOL.momentRtol }, 'v');
    expectClose(await read(params), P, TOL.params, 'params');
    for (const b of [params, m, v, grads, partials]) b.destroy();
  });

  for (const schedule of ['wsd', 'cosine'] as const) {
    it(`learningRate on the GPU follows the reference at every step: ${schedule}`, async () => {
      const device = await testDevice();
      const settings: OptimizerSettings = { lr: 3e-3, warmupSteps: 40, steps: 300, schedule, maxNorm: 1e-5, lambda: 1 };
      const scalars = createStorage(device, SCALAR_COUNT);
      const step = createStorage(device, 1);
      const partials = uploadStorage(device, new Float32Array([1e-8])); // norm 1e-4
      const ring = createStorage(device, settings.steps + 3);
      const p = new Program(device);
      // steps 1..S+3, lr_s copied into ring[s − 1] after each prepare: one submission, one readback
      for (let s = 1; s <= settings.steps + 3; s++) {
        optimizerPrepare(p, { buffer: scalars }, { buffer: step }, { buffer: partials }, 1, settings);
        p.copy({ buffer: scalars, offset: SCALAR_LR * 4 }, { buffer: ring, offset: (s - 1) * 4 }, 4);
      }
      p.run();
      const got = await readFloats(device, ring, settings.steps + 3);
      const want = Array.from(got, (_, i) => ref.learningRate(i + 1, settings));
      expectClose(got, want, TOL.lr, `lr ${schedule}`);
      const S = settings.steps;
      // the whole sweep is compared above; the plateau is exact in f32, and the end is exactly 0
      if (schedule === 'wsd') {
        expect(got[40]).toBe(Math.fround(settings.lr)); // s = W + 1
        expect(got[0.8 * S - 1]).toBe(Math.fround(settings.lr)); // s = 0.8·S: not yet decaying
        expect(got[0.8 * S]).toBeLessThan(Math.fround(settings.lr)); // s = 0.8·S + 1
      }
      expect(got[S - 1]).toBe(0);
      expect(got[S + 2]).toBe(0);
      // norm 1e-4 above maxNorm 1e-5: clip_grad_norm_'s 1e-6 in the denominator is visible (1%)
      const last = await readFloats(device, scalars, SCALAR_COUNT);
      expectClose([last[SCALAR_GRAD_NORM], last[SCALAR_CLIP]], [1e-4, ref.clipScale(1e-4, 1e-5)], TOL.clip, 'norm and clip');
    });
  }
});
