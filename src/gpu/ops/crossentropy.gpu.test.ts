import { describe, expect, it } from 'vitest';
import { crossentropyForward, crossentropyForwardBackward } from './crossentropy.ts';
import * as ref from '../../ref/crossentropy.ts';
import type { RowLayout } from './reduce.ts';
import { Program } from '../program.ts';
import { readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, randomTokens, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';

// Losses (~ log V): f32 rounding of the exp-sum, ~1e-6 absolute. Gradients: probabilities carry
// a relative error from rounding x - max and the exp-sum (rtol); at the target, prob - 1 cancels,
// leaving a few ulp of 1 times dscale (atol).
const LOSS_TOL = { atol: 1e-5, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-7, rtol: 1e-5 };
const DSCALE = 0.37;

// Every layout the kernels support: thread per row (SwiftShader's), workgroup per row (GPUs'),
// several rows per workgroup with a tree each.
const LAYOUTS: RowLayout[] = [{ WG: 16, TPR: 1 }, { WG: 32, TPR: 32 }, { WG: 256, TPR: 256 }, { WG: 16, TPR: 4 }];

/** Rows of Vp >= V logits; the padded columns V..Vp-1 hold large logits that would dominate a softmax counting them. */
async function runCase(device: GPUDevice, N: number, V: number, seed: number, layout: RowLayout, Vp = V) {
  const rng = new Rng(seed, 'crossentropy');
  const logits = toF32(randomArray(rng, N * Vp, 3));
  for (let n = 0; n < N; n++) for (let v = V; v < Vp; v++) logits[n * Vp + v] = 30 + 10 * rng.uniform();
  const targets = randomTokens(rng, N, V);
  const g = {
    logits: uploadStorage(device, logits), targets: uploadStorage(device, targets),
    inPlace: uploadStorage(device, logits),
    dlogits: uploadStorage(device, toF32(randomArray(rng, N * Vp))), // '=': start from garbage
    lossesF: uploadStorage(device, toF32(randomArray(rng, N))),
    losses: uploadStorage(device, toF32(randomArray(rng, N))),
    lossesIP: uploadStorage(device, toF32(randomArray(rng, N))),
  };
  const p = new Program(device);
  crossentropyForward(p, { buffer: g.lossesF }, { buffer: g.logits }, { buffer: g.targets }, N, V, Vp, layout);
  crossentropyForwardBackward(p, { buffer: g.losses }, { buffer: g.dlogits }, { buffer: g.logits }, { buffer: g.targets }, N, V, DSCALE, Vp, layout);
  crossentropyForwardBackward(p, { buffer: g.lossesIP }, { buffer: g.inPlace }, { buffer: g.inPlace }, { buffer: g.targets }, N, V, DSCALE, Vp, layout);
  p.run();
  return { logits, targets, g };
}

describe('GPU crossentropy', () => {
  for (const V of [2, 97, 1001]) {
    it(`forward, backward and in-place backward match the reference, V=${V}, N in {1, 13, 70}, every layout`, async () => {
      const device = await testDevice();
      for (const layout of LAYOUTS) {
        for (const N of [1, 13, 70]) {
          const { logits, targets, g } = await runCase(device, N, V, N * 10007 + V, layout);
          const losses = new Float64Array(N);
          const dlogits = new Float64Array(N * V);
          ref.crossentropyForwardBackward(losses, dlogits, toF64(logits), targets, N, V, DSCALE);
          const at = `N=${N} V=${V} WG=${layout.WG} TPR=${layout.TPR}`;
          expectClose(await readFloats(device, g.lossesF, N), losses, LOSS_TOL, `forward losses ${at}`);
          expectClose(await readFloats(device, g.losses, N), losses, LOSS_TOL, `losses ${at}`);
          expectClose(await readFloats(device, g.dlogits, N * V), dlogits, GRAD_TOL, `dlogits ${at}`);
          expectClose(await readFloats(device, g.lossesIP, N), losses, LOSS_TOL, `in-place losses ${at}`);
          expectClose(await readFloats(device, g.inPlace, N * V), dlogits, GRAD_TOL, `in-place dlogits ${at}`);
        }
      }
    });
  }

  for (const [V, Vp] of [[1, 4], [7, 8], [85, 88], [97, 100]]) {
    it(`padded rows (V=${V} classes in rows of Vp=${Vp}): the padding never counts and its gradient is 0, every layout`, async () => {
      const device = await testDevice();
      for (const layout of LAYOUTS) {
        for (const N of [1, 13, 70]) {
          const { logits, targets, g } = await runCase(device, N, V, N * 7919 + V, layout, Vp);
          const losses = new Float64Array(N);
          const dlogits = new Float64Array(N * Vp);
          ref.crossentropyForwardBackward(losses, dlogits, toF64(logits), targets, N, V, DSCALE, Vp);
          const at = `N=${N} V=${V} Vp=${Vp} WG=${layout.WG} TPR=${layout.TPR}`;
          expectClose(await readFloats(device, g.lossesF, N), losses, LOSS_TOL, `forward losses ${at}`);
          expectClose(await readFloats(device, g.losses, N), losses, LOSS_TOL, `losses ${at}`);
          expectClose(await readFloats(device, g.lossesIP, N), losses, LOSS_TOL, `in-place losses ${at}`);
          for (const [name, buffer] of [['dlogits', g.dlogits], ['in-place dlogits', g.inPlace]] as const) {
            const got = await readFloats(device, buffer, N * Vp);
            expectClose(got, dlogits, GRAD_TOL, `${name} ${at}`);
            const padding = Array.from({ length: N }, (_, n) => Array.from(got.subarray(n * Vp + V, (n + 1) * Vp))).flat();
            expect(padding.every((x) => Object.is(x, 0)), `${name} ${at}: the padded columns hold exactly +0`).toBe(true);
          }
        }
      }
    });
  }

  it('is deterministic, and in place gives the same bits as a separate dlogits', async () => {
    const device = await testDevice();
    const [N, V] = [70, 1001];
    const bytes = async (b: GPUBuffer, n: number) => Buffer.from(await readBytes(device, b, n * 4));
    for (const layout of [LAYOUTS[0], LAYOUTS[1]]) {
      const first = await runCase(device, N, V, 5, layout);
      const second = await runCase(device, N, V, 5, layout);
      for (const [name, n] of [['lossesF', N], ['losses', N], ['dlogits', N * V], ['lossesIP', N], ['inPlace', N * V]] as const) {
        expect((await bytes(first.g[name], n)).equals(await bytes(second.g[name], n)), name).toBe(true);
      }
      expect((await bytes(first.g.inPlace, N * V)).equals(await bytes(first.g.dlogits, N * V))).toBe(true);
      expect((await bytes(first.g.lossesIP, N)).equals(await bytes(first.g.losses, N))).toBe(true);
    }
  });

  it('covers more than 65535 workgroups (2-D grid)', async () => {
    const device = await testDevice();
    const [N, V] = [65536 + 37, 3];
    const { logits, targets, g } = await runCase(device, N, V, 11, { WG: 1, TPR: 1 });
    const losses = new Float64Array(N);
    const dlogits = new Float64Array(N * V);
    ref.crossentropyForwardBackward(losses, dlogits, toF64(logits), targets, N, V, DSCALE);
    expectClose(await readFloats(device, g.lossesF, N), losses, LOSS_TOL, 'forward losses');
    expectClose(await readFloats(device, g.losses, N), losses, LOSS_TOL, 'losses');
    expectClose(await readFloats(device, g.inPlace, N * V), dlogits, GRAD_TOL, 'in-place dlogits');
  });

  it('refuses overlapping but different logits and dlogits ranges', async () => {
    const device = await testDevice();
    const buffer = uploadStorage(device, new Float32Array(512));
    const targets = uploadStorage(device, new Int32Array(2));
    const p = new Program(device);
    expect(() => crossentropyForwardBackward(p, { buffer: targets }, { buffer, offset: 256 }, { buffer }, { buffer: targets }, 2, 64, 1)).toThrow(/same binding/);
    expect(() => crossentropyForward(p, { buffer: targets }, { buffer }, { buffer: targets }, 2, 64, 63)).toThrow(/Vp must be an integer >= V/);
  });
});
