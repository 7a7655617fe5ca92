// metrics.ts (GPU): launchers for shaders/metrics.wgsl, argument order as ref/metrics.ts. These
// run on evaluation steps only (not in the training step); every output is = (overwritten).
// covarianceStats needs a scratch buffer of covarianceScratchFloats(device, N, C) floats, passed
// last (its contents are overwritten; one scratch can serve every layer of a program).
import common from '../../shaders/common.wgsl?raw';
import metrics from '../../shaders/metrics.wgsl?raw';
import { kernelsOf } from '../kernels.ts';
import { MAX_WORKGROUPS_PER_DIM, grid, groups, type Binding, type Program } from '../program.ts';
import { covarianceStatsLayout } from '../../metrics/geometry.ts';

const code = common + metrics;
const WG = 64;
/** Pass 1 rows per chunk (column sums): small partials, many threads. */
const MEAN_ROWS = 64;
/**
 * Pass 3 rows per chunk (Gram blocks). On SwiftShader fewer, longer chunks win: threads only need
 * to fill the two cores, and each chunk's partial Gram is written and re-read. Real GPUs want
 * many threads.
 */
const GRAM_ROWS_SOFTWARE = 128;
const GRAM_ROWS_GPU = 32;
/**
 * Threads per workgroup of passes 1 and 3 on SwiftShader: small, so that few threads (C/4 column
 * groups, 36 blocks at C = 64) still make several workgroups, and no lane past the end repeats
 * a whole thread's loads.
 */
const SMALL_WG_SOFTWARE = 4;
/** Cap on the partial Grams (floats): 16 MB, e.g. 31 chunks at C = 512. */
const MAX_GRAM_FLOATS = 1 << 22;

function align64(floats: number): number {
  return Math.ceil(floats / 64) * 64;
}

/** How covarianceStats splits its work for (N, C) on a device; fixed per device, so results are reproducible. */
export interface CovariancePlan {
  meanRows: number;
  meanChunks: number;
  gramRows: number;
  gramChunks: number;
  /** threads per workgroup of passes 1 and 3 */
  smallWG: number;
  /** 8x8 blocks of the upper triangle */
  pairs: number;
  /** scratch: column partials at 0, Gram partials at gramOffset (floats, a multiple of 64) */
  gramOffset: number;
  scratchFloats: number;
}

/**
 * The plan for (N, C): 'software' long chunks and 4-thread workgroups (few barriers: SwiftShader),
 * 'gpu' short chunks and 64-thread workgroups; by default the one that goes with the device's row
 * choice (gpu/kernels.ts). Results differ in the last bits between the two.
 */
export function covariancePlan(device: GPUDevice, N: number, C: number, kind: 'software' | 'gpu' = kernelsOf(device).rows === 'thread' ? 'software' : 'gpu'): CovariancePlan {
  if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(C) && C >= 1)) throw new Error(`covarianceStats: need N >= 1, C >= 1, got N=${N} C=${C}`);
  const software = kind === 'software';
  const C4 = Math.ceil(C / 4);
  const nb = Math.ceil(C / 8);
  const pairs = (nb * (nb + 1)) / 2;
  const meanRows = Math.max(MEAN_ROWS, Math.ceil(N / MAX_WORKGROUPS_PER_DIM));
  const meanChunks = Math.ceil(N / meanRows);
  const maxGramChunks = Math.max(1, Math.min(MAX_WORKGROUPS_PER_DIM, Math.floor(MAX_GRAM_FLOATS / (pairs * 64))));
  const gramRows = Math.max(software ? GRAM_ROWS_SOFTWARE : GRAM_ROWS_GPU, Math.ceil(N / maxGramChunks));
  const gramChunks = Math.ceil(N / gramRows);
  const gramOffset = align64(meanChunks * 2 * C4 * 4);
  return {
    meanRows, meanChunks, gramRows, gramChunks, smallWG: software ? SMALL_WG_SOFTWARE : WG, pairs,
    gramOffset, scratchFloats: gramOffset + gramChunks * pairs * 64,
  };
}

/** Floats of scratch that covarianceStats needs for (N, C) on this device. */
export function covarianceScratchFloats(device: GPUDevice, N: number, C: number): number {
  return covariancePlan(device, N, C).scratchFloats;
}

/** `floats` floats of b from its offset, the size rounded up to 16 bytes (vec4 views); checks room. */
function vec4Binding(b: Binding, floats: number, name: string): Binding {
  const offset = b.offset ?? 0;
  const available = b.size ?? b.buffer.size - offset;
  if (available < floats * 4) throw new Error(`metrics: ${name} binding holds ${available} bytes, needs ${floats * 4}`);
  const size = Math.ceil(floats / 4) * 16;
  if (offset + size > b.buffer.size) throw new Error(`metrics: ${name} needs ${size} bytes (rounded up to 16) from offset ${offset}, its buffer has ${b.buffer.size}`);
  return { buffer: b.buffer, offset, size };
}

function slice(b: Binding, fromFloat: number, floats: number, name: string): Binding {
  const offset = (b.offset ?? 0) + fromFloat * 4;
  if (offset % 256 !== 0) throw new Error(`metrics: ${name} offset ${offset} is not a multiple of 256 bytes`);
  const bytes = Math.max(16, floats * 4);
  if (offset + bytes > b.buffer.size) throw new Error(`metrics: ${name} needs ${bytes} bytes from offset ${offset}, its buffer has ${b.buffer.size}`);
  return { buffer: b.buffer, offset, size: bytes };
}

interface DimsFields {
  N?: number; meanRows?: number; meanChunks?: number; gramRows?: number; gramChunks?: number;
  covOffset?: number; count?: number; T?: number; shift?: number;
}

function dims(d: DimsFields): ArrayBuffer {
  return new Uint32Array([d.N ?? 0, d.meanRows ?? 0, d.meanChunks ?? 0, d.gramRows ?? 0, d.gramChunks ?? 0, d.covOffset ?? 0, d.count ?? 0, d.T ?? 0, d.shift ?? 0]).buffer;
}

function shapeConstants(C: number): Record<string, number> {
  return { C, VEC: C % 4 === 0 ? 1 : 0 };
}

/**
 * out = [mean (C), meanNorm, pad, cov (C, C)] (covarianceStatsLayout(C); padding untouched): the
 * column mean, the mean row norm and the centred covariance Σ_n (h_n − mean)(h_n − mean)ᵀ /
 * max(N − 1, 1), exactly symmetric. Four dispatches (column sums, mean, Gram blocks of the
 * centred rows per chunk, fixed-order sum over chunks).
 * @param out covarianceStatsLayout(C).floats, at a 256-byte offset
 * @param inp (N, C), N >= 1
 * @param scratch plan.scratchFloats (covarianceScratchFloats(device, N, C)) floats, its own buffer, at a 256-byte offset
 * @param plan work split; default covariancePlan(device, N, C) (tests force both kinds)
 */
export function covarianceStats(
  p: Program, out: Binding, inp: Binding, N: number, C: number, scratch: Binding, plan: CovariancePlan = covariancePlan(p.device, N, C),
): void {
  const layout = covarianceStatsLayout(C);
  const stats = slice(out, 0, layout.floats, 'out');
  const mean = vec4Binding(stats, C, 'out (mean)');
  const input = vec4Binding(inp, N * C, 'inp');
  if (scratch.buffer === out.buffer || scratch.buffer === inp.buffer) throw new Error('covarianceStats: scratch must be a buffer of its own');
  const colFloats = plan.meanChunks * 2 * Math.ceil(C / 4) * 4;
  const colPartial = slice(scratch, 0, colFloats, 'scratch');
  const gram = slice(scratch, plan.gramOffset, plan.gramChunks * plan.pairs * 64, 'scratch');
  const uniform = {
    binding: 7,
    data: dims({ N, meanRows: plan.meanRows, meanChunks: plan.meanChunks, gramRows: plan.gramRows, gramChunks: plan.gramChunks, covOffset: layout.cov }),
  };
  const constants = { WG, ...shapeConstants(C) };
  p.dispatch({
    code, entryPoint: 'covarianceColumnSums', constants: { ...constants, WG: plan.smallWG },
    bindings: [, input, colPartial], uniform,
    workgroups: [groups(Math.ceil(C / 4), plan.smallWG), plan.meanChunks],
  });
  p.dispatch({
    code, entryPoint: 'covarianceMean', constants,
    bindings: [stats, , , colPartial], uniform,
    workgroups: [groups(C + 1, WG)],
  });
  p.dispatch({
    code, entryPoint: 'covarianceGramPartial', constants: { ...constants, WG: plan.smallWG },
    bindings: [, input, , , mean, gram], uniform,
    workgroups: [groups(plan.pairs, plan.smallWG), plan.gramChunks],
  });
  p.dispatch({
    code, entryPoint: 'covarianceGramReduce', constants,
    bindings: [stats, , , , , , gram], uniform,
    workgroups: grid(groups(plan.pairs * 16, WG)),
  });
}

/**
 * out[k] = cos(inp[pairs[2k]], inp[pairs[2k+1]]) (=), norms clamped at 1e-8. One thread per pair.
 * @param out (nPairs)
 * @param inp (N, C)
 * @param pairs (nPairs, 2) u32 row indices < N (e.g. metrics/anisotropy.ts drawPairs)
 */
export function pairCosines(p: Program, out: Binding, inp: Binding, pairs: Binding, nPairs: number, C: number): void {
  if (nPairs < 1) throw new Error('pairCosines: nPairs must be >= 1');
  p.dispatch({
    code, entryPoint: 'pairCosines', constants: { WG, ...shapeConstants(C) },
    bindings: [, vec4Binding(inp, rowsOf(inp, C) * C, 'inp'), , , , , , , out, pairs],
    uniform: { binding: 7, data: dims({ count: nPairs }) },
    workgroups: grid(groups(nPairs, WG)),
  });
}

// Whole rows of C floats that a binding holds (pairCosines reads rows by index, up to N - 1).
function rowsOf(b: Binding, C: number): number {
  const bytes = b.size ?? b.buffer.size - (b.offset ?? 0);
  return Math.floor(bytes / (4 * C));
}

/**
 * out[s, t] = cos(a[s, t], b[s, t + shift]) for t < T − shift (=): the NITP alignment
 * cos(P(h_t), z_{t+shift}) of every pair, for a histogram (metrics/anisotropy.ts histogram).
 * @param out (B, T − shift)
 * @param a (B, T, C), e.g. head outputs P(h) (or h for head "none")
 * @param b (B, T, C), e.g. target-layer hidden states z; may be a's buffer
 * @param shift 1 ("next") or 0 ("current")
 */
export function rowCosines(p: Program, out: Binding, a: Binding, b: Binding, B: number, T: number, C: number, shift: number): void {
  if (!(shift >= 0 && shift < T)) throw new Error(`rowCosines: shift ${shift} must be in 0..T-1`);
  const count = B * (T - shift);
  p.dispatch({
    code, entryPoint: 'rowCosines', constants: { WG, ...shapeConstants(C) },
    bindings: [, vec4Binding(a, B * T * C, 'a'), , , , , , , out, , vec4Binding(b, B * T * C, 'b')],
    uniform: { binding: 7, data: dims({ count, T, shift }) },
    workgroups: grid(groups(count, WG)),
  });
}

/**
 * out[r, j] = (inp[rowIndices[r]] − mean) · axes[j] for j < k (=): PCA coordinates of a fixed
 * sample of rows. One thread per row.
 * @param out (nRows, k)
 * @param inp (N, C)
 * @param rowIndices (nRows) u32 row indices < N
 * @param axes (k, C) row-major, k in 1..4 (metrics/pca.ts)
 * @param mean (C), e.g. the mean of covarianceStats' out (its first C floats)
 */
export function project(
  p: Program, out: Binding, inp: Binding, rowIndices: Binding, nRows: number, axes: Binding, mean: Binding, C: number, k: number,
): void {
  if (!(Number.isInteger(k) && k >= 1 && k <= 4)) throw new Error(`project: k must be 1..4, got ${k}`);
  if (nRows < 1) throw new Error('project: nRows must be >= 1');
  p.dispatch({
    code, entryPoint: 'project', constants: { WG, K: k, ...shapeConstants(C) },
    bindings: [, vec4Binding(inp, rowsOf(inp, C) * C, 'inp'), , , vec4Binding(mean, C, 'mean'), , , , out, rowIndices, , axes],
    uniform: { binding: 7, data: dims({ count: nRows }) },
    workgroups: grid(groups(nRows, WG)),
  });
}
