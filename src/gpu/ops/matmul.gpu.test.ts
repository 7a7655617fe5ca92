import { describe, expect, it } from 'vitest';
import { matmul, matmulBackward, matmulBackwardBias, matmulForward, type MatmulEpilogue, type MatmulVariant } from './matmul.ts';
import * as ref from '../../ref/matmul.ts';
import { Program, type Binding } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose, type Tolerance } from '../../test/compare.ts';

// float32 sums of K products of N(0,1) values: rounding error grows ~ sqrt(K) * |out| * 2^-24,
// ~1e-6 here; the bound allows ~10x that.
const tol = (K: number): Tolerance => ({ atol: 2e-6 * Math.sqrt(K), rtol: 1e-5 });

// none: out = acc; accumulate: out += acc + bias + addend; gelu: with bias; the others plain.
type Config = 'none' | 'accumulate' | 'gelu' | 'swiglu' | 'geluBackward' | 'swigluBackward';
const CONFIGS: Config[] = ['none', 'accumulate', 'gelu', 'swiglu', 'geluBackward', 'swigluBackward'];
// [M, N, K]: unaligned (every dimension odd), aligned (multiples of 4, not of the tiles), mixed
// (the logits shape: N = V odd), each spanning several workgroups and a partial k step; then
// degenerate sizes (a single row, column, k).
const SHAPES: [number, number, number][] = [[97, 33, 17], [68, 36, 20], [65, 97, 64], [1, 3, 1], [3, 1, 65]];
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

interface Case {
  name: string;
  M: number; N: number; K: number;
  /** GPU outputs to read back, with the expected values */
  outputs: { label: string; buffer: GPUBuffer; expected: Float64Array }[];
}

/** Records one matmul on random inputs and computes its reference; outputs start non-zero. */
function recordCase(device: GPUDevice, p: Program, rng: Rng, variant: MatmulVariant, transA: boolean, transB: boolean, config: Config, [M, N, K]: [number, number, number]): Case {
  const f32 = (n: number, scale = 1) => toF32(randomArray(rng, n, scale));
  // acc ~ N(0, 1), as activations are (common.wgsl's gelu is NaN beyond |u| ~ 10 on SwiftShader)
  const a = f32(M * K);
  const b = f32(K * N, 1 / Math.sqrt(K));
  const out0 = f32(M * N);
  const up = (x: Float32Array) => ({ buffer: uploadStorage(device, x) });
  const outB = up(out0);
  const outRef = toF64(out0);
  const outputs: Case['outputs'] = [{ label: 'out', buffer: outB.buffer, expected: outRef }];
  const refSpec: ref.MatmulSpec = { out: outRef, a: toF64(a), b: toF64(b), M, N, K, transA, transB };
  let bias: Binding | undefined;
  let addend: Binding | undefined;
  let epilogue: MatmulEpilogue = { kind: 'none' };
  const extra = (label: string) => {
    const x0 = f32(M * N);
    const e = toF64(x0);
    const binding = up(x0);
    outputs.push({ label, buffer: binding.buffer, expected: e });
    return { binding, e };
  };
  if (config === 'accumulate' || config === 'gelu') {
    const x = f32(N);
    bias = up(x);
    refSpec.bias = toF64(x);
  }
  if (config === 'accumulate') {
    const x = f32(M * N);
    addend = up(x);
    refSpec.addend = toF64(x);
  }
  if (config === 'gelu') {
    const post = extra('post');
    epilogue = { kind: 'gelu', post: post.binding };
    refSpec.epilogue = { kind: 'gelu', post: post.e };
  }
  if (config === 'swiglu') {
    const gate = f32(M * N);
    const post = extra('post');
    epilogue = { kind: 'swiglu', gate: up(gate), post: post.binding };
    refSpec.epilogue = { kind: 'swiglu', gate: toF64(gate), post: post.e };
  }
  if (config === 'geluBackward') {
    const pre = f32(M * N);
    epilogue = { kind: 'geluBackward', pre: up(pre) };
    refSpec.epilogue = { kind: 'geluBackward', pre: toF64(pre) };
  }
  if (config === 'swigluBackward') {
    const gate = f32(M * N);
    const upIn = f32(M * N);
    const dUp = extra('dUp');
    epilogue = { kind: 'swigluBackward', gate: up(gate), up: up(upIn), dUp: dUp.binding };
    refSpec.epilogue = { kind: 'swigluBackward', gate: toF64(gate), up: toF64(upIn), dUp: dUp.e };
  }
  const accumulate = config === 'accumulate';
  refSpec.accumulate = accumulate;
  matmul(p, { out: outB, a: up(a), b: up(b), M, N, K, transA, transB, bias, addend, accumulate, epilogue, variant });
  ref.matmul(refSpec);
  return { name: `${config} M=${M} N=${N} K=${K}`, M, N, K, outputs };
}

async function check(device: GPUDevice, cases: Case[]): Promise<void> {
  for (const c of cases) {
    for (const o of c.outputs) {
      expectClose(await readFloats(device, o.buffer, c.M * c.N), o.expected, tol(c.K), `${c.name}: ${o.label}`);
    }
  }
}

describe('GPU matmul', () => {
  // Every pipeline costs ~0.25-0.4 s of SwiftShader compile time (CPU), so: the register kernel
  // (the one that runs here) gets every epilogue config on every transposition, over all shapes;
  // the tiled kernel, whose epilogue is the same storeRow, gets every transposition on the three
  // main shapes and every config twice.
  TRANS.forEach(([transA, transB], t) => {
    it(`registers transA=${transA} transB=${transB}: every epilogue matches the reference`, async () => {
      const device = await testDevice();
      const rng = new Rng(100 + t, 'registers');
      const p = new Program(device);
      const cases = CONFIGS.map((config, c) => recordCase(device, p, rng, 'registers', transA, transB, config, SHAPES[(t + c) % SHAPES.length]));
      p.run();
      await check(device, cases);
    });
  });
  TRANS.forEach(([transA, transB], t) => {
    it(`workgroup transA=${transA} transB=${transB}: matches the reference`, async () => {
      const device = await testDevice();
      const rng = new Rng(200 + t, 'workgroup');
      const p = new Program(device);
      const cases = SHAPES.slice(0, 3).map((shape, j) => recordCase(device, p, rng, 'workgroup', transA, transB, CONFIGS[(3 * t + j) % CONFIGS.length], shape));
      p.run();
      await check(device, cases);
    });
  });

  it('gives bit-identical results when run twice', async () => {
    const device = await testDevice();
    const [M, N, K] = SHAPES[0]; // NN, epilogue none: pipelines the tests above compiled
    for (const variant of ['registers', 'workgroup'] as const) {
      const rng = new Rng(7, 'determinism');
      const a = uploadStorage(device, toF32(randomArray(rng, M * K)));
      const b = uploadStorage(device, toF32(randomArray(rng, K * N)));
      const results: Float32Array[] = [];
      for (let run = 0; run < 2; run++) {
        const out = createStorage(device, M * N);
        const p = new Program(device);
        matmul(p, { out: { buffer: out }, a: { buffer: a }, b: { buffer: b }, M, N, K, transA: false, transB: false, variant });
        p.run();
        results.push(await readFloats(device, out, M * N));
      }
      expect(Buffer.from(results[1].buffer).equals(Buffer.from(results[0].buffer)), variant).toBe(true);
    }
  });

  it('matmulBackwardBias sums columns (+=) for awkward shapes, both kernels', async () => {
    const device = await testDevice();
    const rng = new Rng(8, 'bias');
    const p = new Program(device);
    const cases: { label: string; buffer: GPUBuffer; expected: Float64Array; N: number; M: number }[] = [];
    for (const variant of ['registers', 'workgroup'] as const) {
      for (const [M, N] of [[1, 1], [3, 17], [65, 3], [130, 64], [97, 97]]) {
        const dout = toF32(randomArray(rng, M * N));
        const dbias0 = toF32(randomArray(rng, N));
        const dbias = uploadStorage(device, dbias0);
        matmulBackwardBias(p, { buffer: dbias }, { buffer: uploadStorage(device, dout) }, M, N, variant);
        const expected = toF64(dbias0);
        ref.matmulBackwardBias(expected, toF64(dout), M, N);
        cases.push({ label: `${variant} M=${M} N=${N}`, buffer: dbias, expected, N, M });
      }
    }
    p.run();
    for (const c of cases) expectClose(await readFloats(device, c.buffer, c.N), c.expected, tol(c.M), c.label);
  });

  it('matmulForward / matmulBackward (llm.c wrappers) match the reference on flat parameter buffers', async () => {
    const device = await testDevice();
    const rng = new Rng(9, 'wrappers');
    const [N, C, OC] = [37, 13, 19];
    const f32 = (n: number) => toF32(randomArray(rng, n));
    const [inp, weight, bias, dout, pre] = [f32(N * C), f32(OC * C), f32(OC), f32(N * OC), f32(N * C)];
    const [dweight0, dbias0, dinp0] = [f32(OC * C), f32(OC), f32(N * C)];
    // tensors at multiples of 64 floats (256 bytes) with odd sizes, as in the parameter layout
    const biasOffset = Math.ceil((OC * C) / 64) * 64;
    const flat = (w: Float32Array, b: Float32Array) => {
      const x = new Float32Array(biasOffset + b.length);
      x.set(w);
      x.set(b, biasOffset);
      return uploadStorage(device, x);
    };
    const params = flat(weight, bias);
    const grads = flat(dweight0, dbias0);
    const wSlot: Binding = { buffer: params, offset: 0, size: OC * C * 4 };
    const bSlot: Binding = { buffer: params, offset: biasOffset * 4, size: OC * 4 };
    const g = {
      inp: uploadStorage(device, inp), dout: uploadStorage(device, dout), pre: uploadStorage(device, pre),
      out: createStorage(device, N * OC), out2: createStorage(device, N * OC), post2: createStorage(device, N * OC),
      dinp: uploadStorage(device, dinp0), dinp2: uploadStorage(device, dinp0), dweight2: createStorage(device, OC * C),
    };
    const p = new Program(device);
    matmulForward(p, { buffer: g.out }, { buffer: g.inp }, wSlot, bSlot, N, C, OC);
    matmulForward(p, { buffer: g.out2 }, { buffer: g.inp }, wSlot, bSlot, N, C, OC, { gelu: { buffer: g.post2 } });
    matmulBackward(p, { buffer: g.dinp }, { buffer: grads, offset: 0, size: OC * C * 4 }, { buffer: grads, offset: biasOffset * 4, size: OC * 4 },
      { buffer: g.dout }, { buffer: g.inp }, wSlot, N, C, OC, { accumulateDinp: true });
    matmulBackward(p, { buffer: g.dinp2 }, { buffer: g.dweight2 }, undefined, { buffer: g.dout }, { buffer: g.inp }, wSlot, N, C, OC, { geluPre: { buffer: g.pre } });
    p.run();

    const out = new Float64Array(N * OC);
    ref.matmulForward(out, toF64(inp), toF64(weight), toF64(bias), N, C, OC);
    const dinp = toF64(dinp0); // accumulateDinp: +=, like the reference
    const dweight = toF64(dweight0);
    const dbias = toF64(dbias0);
    ref.matmulBackward(dinp, dweight, dbias, toF64(dout), toF64(inp), toF64(weight), N, C, OC);
    const dinp2 = new Float64Array(N * C); // default: dinp =, so the reference starts from zeros
    const dweight2 = new Float64Array(OC * C);
    ref.matmulBackward(dinp2, dweight2, null, toF64(dout), toF64(inp), toF64(weight), N, C, OC);
    for (let i = 0; i < N * C; i++) dinp2[i] *= ref.geluGrad(pre[i]);
    expectClose(await readFloats(device, g.out, N * OC), out, tol(C), 'out');
    expectClose(await readFloats(device, g.out2, N * OC), out, tol(C), 'out (gelu fused)');
    expectClose(await readFloats(device, g.post2, N * OC), out.map(ref.gelu), tol(C), 'post = gelu(out)');
    expectClose(await readFloats(device, g.dinp, N * C), dinp, tol(OC), 'dinp +=');
    expectClose(await readFloats(device, { buffer: grads, offset: 0 }, OC * C), dweight, tol(N), 'dweight +=');
    expectClose(await readFloats(device, { buffer: grads, offset: biasOffset * 4 }, OC), dbias, tol(N), 'dbias +=');
    expectClose(await readFloats(device, g.dinp2, N * C), dinp2, tol(OC), 'dinp = (geluPre)');
    expectClose(await readFloats(device, g.dweight2, OC * C), dweight2, tol(N), 'dweight from zero');
  });
});
