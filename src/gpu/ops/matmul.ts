// matmul.ts (GPU): launchers for shaders/matmul.wgsl: a general matmul with fused epilogues, the
// llm.c-style wrappers matmulForward / matmulBackward (argument order as ref/matmul.ts), and the
// deterministic bias-gradient kernel. Semantics (= / +=) are documented on each function.
import common from '../../shaders/common.wgsl?raw';
import matmulWgsl from '../../shaders/matmul.wgsl?raw';
import { kernelsOf, matmulVariantOf, type MatmulVariant } from '../kernels.ts';
import { groups, type Binding, type Program } from '../program.ts';

const code = common + matmulWgsl;

export type { MatmulVariant };

export type MatmulEpilogue =
  | { kind: 'none' } // out = acc (+ bias[n]) (+ addend[m,n]); += with accumulate
  | { kind: 'gelu'; post: Binding } // out = acc (+ bias) (pre-activation), post[m,n] = gelu(out[m,n])
  | { kind: 'swiglu'; gate: Binding; post: Binding } // out = acc, post[m,n] = silu(gate[m,n]) * acc
  | { kind: 'geluBackward'; pre: Binding } // out = acc * geluGrad(pre[m,n])
  | { kind: 'swigluBackward'; gate: Binding; up: Binding; dUp: Binding };
// acc is dPost; out (= dGate) = acc * up[m,n] * siluGrad(gate[m,n]); dUp[m,n] = acc * silu(gate[m,n])

export interface MatmulSpec {
  /** (M, N), written (=), or += with `accumulate` */
  out: Binding;
  /** (M, K) row-major, or (K, M) with transA */
  a: Binding;
  /** (K, N) row-major, or (N, K) with transB */
  b: Binding;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  /** (N), added to acc; epilogue none or gelu only */
  bias?: Binding;
  /** (M, N), added to acc (residual connection); epilogue none only; not the buffer of out */
  addend?: Binding;
  /** out[m,n] += result instead of =; epilogue none only */
  accumulate?: boolean;
  /** default { kind: 'none' } */
  epilogue?: MatmulEpilogue;
  /** default: the device's choice for this shape (gpu/kernels.ts, set by the autotuner) */
  variant?: MatmulVariant;
}

const EPILOGUE_CODE = { none: 0, gelu: 1, swiglu: 2, geluBackward: 3, swigluBackward: 4 } as const;

// Kernels bind every tensor as array<vec4<f32>>, so a binding's size must be a multiple of 16
// bytes: take `floats` rounded up to 4, which must lie inside the buffer (true for buffers from
// createStorage and for tensors of the flat parameter buffer, whose offsets are multiples of 64
// floats). The padding is never read as data nor written.
function vec4Binding(b: Binding, floats: number, name: string): Binding {
  const offset = b.offset ?? 0;
  const bytes = floats * 4;
  const available = b.size ?? b.buffer.size - offset;
  if (available < bytes) throw new Error(`matmul: ${name} binding holds ${available} bytes, needs ${bytes}`);
  const size = Math.ceil(floats / 4) * 16;
  if (offset + size > b.buffer.size) {
    throw new Error(`matmul: ${name} needs ${size} bytes (rounded up to 16) from offset ${offset}, but its buffer has ${b.buffer.size}`);
  }
  return { buffer: b.buffer, offset, size };
}

// Placeholders for the bindings a pipeline declares but the chosen epilogue never touches
// (layout 'auto' lists every binding the entry point references, override branches included).
const placeholders = new WeakMap<GPUDevice, { read: GPUBuffer; write: GPUBuffer }>();

function placeholder(device: GPUDevice, kind: 'read' | 'write'): Binding {
  let p = placeholders.get(device);
  if (!p) {
    const make = (label: string) => device.createBuffer({ label, size: 16, usage: GPUBufferUsage.STORAGE });
    p = { read: make('matmul unused input'), write: make('matmul unused output') };
    placeholders.set(device, p);
  }
  return { buffer: p[kind], offset: 0, size: 16 };
}

/**
 * out (M, N) = A·B (+ bias) (+ addend), through the epilogue (see MatmulEpilogue); with
 * `accumulate` out += instead. A = a (M, K), or aᵀ for transA with a (K, M); B = b (K, N), or bᵀ
 * for transB with b (N, K). Each output is one fixed-order sum: results are deterministic.
 */
export function matmul(p: Program, spec: MatmulSpec): void {
  const { M, N, K, transA, transB } = spec;
  const epilogue = spec.epilogue ?? { kind: 'none' };
  const accumulate = spec.accumulate ?? false;
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`matmul: ${name} must be a positive integer, got ${v}`);
  }
  if (spec.bias && epilogue.kind !== 'none' && epilogue.kind !== 'gelu') throw new Error(`matmul: bias is not supported with epilogue ${epilogue.kind}`);
  if (spec.addend && epilogue.kind !== 'none') throw new Error(`matmul: addend is not supported with epilogue ${epilogue.kind}`);
  if (accumulate && epilogue.kind !== 'none') throw new Error(`matmul: accumulate is not supported with epilogue ${epilogue.kind}`);

  const MN = M * N;
  const out = vec4Binding(spec.out, MN, 'out');
  const reads: [string, Binding][] = [['a', vec4Binding(spec.a, M * K, 'a')], ['b', vec4Binding(spec.b, K * N, 'b')]];
  let bias: Binding | undefined;
  let aux: Binding | undefined;
  let up: Binding | undefined;
  let post: Binding | undefined;
  if (spec.bias) reads.push(['bias', (bias = vec4Binding(spec.bias, N, 'bias'))]);
  if (spec.addend) reads.push(['addend', (aux = vec4Binding(spec.addend, MN, 'addend'))]);
  switch (epilogue.kind) {
    case 'none':
      break;
    case 'gelu':
      post = vec4Binding(epilogue.post, MN, 'post');
      break;
    case 'swiglu':
      reads.push(['gate', (aux = vec4Binding(epilogue.gate, MN, 'gate'))]);
      post = vec4Binding(epilogue.post, MN, 'post');
      break;
    case 'geluBackward':
      reads.push(['pre', (aux = vec4Binding(epilogue.pre, MN, 'pre'))]);
      break;
    case 'swigluBackward':
      reads.push(['gate', (aux = vec4Binding(epilogue.gate, MN, 'gate'))]);
      reads.push(['up', (up = vec4Binding(epilogue.up, MN, 'up'))]);
      post = vec4Binding(epilogue.dUp, MN, 'dUp');
      break;
  }
  // WebGPU forbids one buffer bound both read-only and writable in a dispatch.
  for (const [name, written] of [['out', out], ['post', post]] as const) {
    if (!written) continue;
    for (const [r, binding] of reads) {
      if (binding.buffer === written.buffer) throw new Error(`matmul: ${name} and ${r} must be different buffers`);
    }
  }
  if (post && post.buffer === out.buffer) throw new Error('matmul: out and the epilogue output must be different buffers');

  const constants: Record<string, number> = {
    M, N, K,
    TRANS_A: +transA, TRANS_B: +transB,
    // the contiguous dimension of each tensor, a multiple of 4: vec4 loads and stores
    VEC_A: +((transA ? M : K) % 4 === 0),
    VEC_B: +((transB ? K : N) % 4 === 0),
    VEC_OUT: +(N % 4 === 0),
    EPILOGUE: EPILOGUE_CODE[epilogue.kind],
    HAS_BIAS: +!!bias, HAS_ADDEND: +!!spec.addend, ACCUMULATE: +accumulate,
  };
  const bindings = [
    out, reads[0][1], reads[1][1],
    bias ?? placeholder(p.device, 'read'),
    aux ?? placeholder(p.device, 'read'),
    up ?? placeholder(p.device, 'read'),
    post ?? placeholder(p.device, 'write'),
  ];
  const variant = spec.variant ?? matmulVariantOf(p.device, spec);
  if (variant === 'workgroup') {
    p.dispatch({ code, entryPoint: 'matmulTiled', constants, bindings, workgroups: [groups(N, 64), groups(M, 64)] });
    return;
  }
  const [wgx, wgy] = registerWorkgroup(M, N);
  p.dispatch({
    code, entryPoint: 'matmulRegisters', constants: { ...constants, WGX: wgx, WGY: wgy }, bindings,
    workgroups: [groups(N, 8 * wgx), groups(M, 16 * wgy)],
  });
}

// Threads of 16x8 outputs; the workgroup shape that wastes the least work at the edges (threads
// past the edge still run: N = 97 in 4x4 workgroups, 32 columns each, computes 128 columns; in
// 1x16 ones, 104) among those that leave at least 8 workgroups, since SwiftShader spreads work
// across workgroups only (docs/architecture.md §5). Ties go to the larger workgroup, listed first.
const REGISTER_WORKGROUPS = [
  [4, 4], [2, 8], [8, 2], [1, 16], [16, 1],
  [2, 4], [4, 2], [1, 8], [8, 1],
  [2, 2], [1, 4], [4, 1],
  [1, 2], [2, 1], [1, 1],
] as const;

function registerWorkgroup(M: number, N: number): [number, number] {
  let best: [number, number] = [1, 1];
  let bestArea = Infinity;
  for (const [x, y] of REGISTER_WORKGROUPS) {
    const gx = groups(N, 8 * x);
    const gy = groups(M, 16 * y);
    const area = gx * 8 * x * gy * 16 * y;
    if (gx * gy >= 8 && area < bestArea) [best, bestArea] = [[x, y], area];
  }
  return best;
}

/**
 * dbias (N) += column sums of dout (M, N): one fixed-order sum per column (no atomics).
 * Spelled as in llm.c, where dout is (rows, OC): call with M = rows, N = OC.
 * `variant` picks the kernel: per-column loops (registers) or a workgroup tree; by default the
 * device's row-reduction choice (gpu/kernels.ts: a thread per row means per-column loops).
 */
export function matmulBackwardBias(p: Program, dbias: Binding, dout: Binding, M: number, N: number, variant?: MatmulVariant): void {
  const bindings = [, , , , , , , vec4Binding(dbias, N, 'dbias'), vec4Binding(dout, M * N, 'dout')];
  const constants = { M, N, VEC_OUT: +(N % 4 === 0) };
  if ((variant ?? (kernelsOf(p.device).rows === 'thread' ? 'registers' : 'workgroup')) === 'workgroup') {
    p.dispatch({ code, entryPoint: 'matmulBackwardBiasTree', constants, bindings, workgroups: [groups(N, 4)] });
    return;
  }
  // 4 threads (one SwiftShader SIMD group) per workgroup, each 4 columns
  p.dispatch({ code, entryPoint: 'matmulBackwardBiasColumns', constants: { ...constants, WGX: 4 }, bindings, workgroups: [groups(N, 16)] });
}

/** Optional fused epilogues of matmulForward; at most one. */
export interface MatmulForwardFuse {
  /** (N, OC): out = inp·Wᵀ + bias + addend (residual connection) */
  addend?: Binding;
  /** (N, OC): post = gelu(out); out keeps the pre-activation */
  gelu?: Binding;
  /** SwiGLU: post (N, OC) = silu(gate) * out, gate (N, OC) the gate branch's output; no bias */
  swiglu?: { gate: Binding; post: Binding };
}

/**
 * out (N, OC) = inp (N, C) · weight (OC, C)ᵀ + bias (OC), overwritten; see MatmulForwardFuse.
 * (llm.c names: N = B*T rows, C input channels, OC output channels.)
 */
export function matmulForward(
  p: Program, out: Binding, inp: Binding, weight: Binding, bias: Binding | undefined,
  N: number, C: number, OC: number, fuse: MatmulForwardFuse = {},
): void {
  if (+!!fuse.addend + +!!fuse.gelu + +!!fuse.swiglu > 1) throw new Error('matmulForward: fuse at most one of addend, gelu, swiglu');
  const epilogue: MatmulEpilogue = fuse.gelu
    ? { kind: 'gelu', post: fuse.gelu }
    : fuse.swiglu ? { kind: 'swiglu', gate: fuse.swiglu.gate, post: fuse.swiglu.post } : { kind: 'none' };
  matmul(p, { out, a: inp, b: weight, M: N, N: OC, K: C, transA: false, transB: true, bias, addend: fuse.addend, epilogue });
}

/** Options of matmulBackward's dinp pass; geluPre and swiglu exclude each other and accumulateDinp. */
export interface MatmulBackwardOptions {
  /** dinp += instead of = (a residual-stream gradient) */
  accumulateDinp?: boolean;
  /** (N, C): the forward input was gelu(pre); dinp receives d pre = (dout·W) * geluGrad(pre) */
  geluPre?: Binding;
  /**
   * The forward input was post = silu(gate) * up, all (N, C): dinp receives d gate =
   * (dout·W) * up * siluGrad(gate), and dUp = (dout·W) * silu(gate) is written.
   */
  swiglu?: { gate: Binding; up: Binding; dUp: Binding };
}

/**
 * Backward of matmulForward. dinp (N, C) = dout·weight (or += with accumulateDinp, or through the
 * GELU/SwiGLU backward); dweight (OC, C) += doutᵀ·inp; dbias (OC) += column sums of dout.
 * @param dout (N, OC)
 * @param inp (N, C)
 * @param weight (OC, C)
 */
export function matmulBackward(
  p: Program, dinp: Binding, dweight: Binding, dbias: Binding | undefined, dout: Binding, inp: Binding, weight: Binding,
  N: number, C: number, OC: number, opts: MatmulBackwardOptions = {},
): void {
  if (opts.geluPre && opts.swiglu) throw new Error('matmulBackward: geluPre and swiglu exclude each other');
  const epilogue: MatmulEpilogue = opts.geluPre
    ? { kind: 'geluBackward', pre: opts.geluPre }
    : opts.swiglu ? { kind: 'swigluBackward', ...opts.swiglu } : { kind: 'none' };
  matmul(p, { out: dinp, a: dout, b: weight, M: N, N: C, K: OC, transA: false, transB: false, accumulate: opts.accumulateDinp, epilogue });
  matmul(p, { out: dweight, a: dout, b: inp, M: OC, N: C, K: N, transA: true, transB: false, accumulate: true });
  if (dbias) matmulBackwardBias(p, dbias, dout, N, OC);
}
