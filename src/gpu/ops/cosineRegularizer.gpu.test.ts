import { describe, expect, it } from 'vitest';
import { cosineRegularizerForwardBackward } from './cosineRegularizer.ts';
import * as ref from '../../ref/cosineRegularizer.ts';
import type { RowLayout } from './reduce.ts';
import { Program } from '../program.ts';
import { readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';

// The GPU loss is sum_t (u_t·S - u_t·u_t) / K: each term carries f32 rounding of a sum of T
// cosines (~T * 1e-7) that the pairwise float64 reference does not, hence atol. dh: each component
// is dscale 2/(K n) times O(T) terms; rtol for the rounding, atol for cancellation in S - u (1 + r).
const LOSS_TOL = { atol: 2e-6, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-6, rtol: 1e-5 };
const DSCALE = 0.45;
const LAYOUTS: RowLayout[] = [{ WG: 16, TPR: 1 }, { WG: 32, TPR: 32 }, { WG: 16, TPR: 4 }];

async function runCase(device: GPUDevice, B: number, T: number, C: number, layout: RowLayout, seed: number) {
  const rng = new Rng(seed, 'cosreg');
  const h = toF32(randomArray(rng, B * T * C));
  for (let i = 0; i < C; i++) h[i] += 0.8; // some alignment in sequence 0: cosines well away from 0
  const dh0 = toF32(randomArray(rng, B * T * C)); // dh accumulates: start non-zero
  const g = {
    h: uploadStorage(device, h), dh: uploadStorage(device, dh0),
    losses: uploadStorage(device, toF32(randomArray(rng, B))), // '=': start from garbage
  };
  const p = new Program(device);
  cosineRegularizerForwardBackward(p, { buffer: g.losses }, { buffer: g.dh }, { buffer: g.h }, B, T, C, DSCALE, layout);
  p.run();
  return { h, dh0, g };
}

describe('GPU cosineRegularizer', () => {
  for (const layout of LAYOUTS) {
    it(`matches the reference, B in {1, 3}, T in {1, 2, 9, 17}, C in {1, 5, 16, 33}, WG=${layout.WG} TPR=${layout.TPR}`, async () => {
      const device = await testDevice();
      for (const B of [1, 3]) {
        for (const T of [1, 2, 9, 17]) {
          for (const C of [1, 5, 16, 33]) {
            const { h, dh0, g } = await runCase(device, B, T, C, layout, B * 1000 + T * 100 + C);
            const losses = new Float64Array(B);
            const dh = toF64(dh0);
            ref.cosineRegularizerForwardBackward(losses, dh, toF64(h), B, T, C, DSCALE);
            const at = `B=${B} T=${T} C=${C}`;
            expectClose(await readFloats(device, g.losses, B), losses, LOSS_TOL, `losses ${at}`);
            expectClose(await readFloats(device, g.dh, B * T * C), dh, GRAD_TOL, `dh ${at}`);
          }
        }
      }
    });
  }

  it('T = 1: losses 0 and dh unchanged, bit for bit', async () => {
    const device = await testDevice();
    const { dh0, g } = await runCase(device, 3, 1, 5, LAYOUTS[0], 7);
    expect(Array.from(await readFloats(device, g.losses, 3))).toEqual([0, 0, 0]);
    expect(Array.from(await readFloats(device, g.dh, 15))).toEqual(Array.from(dh0));
  });

  it('is deterministic', async () => {
    const device = await testDevice();
    for (const layout of LAYOUTS) {
      const first = await runCase(device, 3, 17, 33, layout, 3);
      const second = await runCase(device, 3, 17, 33, layout, 3);
      for (const name of ['losses', 'dh'] as const) {
        const a = Buffer.from(await readBytes(device, first.g[name]));
        const b = Buffer.from(await readBytes(device, second.g[name]));
        expect(a.equals(b), name).toBe(true);
      }
    }
  });
});
