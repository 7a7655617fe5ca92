// reduce.ts (GPU): launchers for shaders/reduce.wgsl (meanReduce, addInPlace), and the workgroup
// helpers the loss kernels share. No CPU reference file: meanReduce is a sum, addInPlace an add;
// their tests compare against plain loops.
import common from '../../shaders/common.wgsl?raw';
import reduce from '../../shaders/reduce.wgsl?raw';
import { kernelsOf, type RowVariant } from '../kernels.ts';
import { grid, groups, type Binding, type Program } from '../program.ts';

const code = common + reduce;
const ADD_WG = 256;

function dims(n: number, outIndex: number, scale: number): ArrayBuffer {
  const data = new ArrayBuffer(12);
  new Uint32Array(data, 0, 2).set([n, outIndex]);
  new Float32Array(data, 8, 1)[0] = scale;
  return data;
}

/**
 * How a row kernel (one reduction per row of `n` elements) splits its work: TPR threads per row
 * (a power of two) and WG threads per workgroup (WG / TPR rows).
 */
export interface RowLayout {
  WG: number;
  TPR: number;
}

/**
 * The row layout for `device`'s row choice (gpu/kernels.ts): "thread" is one thread per row, 16
 * rows per workgroup (no workgroup memory, no barrier: on SwiftShader, where a barrier costs ~10x
 * a row's arithmetic, 10-20x faster on the lab's shapes); "workgroup" one workgroup per row with a
 * power of two in [32, 256] threads, about n/4 (each walks ~4 elements, then a tree).
 * Outputs differ in the last bits between layouts; one device keeps one choice.
 */
export function rowLayout(device: GPUDevice, n: number): RowLayout {
  return rowLayoutFor(kernelsOf(device).rows, n);
}

/** The row layout of a row variant (see rowLayout) for rows of `n` elements. */
export function rowLayoutFor(variant: RowVariant, n: number): RowLayout {
  if (variant === 'thread') return { WG: 16, TPR: 1 };
  let wg = 32;
  while (wg < 256 && wg * 4 < n) wg *= 2;
  return { WG: wg, TPR: wg };
}

/** Workgroups for `rows` rows under `layout`, on a 2-D grid (program.ts grid()). */
export function rowGrid(rows: number, layout: RowLayout): [number, number] {
  return grid(Math.ceil(rows / (layout.WG / layout.TPR)));
}

/** The byte range [offset, offset + bytes) of a binding. */
function slice(b: Binding, bytes: number): Binding {
  return { buffer: b.buffer, offset: b.offset ?? 0, size: bytes };
}

/**
 * Threads of meanReduce's one workgroup: 256, or 64 where rows are reduced a thread per row (on
 * SwiftShader, n = 2048: ~0.9 ms with 256 threads, ~0.3 ms with 64; barriers dominate). The order
 * of the sum, hence its last bits, follows from this number.
 */
export function meanReduceWorkgroup(device: GPUDevice): number {
  return kernelsOf(device).rows === 'thread' ? 64 : 256;
}

/**
 * out[outIndex] = scale * sum(inp[0..n)) (=), a fixed-order reduction in one workgroup: thread i
 * adds inp[i], inp[i + WG], ... in turn, then a binary tree (WG = meanReduceWorkgroup(device)).
 * @param out scalars (> outIndex); other elements are left as they are
 * @param inp (n)
 */
export function meanReduce(p: Program, out: Binding, inp: Binding, n: number, scale: number, outIndex: number): void {
  p.dispatch({
    code, entryPoint: 'meanReduce', constants: { WG: meanReduceWorkgroup(p.device) },
    bindings: [out, n > 0 ? slice(inp, n * 4) : inp],
    uniform: { binding: 2, data: dims(n, outIndex, scale) },
    workgroups: [1],
  });
}

/**
 * out += inp, elementwise over n elements (vec4 for the first floor(n/4)). out and inp must be
 * different buffers.
 * @param out (n)
 * @param inp (n)
 */
export function addInPlace(p: Program, out: Binding, inp: Binding, n: number): void {
  if (out.buffer === inp.buffer) throw new Error('addInPlace: out and inp must be different buffers');
  const n4 = Math.floor(n / 4);
  const uniform = { binding: 2, data: dims(n, 0, 1) };
  if (n4 > 0) {
    p.dispatch({
      code, entryPoint: 'addInPlace4', constants: { WG: ADD_WG },
      bindings: [, , , slice(out, n4 * 16), slice(inp, n4 * 16)], uniform,
      workgroups: grid(groups(n4, ADD_WG)),
    });
  }
  if (n % 4 !== 0) {
    p.dispatch({
      code, entryPoint: 'addInPlaceTail', constants: { WG: 4 },
      bindings: [slice(out, n * 4), slice(inp, n * 4)], uniform,
      workgroups: [1],
    });
  }
}
