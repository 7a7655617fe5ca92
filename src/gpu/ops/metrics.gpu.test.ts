import { describe, expect, it } from 'vitest';
import { covariancePlan, covarianceScratchFloats, covarianceStats, pairCosines, project, rowCosines } from './metrics.ts';
import * as ref from '../../ref/metrics.ts';
import { Program } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';
import { covarianceStatsLayout } from '../../metrics/geometry.ts';
import { symmetricEigen } from '../../metrics/eigen.ts';
import { effectiveRank } from '../../metrics/effectiveRank.ts';
import { drawPairs } from '../../metrics/anisotropy.ts';

const POISON = -12345; // stats padding must be left as it is

/** Hidden states with per-column offsets and spreads (non-zero mean, anisotropic). */
function hiddenStates(rng: Rng, N: number, C: number, offset: number): Float32Array {
  const shift = randomArray(rng, C, offset);
  const scale = Float64Array.from({ length: C }, () => 0.2 + 2 * rng.uniform());
  const x = randomArray(rng, N * C);
  return toF32(x.map((v, i) => shift[i % C] + scale[i % C] * v));
}

/** Runs covarianceStats on the GPU, returns out (layout floats). */
async function gpuStats(device: GPUDevice, inp: Float32Array, N: number, C: number, times = 1): Promise<Float32Array[]> {
  const layout = covarianceStatsLayout(C);
  const g = {
    inp: uploadStorage(device, inp),
    out: uploadStorage(device, new Float32Array(layout.floats).fill(POISON)),
    scratch: createStorage(device, covarianceScratchFloats(device, N, C)),
  };
  const p = new Program(device);
  covarianceStats(p, { buffer: g.out }, { buffer: g.inp }, N, C, { buffer: g.scratch });
  const results: Float32Array[] = [];
  for (let r = 0; r < times; r++) {
    p.run();
    results.push(await readFloats(device, g.out, layout.floats));
  }
  p.destroy();
  for (const b of Object.values(g)) b.destroy();
  return results;
}

function maxDiagonal(stats: ArrayLike<number>, C: number): number {
  const { cov } = covarianceStatsLayout(C);
  let m = 0;
  for (let i = 0; i < C; i++) m = Math.max(m, stats[cov + i * C + i]);
  return m;
}

describe('GPU covarianceStats', () => {
  // N = 1, 7, 100, 2049 against chunks of 64 (column sums) and 128 or 32 (Gram) rows; C = 1, 3, 17
  // are not multiples of 4 (gathered loads) nor of the 8-column blocks; C = 64 takes the vec4 path.
  it('matches the float64 reference (mean, mean norm, covariance, eigenvalues), N x C in {1,7,100,2049} x {1,3,17,64}', async () => {
    const device = await testDevice();
    for (const C of [1, 3, 17, 64]) {
      for (const N of [1, 7, 100, 2049]) {
        const rng = new Rng(N * 100 + C, 'metrics');
        const inp = hiddenStates(rng, N, C, 3);
        const [got] = await gpuStats(device, inp, N, C);
        const layout = covarianceStatsLayout(C);
        const want = new Float64Array(layout.floats).fill(POISON);
        ref.covarianceStats(want, inp, N, C);
        const label = `N=${N} C=${C}`;
        // f32 sums of up to 2049 rows: mean and norms to ~1e-6 relative; the covariance to ~1e-6
        // of the largest variance (off-diagonal entries are small against it).
        expectClose(got.subarray(0, layout.cov), want.subarray(0, layout.cov), { atol: 1e-5, rtol: 1e-5 }, `${label} mean, meanNorm, padding`);
        const scale = Math.max(maxDiagonal(want, C), 1e-30);
        expectClose(got.subarray(layout.cov), want.subarray(layout.cov), { atol: 2e-6 * scale, rtol: 1e-5 }, `${label} cov`);
        // the matrix is exactly symmetric (both halves read the same partial sums)
        for (let i = 0; i < C; i++) for (let j = 0; j < i; j++) expect(got[layout.cov + i * C + j]).toBe(got[layout.cov + j * C + i]);
        // eigenvalues of the GPU covariance against those of the float64 one
        const eg = symmetricEigen(got.subarray(layout.cov), C);
        const ew = symmetricEigen(want.subarray(layout.cov), C);
        expectClose(eg.values, ew.values, { atol: 2e-6 * scale * C, rtol: 1e-5 }, `${label} eigenvalues`);
        if (N > C) expect(Math.abs(effectiveRank(eg.values) - effectiveRank(ew.values))).toBeLessThan(1e-4 * C);
      }
    }
  });

  it('shared offset 100x the spread: centred on the GPU, still accurate (the uncentred f32 form is not)', async () => {
    const device = await testDevice();
    const [N, C] = [2049, 64];
    const rng = new Rng(7, 'metrics-offset');
    const offset = randomArray(rng, C, 1).map((v) => 100 * (1 + 0.1 * v)); // every column ~100
    const noise = randomArray(rng, N * C);
    const inp = toF32(noise.map((v, i) => offset[i % C] + v)); // spread 1 around the offset
    const [got] = await gpuStats(device, inp, N, C);
    const layout = covarianceStatsLayout(C);
    const want = new Float64Array(layout.floats);
    ref.covarianceStats(want, inp, N, C);
    const tol = { atol: 2e-6, rtol: 1e-5 }; // variances ~1
    expectClose(got.subarray(layout.cov), want.subarray(layout.cov), tol, 'cov');

    // The same covariance the textbook way in f32 (Σ hhᵀ − N·mean meanᵀ, sums as the GPU would
    // do them: per chunk of 128 rows, then over chunks) misses by orders of magnitude more.
    const f = Math.fround;
    const mean = want.subarray(0, C);
    let worst = 0;
    for (let i = 0; i < C; i++) {
      for (let j = i; j < C; j++) {
        let total = 0;
        for (let start = 0; start < N; start += 128) {
          let acc = 0;
          for (let n = start; n < Math.min(N, start + 128); n++) acc = f(acc + f(inp[n * C + i] * inp[n * C + j]));
          total = f(total + acc);
        }
        const naive = f(f(total - f(N * f(f(mean[i]) * f(mean[j])))) / (N - 1));
        worst = Math.max(worst, Math.abs(naive - want[layout.cov + i * C + j]));
      }
    }
    expect(worst).toBeGreaterThan(100 * tol.atol);
  });

  // The real-GPU plan (chunks of 32 rows, 64-thread workgroups: 65 chunks at N = 2049) and a
  // width with 17 x 17 blocks, run on this adapter; out at a 256-byte offset of a shared buffer.
  it('the "gpu" work split and C = 130 match too; out at an offset, the rest of its buffer untouched', async () => {
    const device = await testDevice();
    for (const [N, C] of [[2049, 17], [300, 130]]) {
      const rng = new Rng(N + C, 'metrics-plan');
      const inp = hiddenStates(rng, N, C, 3);
      const layout = covarianceStatsLayout(C);
      const plan = covariancePlan(device, N, C, 'gpu');
      expect(plan.smallWG).toBe(64);
      const g = {
        inp: uploadStorage(device, inp),
        out: uploadStorage(device, new Float32Array(64 + layout.floats + 64).fill(POISON)),
        scratch: createStorage(device, plan.scratchFloats),
      };
      const p = new Program(device);
      covarianceStats(p, { buffer: g.out, offset: 256 }, { buffer: g.inp }, N, C, { buffer: g.scratch }, plan);
      p.run();
      const all = await readFloats(device, g.out, 64 + layout.floats + 64);
      const want = new Float64Array(layout.floats).fill(POISON);
      ref.covarianceStats(want, inp, N, C);
      const label = `N=${N} C=${C}`;
      expectClose(all.subarray(0, 64), new Float64Array(64).fill(POISON), { atol: 0, rtol: 0 }, `${label} before out`);
      expectClose(all.subarray(64 + layout.floats), new Float64Array(64).fill(POISON), { atol: 0, rtol: 0 }, `${label} after out`);
      const got = all.subarray(64, 64 + layout.floats);
      expectClose(got.subarray(0, layout.cov), want.subarray(0, layout.cov), { atol: 1e-5, rtol: 1e-5 }, `${label} mean, meanNorm`);
      expectClose(got.subarray(layout.cov), want.subarray(layout.cov), { atol: 2e-6 * maxDiagonal(want, C), rtol: 1e-5 }, `${label} cov`);
      p.destroy();
      for (const b of Object.values(g)) b.destroy();
    }
  });

  it('is deterministic: two runs give bit-identical results', async () => {
    const device = await testDevice();
    const [N, C] = [1000, 17];
    const inp = hiddenStates(new Rng(9, 'metrics'), N, C, 1);
    const [a, b] = await gpuStats(device, inp, N, C, 2);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});

describe('GPU pairCosines, rowCosines, project', () => {
  for (const C of [3, 17, 64]) {
    it(`match the float64 reference, C=${C}`, async () => {
      const device = await testDevice();
      const rng = new Rng(C, 'metrics-cos');
      const [B, T] = [3, 33];
      const N = B * T;
      const a = hiddenStates(rng, N, C, 0.5);
      a.fill(0, 5 * C, 6 * C); // a zero row: norm clamped at 1e-8, cosine 0
      const z = hiddenStates(rng, N, C, 0.5);
      const nPairs = 97;
      const pairs = drawPairs(N, nPairs, C);
      pairs[0] = 5; // include the zero row
      const rows = Uint32Array.from({ length: 65 }, (_, r) => (r * 37) % N);
      const mean = toF32(randomArray(rng, C));
      const axes = toF32(randomArray(rng, 4 * C)); // k up to 4; k < 4 reads the first k rows

      const g = {
        a: uploadStorage(device, a), z: uploadStorage(device, z), pairs: uploadStorage(device, pairs),
        rows: uploadStorage(device, rows), mean: uploadStorage(device, mean), axes: uploadStorage(device, axes),
        pairOut: uploadStorage(device, new Float32Array(nPairs).fill(POISON)),
        rowOut1: createStorage(device, B * (T - 1)), rowOut0: createStorage(device, B * T),
        proj: [1, 2, 3, 4].map((k) => createStorage(device, rows.length * k)),
      };
      const p = new Program(device);
      pairCosines(p, { buffer: g.pairOut }, { buffer: g.a }, { buffer: g.pairs }, nPairs, C);
      rowCosines(p, { buffer: g.rowOut1 }, { buffer: g.a }, { buffer: g.z }, B, T, C, 1);
      rowCosines(p, { buffer: g.rowOut0 }, { buffer: g.a }, { buffer: g.z }, B, T, C, 0);
      [1, 2, 3, 4].forEach((k) => project(p, { buffer: g.proj[k - 1] }, { buffer: g.a }, { buffer: g.rows }, rows.length, { buffer: g.axes }, { buffer: g.mean }, C, k));
      p.run();

      // cosines are O(1) sums over C of f32 products: ~1e-6
      const tol = { atol: 2e-6, rtol: 1e-5 };
      const pc = new Float64Array(nPairs);
      ref.pairCosines(pc, a, pairs, nPairs, C);
      expect(pc[0]).toBe(0);
      expectClose(await readFloats(device, g.pairOut, nPairs), pc, tol, 'pairCosines');
      for (const shift of [1, 0]) {
        const rc = new Float64Array(B * (T - shift));
        ref.rowCosines(rc, a, z, B, T, C, shift);
        expectClose(await readFloats(device, shift ? g.rowOut1 : g.rowOut0, rc.length), rc, tol, `rowCosines shift ${shift}`);
      }
      for (const k of [1, 2, 3, 4]) {
        const pr = new Float64Array(rows.length * k);
        ref.project(pr, a, rows, rows.length, axes, mean, C, k);
        // coordinates are sums of C products of O(1) values: error ~1e-6 * sqrt(C)
        expectClose(await readFloats(device, g.proj[k - 1], pr.length), pr, { atol: 1e-5, rtol: 1e-5 }, `project k=${k}`);
      }
      p.destroy();
    });
  }
});
