import { describe, it } from 'vitest';
import { encoderBackward, encoderForward, tokenIndex } from './encoder.ts';
import * as ref from '../../ref/encoder.ts';
import { Program } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, randomTokens, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';

describe('GPU encoder', () => {
  for (const [B, T, C, V] of [[3, 7, 13, 11], [2, 33, 65, 97]]) {
    it(`forward and backward match the reference, B=${B} T=${T} C=${C} V=${V}`, async () => {
      const device = await testDevice();
      const rng = new Rng(B * 1000 + C, 'encoder');
      const inp = randomTokens(rng, B * T, V);
      const wte = toF32(randomArray(rng, V * C));
      const wpe = toF32(randomArray(rng, T * C));
      const dout = toF32(randomArray(rng, B * T * C));
      const dwte0 = toF32(randomArray(rng, V * C)); // grads accumulate: start non-zero
      const dwpe0 = toF32(randomArray(rng, T * C));
      const { tokenStart, tokenPositions } = tokenIndex(inp, V);

      const g = {
        out: createStorage(device, B * T * C), inp: uploadStorage(device, inp),
        wte: uploadStorage(device, wte), wpe: uploadStorage(device, wpe), dout: uploadStorage(device, dout),
        dwte: uploadStorage(device, dwte0), dwpe: uploadStorage(device, dwpe0),
        start: uploadStorage(device, tokenStart), pos: uploadStorage(device, tokenPositions),
      };
      const p = new Program(device);
      encoderForward(p, { buffer: g.out }, { buffer: g.inp }, { buffer: g.wte }, { buffer: g.wpe }, B, T, C, V);
      encoderBackward(p, { buffer: g.dwte }, { buffer: g.dwpe }, { buffer: g.dout }, { buffer: g.start }, { buffer: g.pos }, B, T, C, V);
      p.run();

      const out = new Float64Array(B * T * C);
      ref.encoderForward(out, inp, toF64(wte), toF64(wpe), B, T, C);
      const dwte = toF64(dwte0);
      const dwpe = toF64(dwpe0);
      ref.encoderBackward(dwte, dwpe, toF64(dout), inp, B, T, C);
      const tol = { atol: 1e-6, rtol: 1e-5 };
      expectClose(await readFloats(device, g.out, B * T * C), out, tol, 'out');
      expectClose(await readFloats(device, g.dwte, V * C), dwte, tol, 'dwte');
      expectClose(await readFloats(device, g.dwpe, T * C), dwpe, tol, 'dwpe');
    });
  }
});
