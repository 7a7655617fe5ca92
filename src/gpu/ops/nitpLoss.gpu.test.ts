import { describe, expect, it } from 'vitest';
import { nitpLossForwardBackward } from './nitpLoss.ts';
import * as ref from '../../ref/nitpLoss.ts';
import type { RowLayout } from './reduce.ts';
import type { NitpLossKind, NitpShift } from '../../model/config.ts';
import { Program } from '../program.ts';
import { readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';

// Losses are O(1) sums of C products: f32 rounding ~1e-6 absolute. mse/smoothl1 gradient
// components are O(dscale / C). A cosine gradient component is a difference of two terms of size up
// to dscale / |a| (dp row a) or dscale / |b| (dz row b) that cancel exactly for C = 1, so cosine
// gradients are compared in those units (see inRowUnits).
const TOL = { atol: 1e-6, rtol: 1e-5 };
const DSCALE = 0.3;
const SHIFTS: NitpShift[] = ['next', 'current'];
const KINDS: NitpLossKind[] = ['cosine', 'mse', 'smoothl1'];
const LAYOUTS: RowLayout[] = [{ WG: 16, TPR: 1 }, { WG: 32, TPR: 32 }, { WG: 16, TPR: 4 }];

/** Each row of x times |row of v| / DSCALE: cosine gradients in units of their terms' size. */
function inRowUnits(x: ArrayLike<number>, v: Float32Array, C: number, kind: NitpLossKind): Float64Array {
  const out = Float64Array.from(x);
  if (kind !== 'cosine') return out;
  for (let r = 0; r < v.length / C; r++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += v[r * C + c] ** 2;
    for (let c = 0; c < C; c++) out[r * C + c] *= Math.max(Math.sqrt(ss), 1e-8) / DSCALE;
  }
  return out;
}

interface Case { B: number; T: number; C: number; shift: NitpShift; kind: NitpLossKind; layout: RowLayout }

/** Runs the kernel twice: (dp =, dz written) and (dp +=, dz omitted), from non-zero buffers. */
async function runCase(device: GPUDevice, { B, T, C, shift, kind, layout }: Case, seed: number) {
  const rng = new Rng(seed, 'nitp');
  const n = B * T * C;
  const NP = ref.nitpPairsPerSequence(T, shift);
  const p = toF32(randomArray(rng, n, 1.2)); // scale 1.2: smoothl1 sees |e| on both sides of 1
  const z = toF32(randomArray(rng, n, 1.2));
  const dp0 = toF32(randomArray(rng, n)); // start non-zero: proves = and +=
  const dz0 = toF32(randomArray(rng, n));
  const g = {
    p: uploadStorage(device, p), z: uploadStorage(device, z),
    losses: uploadStorage(device, toF32(randomArray(rng, Math.max(B * NP, 1)))),
    dp: uploadStorage(device, dp0), dz: uploadStorage(device, dz0),
    losses2: uploadStorage(device, toF32(randomArray(rng, Math.max(B * NP, 1)))),
    dpAcc: uploadStorage(device, dp0),
  };
  const prog = new Program(device);
  nitpLossForwardBackward(prog, { buffer: g.losses }, { buffer: g.dp }, { buffer: g.dz }, { buffer: g.p }, { buffer: g.z }, B, T, C, shift, kind, DSCALE, false, layout);
  nitpLossForwardBackward(prog, { buffer: g.losses2 }, { buffer: g.dpAcc }, null, { buffer: g.p }, { buffer: g.z }, B, T, C, shift, kind, DSCALE, true, layout);
  prog.run();
  return { p, z, dp0, g, n, NP };
}

describe('GPU nitpLoss', () => {
  for (const shift of SHIFTS) {
    for (const kind of KINDS) {
      it(`matches the reference, shift=${shift} kind=${kind}, T in {1, 2, 9}, C in {1, 5, 16, 33}, every layout`, async () => {
        const device = await testDevice();
        for (const layout of LAYOUTS) {
          for (const T of [1, 2, 9]) {
            for (const C of [1, 5, 16, 33]) {
              const B = T === 9 ? 3 : 2;
              const { p, z, dp0, g, n, NP } = await runCase(device, { B, T, C, shift, kind, layout }, T * 100 + C);
              const losses = new Float64Array(B * NP);
              const dp = new Float64Array(n);
              const dz = new Float64Array(n);
              ref.nitpLossForwardBackward(losses, dp, dz, toF64(p), toF64(z), B, T, C, shift, kind, DSCALE);
              const dpAcc = toF64(dp0);
              ref.nitpLossForwardBackward(new Float64Array(B * NP), dpAcc, null, toF64(p), toF64(z), B, T, C, shift, kind, DSCALE, true);
              const at = `B=${B} T=${T} C=${C} WG=${layout.WG} TPR=${layout.TPR}`;
              expectClose(await readFloats(device, g.losses, B * NP), losses, TOL, `losses ${at}`);
              const inP = (x: ArrayLike<number>) => inRowUnits(x, p, C, kind);
              const inZ = (x: ArrayLike<number>) => inRowUnits(x, z, C, kind);
              expectClose(inP(await readFloats(device, g.dp, n)), inP(dp), TOL, `dp ${at}`);
              expectClose(inZ(await readFloats(device, g.dz, n)), inZ(dz), TOL, `dz ${at}`);
              expectClose(await readFloats(device, g.losses2, B * NP), losses, TOL, `losses (dz omitted) ${at}`);
              expectClose(inP(await readFloats(device, g.dpAcc, n)), inP(dpAcc), TOL, `dp += ${at}`);
            }
          }
        }
      });
    }
  }

  it('is deterministic', async () => {
    const device = await testDevice();
    const c: Case = { B: 3, T: 9, C: 33, shift: 'next', kind: 'cosine', layout: LAYOUTS[1] };
    for (const layout of LAYOUTS) {
      const first = await runCase(device, { ...c, layout }, 1);
      const second = await runCase(device, { ...c, layout }, 1);
      for (const name of ['losses', 'dp', 'dz', 'losses2', 'dpAcc'] as const) {
        const a = Buffer.from(await readBytes(device, first.g[name]));
        const b = Buffer.from(await readBytes(device, second.g[name]));
        expect(a.equals(b), name).toBe(true);
      }
    }
  });
});
