import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from './attention.ts';
import * as ref from '../../ref/attention.ts';
import { Program } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose, type Tolerance } from '../../test/compare.ts';

/** Entries s <= t of each (B*NH*T, T) row (above the diagonal the GPU scratch is unspecified). */
function lowerTriangle(a: ArrayLike<number>, rows: number, T: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let s = 0; s <= r % T; s++) out.push(a[r * T + s]);
  return out;
}

async function gpuAttention(device: GPUDevice, B: number, T: number, C: number, NH: number, inp: Float32Array, dout: Float32Array) {
  const g = {
    out: createStorage(device, B * T * C), att: uploadStorage(device, new Float32Array(B * NH * T * T).fill(7)),
    inp: uploadStorage(device, inp), dout: uploadStorage(device, dout),
    // = semantics: start from garbage
    dinp: uploadStorage(device, new Float32Array(B * T * 3 * C).fill(7)),
    dpreatt: createStorage(device, B * NH * T * T), datt: createStorage(device, B * NH * T * T),
  };
  const p = new Program(device);
  attentionForward(p, { buffer: g.out }, { buffer: g.att }, { buffer: g.inp }, B, T, C, NH);
  attentionBackward(p, { buffer: g.dinp }, { buffer: g.dpreatt }, { buffer: g.datt }, { buffer: g.dout }, { buffer: g.inp }, { buffer: g.att }, B, T, C, NH);
  p.run();
  const [out, att, dinp, dpreatt, datt] = await Promise.all([
    readFloats(device, g.out, B * T * C), readFloats(device, g.att, B * NH * T * T), readFloats(device, g.dinp, B * T * 3 * C),
    readFloats(device, g.dpreatt, B * NH * T * T), readFloats(device, g.datt, B * NH * T * T),
  ]);
  for (const b of Object.values(g)) b.destroy();
  return { out, att, dinp, dpreatt, datt };
}

describe('GPU attention', () => {
  // [B, T, NH, hs]: T and hs not multiples of the 8x8 tiles (and some that are), one or several
  // heads, and the longest context (T = 1024)
  const shapes = [[2, 7, 3, 3], [1, 1, 1, 1], [2, 33, 2, 16], [3, 33, 1, 8], [2, 17, 3, 1], [1, 65, 2, 8], [2, 64, 4, 16], [1, 1024, 2, 4]];
  for (const [B, T, NH, hs] of shapes) {
    const C = NH * hs;
    it(`forward and backward match the reference, B=${B} T=${T} NH=${NH} hs=${hs}`, async () => {
      const device = await testDevice();
      const rng = new Rng(((B * 100 + T) * 10 + NH) * 100 + hs, 'attention');
      const inp = toF32(randomArray(rng, B * T * 3 * C));
      const dout = toF32(randomArray(rng, B * T * C));
      const gpu = await gpuAttention(device, B, T, C, NH, inp, dout);

      const out = new Float64Array(B * T * C);
      const preatt = new Float64Array(B * NH * T * T);
      const att = new Float64Array(B * NH * T * T);
      ref.attentionForward(out, preatt, att, toF64(inp), B, T, C, NH);
      const dinp = new Float64Array(B * T * 3 * C);
      const dpreatt = new Float64Array(B * NH * T * T);
      const datt = new Float64Array(B * NH * T * T);
      ref.attentionBackward(dinp, dpreatt, datt, toF64(dout), toF64(inp), att, B, T, C, NH);

      // f32 dot products and sums of up to T terms of O(1) values
      const fwd: Tolerance = { atol: 1e-5, rtol: 1e-5 };
      const bwd: Tolerance = { atol: 2e-5, rtol: 1e-4 };
      expectClose(gpu.out, out, fwd, 'out');
      expectClose(gpu.att, att, fwd, 'att (zero above the diagonal)');
      expectClose(gpu.dinp, dinp, bwd, 'dinp');
      const rows = B * NH * T;
      expectClose(lowerTriangle(gpu.datt, rows, T), lowerTriangle(datt, rows, T), bwd, 'datt');
      expectClose(lowerTriangle(gpu.dpreatt, rows, T), lowerTriangle(dpreatt, rows, T), bwd, 'dpreatt');
    });
  }

  it('backward reads att only at s <= t and needs no cleared scratch (NaN elsewhere)', async () => {
    const device = await testDevice();
    const [B, T, NH, hs] = [2, 13, 2, 5];
    const C = NH * hs;
    const rng = new Rng(13, 'attention');
    const inp = toF32(randomArray(rng, B * T * 3 * C));
    const dout = toF32(randomArray(rng, B * T * C));
    const out = new Float64Array(B * T * C);
    const att64 = new Float64Array(B * NH * T * T);
    ref.attentionForward(out, new Float64Array(B * NH * T * T), att64, toF64(inp), B, T, C, NH);
    const att = toF32(att64);
    const attNaN = att.map((a, i) => ((i % T) > Math.floor(i / T) % T ? NaN : a));
    const nan = (n: number) => uploadStorage(device, new Float32Array(n).fill(NaN));
    const g = { dinp: nan(B * T * 3 * C), dpreatt: nan(B * NH * T * T), datt: nan(B * NH * T * T), inp: uploadStorage(device, inp), dout: uploadStorage(device, dout), att: uploadStorage(device, attNaN) };
    const p = new Program(device);
    attentionBackward(p, { buffer: g.dinp }, { buffer: g.dpreatt }, { buffer: g.datt }, { buffer: g.dout }, { buffer: g.inp }, { buffer: g.att }, B, T, C, NH);
    p.run();
    const dinp = new Float64Array(B * T * 3 * C);
    ref.attentionBackward(dinp, new Float64Array(B * NH * T * T), new Float64Array(B * NH * T * T), toF64(dout), toF64(inp), toF64(att), B, T, C, NH);
    expectClose(await readFloats(device, g.dinp, B * T * 3 * C), dinp, { atol: 2e-5, rtol: 1e-4 }, 'dinp');
  });

  it('is deterministic: two runs give bit-identical outputs', async () => {
    const device = await testDevice();
    const [B, T, NH, hs] = [4, 37, 2, 8];
    const C = NH * hs;
    const rng = new Rng(9, 'attention');
    const inp = toF32(randomArray(rng, B * T * 3 * C));
    const dout = toF32(randomArray(rng, B * T * C));
    const first = await gpuAttention(device, B, T, C, NH, inp, dout);
    const second = await gpuAttention(device, B, T, C, NH, inp, dout);
    expect(second.out).toEqual(first.out);
    expect(second.att).toEqual(first.att);
    expect(second.dinp).toEqual(first.dinp);
  });
});
