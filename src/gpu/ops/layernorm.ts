// layernorm.ts (GPU): launchers for shaders/layernorm.wgsl, argument order as ref/layernorm.ts.
// Forward: out, mean, rstd =. Backward: dinp +=, dweight +=, dbias += (the backward also needs a
// scratch buffer of layernormScratchFloats(N, C) floats, passed last; its contents are overwritten).
import common from '../../shaders/common.wgsl?raw';
import layernorm from '../../shaders/layernorm.wgsl?raw';
import { groups, type Binding, type Program } from '../program.ts';

const code = common + layernorm;
const WG = 64;
/** Rows per chunk of the dweight/dbias reduction (the shader's ROWS). */
const ROWS = 32;
const EPS = 1e-5; // docs/method.md §2, as ref/layernorm.ts

function dims(N: number, C: number): ArrayBuffer {
  const data = new ArrayBuffer(12);
  new Uint32Array(data, 0, 2).set([N, C]);
  new Float32Array(data, 8, 1)[0] = EPS;
  return data;
}

/** Floats of scratch that layernormBackward needs: (ceil(N / 32), 2, C). */
export function layernormScratchFloats(N: number, C: number): number {
  return Math.ceil(N / ROWS) * 2 * C;
}

/**
 * out = (inp - mean) * rstd * weight + bias; mean, rstd saved. All =. One thread per row.
 * @param out (N, C)
 * @param mean (N)
 * @param rstd (N)
 * @param inp (N, C)
 * @param weight (C)
 * @param bias (C)
 */
export function layernormForward(
  p: Program, out: Binding, mean: Binding, rstd: Binding, inp: Binding, weight: Binding, bias: Binding, N: number, C: number,
): void {
  p.dispatch({
    code, entryPoint: 'layernormForward', constants: { WG },
    bindings: [out, mean, rstd, inp, weight, bias],
    uniform: { binding: 6, data: dims(N, C) },
    workgroups: [groups(N, WG)], // 512 for N = 32*1024 rows
  });
}

/** Where layernormBackward's input gradient goes; by default dinp += it. */
export interface LayernormDinp {
  /** dinp = base + gradient (base: (N, C), another buffer): a residual gradient without a copy first */
  base?: Binding;
  /** dinp = gradient (no clear first) */
  overwrite?: boolean;
}

/**
 * Backward of layernormForward: dinp += (or see LayernormDinp), dweight +=, dbias +=. Three
 * dispatches: dinp (a thread per row), per-chunk partial sums of dweight/dbias into scratch, then
 * a fixed-order sum over chunks.
 * @param dinp (N, C)
 * @param dweight (C)
 * @param dbias (C); may share a buffer with dweight (no overlap)
 * @param dout (N, C)
 * @param inp (N, C)
 * @param weight (C)
 * @param mean (N) from the forward
 * @param rstd (N) from the forward
 * @param scratch layernormScratchFloats(N, C) floats, its own buffer
 */
export function layernormBackward(
  p: Program, dinp: Binding, dweight: Binding, dbias: Binding, dout: Binding, inp: Binding, weight: Binding,
  mean: Binding, rstd: Binding, N: number, C: number, scratch: Binding, into: LayernormDinp = {},
): void {
  if (into.base && into.overwrite) throw new Error('layernormBackward: base and overwrite exclude each other');
  const uniform = { binding: 6, data: dims(N, C) };
  const constants = { WG, ROWS };
  p.dispatch({
    code, entryPoint: into.base ? 'layernormBackwardDinpFromBase' : 'layernormBackwardDinp',
    constants: into.base ? constants : { ...constants, OVERWRITE: +!!into.overwrite },
    bindings: [, mean, rstd, inp, weight, , , dinp, , , dout, , into.base], uniform,
    workgroups: [groups(N, WG)], // 512 for N = 32*1024 rows
  });
  p.dispatch({
    code, entryPoint: 'layernormBackwardPartial', constants,
    bindings: [, mean, rstd, inp, , , , , , , dout, scratch], uniform,
    workgroups: [groups(C, WG), Math.ceil(N / ROWS)], // y: 1024 for N = 32*1024 rows
  });
  p.dispatch({
    code, entryPoint: 'layernormBackwardReduce', constants,
    bindings: [, , , , , , , , dweight, dbias, , scratch], uniform,
    workgroups: [groups(2 * C, WG)],
  });
}
