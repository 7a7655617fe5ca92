import { describe, expect, it } from 'vitest';
import { layernormBackward, layernormForward, layernormScratchFloats } from './layernorm.ts';
import * as ref from '../../ref/layernorm.ts';
import { Program } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';

// N = 57 and 130 give partial row chunks (32 rows) in the dweight/dbias reduction; C = 1001 and
// 13 are not multiples of the workgroup size.
describe('GPU layernorm', () => {
  for (const [N, C] of [[57, 1001], [1, 13], [130, 3], [97, 64]]) {
    it(`forward and backward match the reference, N=${N} C=${C}`, async () => {
      const device = await testDevice();
      const rng = new Rng(N * 10000 + C, 'layernorm');
      const inp = toF32(randomArray(rng, N * C, 2).map((x, i) => x + (i % 5) - 1)); // non-zero row means
      const weight = toF32(randomArray(rng, C));
      const bias = toF32(randomArray(rng, C));
      const dout = toF32(randomArray(rng, N * C));
      // grads accumulate: start non-zero; dweight and dbias share one buffer as in the engine
      const dinp0 = toF32(randomArray(rng, N * C));
      const dweight0 = toF32(randomArray(rng, C));
      const dbias0 = toF32(randomArray(rng, C));
      const dOff = Math.ceil(C / 64) * 64; // dbias at a 256-byte offset
      const dparams = new Float32Array(2 * dOff);
      dparams.set(dweight0, 0);
      dparams.set(dbias0, dOff);

      const g = {
        out: createStorage(device, N * C), mean: createStorage(device, N), rstd: createStorage(device, N),
        inp: uploadStorage(device, inp), weight: uploadStorage(device, weight), bias: uploadStorage(device, bias),
        dout: uploadStorage(device, dout), dinp: uploadStorage(device, dinp0), dparams: uploadStorage(device, dparams),
        scratch: createStorage(device, layernormScratchFloats(N, C)),
      };
      const dweightB = { buffer: g.dparams, offset: 0, size: C * 4 };
      const dbiasB = { buffer: g.dparams, offset: dOff * 4, size: C * 4 };
      const p = new Program(device);
      layernormForward(p, { buffer: g.out }, { buffer: g.mean }, { buffer: g.rstd }, { buffer: g.inp }, { buffer: g.weight }, { buffer: g.bias }, N, C);
      layernormBackward(
        p, { buffer: g.dinp }, dweightB, dbiasB, { buffer: g.dout }, { buffer: g.inp }, { buffer: g.weight },
        { buffer: g.mean }, { buffer: g.rstd }, N, C, { buffer: g.scratch },
      );
      p.run();

      const out = new Float64Array(N * C);
      const mean = new Float64Array(N);
      const rstd = new Float64Array(N);
      ref.layernormForward(out, mean, rstd, toF64(inp), toF64(weight), toF64(bias), N, C);
      const dinp = toF64(dinp0);
      const dweight = toF64(dweight0);
      const dbias = toF64(dbias0);
      ref.layernormBackward(dinp, dweight, dbias, toF64(dout), toF64(inp), toF64(weight), mean, rstd, N, C);

      // f32 sums over up to 1001 values (the row mean) or N rows; outputs are O(1), so atol
      // is a relative error too. Measured worst: ~1.3e-6 (out, C = 1001).
      const fwd = { atol: 1e-5, rtol: 1e-5 };
      const bwd = { atol: 2e-5, rtol: 2e-5 };
      expectClose(await readFloats(device, g.out, N * C), out, fwd, 'out');
      expectClose(await readFloats(device, g.mean, N), mean, fwd, 'mean');
      expectClose(await readFloats(device, g.rstd, N), rstd, fwd, 'rstd');
      expectClose(await readFloats(device, g.dinp, N * C), dinp, bwd, 'dinp');
      expectClose(await readFloats(device, dweightB, C), dweight, bwd, 'dweight');
      expectClose(await readFloats(device, dbiasB, C), dbias, bwd, 'dbias');
    });
  }

  it('writes dinp = base + gradient, or = gradient, bit-identical to a copy or a clear followed by +=', async () => {
    const device = await testDevice();
    const [N, C] = [37, 13];
    const rng = new Rng(9, 'layernorm dinp modes');
    const up = (n: number, scale = 1) => uploadStorage(device, toF32(randomArray(rng, n, scale)));
    const [inp, weight, bias, dout, base] = [up(N * C), up(C), up(C), up(N * C), up(N * C)];
    const dinpAfter = async (dinp: GPUBuffer, into: Parameters<typeof layernormBackward>[12]) => {
      const [out, mean, rstd, dparams] = [createStorage(device, N * C), createStorage(device, N), createStorage(device, N), createStorage(device, 2 * C + 64)];
      const p = new Program(device);
      layernormForward(p, { buffer: out }, { buffer: mean }, { buffer: rstd }, { buffer: inp }, { buffer: weight }, { buffer: bias }, N, C);
      layernormBackward(
        p, { buffer: dinp }, { buffer: dparams, offset: 0, size: C * 4 }, { buffer: dparams, offset: 256, size: C * 4 }, { buffer: dout }, { buffer: inp },
        { buffer: weight }, { buffer: mean }, { buffer: rstd }, N, C, { buffer: createStorage(device, layernormScratchFloats(N, C)) }, into,
      );
      p.run();
      return readFloats(device, dinp, N * C);
    };
    const copied = createStorage(device, N * C);
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(base, 0, copied, 0, N * C * 4);
    device.queue.submit([encoder.finish()]);
    const fromBase = await dinpAfter(up(N * C, 100), { base: { buffer: base } }); // garbage in dinp is never read
    expect(fromBase).toEqual(await dinpAfter(copied, {}));
    const overwritten = await dinpAfter(up(N * C, 100), { overwrite: true });
    expect(overwritten).toEqual(await dinpAfter(createStorage(device, N * C), {}));
    expect(fromBase).not.toEqual(overwritten);
    expect(() => layernormBackward(new Program(device), { buffer: base }, { buffer: base }, { buffer: base }, { buffer: dout }, { buffer: inp },
      { buffer: weight }, { buffer: base }, { buffer: base }, N, C, { buffer: base }, { base: { buffer: dout }, overwrite: true }))
      .toThrow('layernormBackward: base and overwrite exclude each other');
  });

  it('is deterministic: two runs give bit-identical outputs', async () => {
    const device = await testDevice();
    const [N, C] = [300, 64];
    const rng = new Rng(5, 'layernorm');
    const inp = uploadStorage(device, toF32(randomArray(rng, N * C)));
    const weight = uploadStorage(device, toF32(randomArray(rng, C)));
    const bias = uploadStorage(device, toF32(randomArray(rng, C)));
    const dout = uploadStorage(device, toF32(randomArray(rng, N * C)));
    const results: Float32Array[][] = [];
    for (let run = 0; run < 2; run++) {
      const out = createStorage(device, N * C);
      const mean = createStorage(device, N);
      const rstd = createStorage(device, N);
      const dinp = createStorage(device, N * C);
      const dweight = createStorage(device, C);
      const dbias = createStorage(device, C);
      const p = new Program(device);
      layernormForward(p, { buffer: out }, { buffer: mean }, { buffer: rstd }, { buffer: inp }, { buffer: weight }, { buffer: bias }, N, C);
      layernormBackward(
        p, { buffer: dinp }, { buffer: dweight }, { buffer: dbias }, { buffer: dout }, { buffer: inp }, { buffer: weight },
        { buffer: mean }, { buffer: rstd }, N, C, { buffer: createStorage(device, layernormScratchFloats(N, C)) },
      );
      p.run();
      results.push(await Promise.all([out, dinp, dweight, dbias].map((b) => readFloats(device, b))));
    }
    for (let i = 0; i < results[0].length; i++) expect(results[1][i]).toEqual(results[0][i]);
  });
});
