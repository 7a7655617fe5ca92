import { describe, expect, it } from 'vitest';
import { addInPlace, meanReduce, meanReduceWorkgroup } from './reduce.ts';
import { Program } from '../program.ts';
import { readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32 } from '../../test/random.ts';

const SIZES = [1, 5, 1000, 100003];
const SCALES = [1, 0.2, 1 / 1000, 1 / 100003];
const UNTOUCHED = 7; // scalars the reductions must not write

/** Four meanReduces into one scalars buffer (indices 1, 3, 4, 6 of 8), inputs at a 256-byte offset. */
async function runReductions(device: GPUDevice, seed: number) {
  const rng = new Rng(seed, 'reduce');
  const inputs = SIZES.map((n) => toF32(randomArray(rng, n, 3)).map((v) => v + 0.5)); // non-zero mean
  const out = uploadStorage(device, new Float32Array(8).fill(UNTOUCHED));
  const buffers = inputs.map((x) => {
    const padded = new Float32Array(64 + x.length + 3).fill(1e6); // poison around the input
    padded.set(x, 64);
    return uploadStorage(device, padded);
  });
  const p = new Program(device);
  SIZES.forEach((n, i) => meanReduce(p, { buffer: out }, { buffer: buffers[i], offset: 256 }, n, SCALES[i], [1, 3, 4, 6][i]));
  p.run();
  return { inputs, out };
}

describe('GPU meanReduce and addInPlace', () => {
  it('meanReduce: out[outIndex] = scale * sum, n in {1, 5, 1000, 100003}, other scalars untouched', async () => {
    const device = await testDevice();
    const { inputs, out } = await runReductions(device, 1);
    const got = await readFloats(device, out, 8);
    SIZES.forEach((n, i) => {
      let sum = 0;
      let abs = 0;
      for (const v of inputs[i]) {
        sum += v;
        abs += Math.abs(v);
      }
      // Each thread adds ceil(n/256) values in turn, then 8 tree levels: worst-case f32 rounding
      // (Higham) (ceil(n/256) + 8) u sum|x|, u = 2^-24; plus the scaling and the final store.
      const bound = ((Math.ceil(n / 256) + 8) * 2 ** -24 * abs + 2 * 2 ** -24 * Math.abs(sum)) * SCALES[i];
      const index = [1, 3, 4, 6][i];
      expect(Math.abs(got[index] - SCALES[i] * sum), `n=${n}: got ${got[index]}, expected ${SCALES[i] * sum}, bound ${bound}`).toBeLessThanOrEqual(bound);
    });
    for (const index of [0, 2, 5, 7]) expect(got[index]).toBe(UNTOUCHED);
  });

  it('meanReduce adds in the stated order: bit-identical to an f32 emulation', async () => {
    const device = await testDevice();
    const WG = meanReduceWorkgroup(device);
    const { inputs, out } = await runReductions(device, 4);
    const got = await readFloats(device, out, 8);
    SIZES.forEach((n, i) => {
      const partial = new Float32Array(WG); // thread t: inp[t] + inp[t + WG] + ... in f32
      for (let t = 0; t < WG; t++) for (let j = t; j < n; j += WG) partial[t] = partial[t] + inputs[i][j];
      for (let k = WG >> 1; k > 0; k >>= 1) for (let t = 0; t < k; t++) partial[t] = partial[t] + partial[t + k];
      expect(got[[1, 3, 4, 6][i]], `n=${n}`).toBe(Math.fround(Math.fround(SCALES[i]) * partial[0]));
    });
  });

  it('meanReduce is deterministic', async () => {
    const device = await testDevice();
    const first = await runReductions(device, 2);
    const second = await runReductions(device, 2);
    expect(Buffer.from(await readBytes(device, first.out)).equals(Buffer.from(await readBytes(device, second.out)))).toBe(true);
  });

  it('addInPlace: out += inp for any n, at binding offsets, nothing outside touched', async () => {
    const device = await testDevice();
    const rng = new Rng(3, 'add');
    for (const n of [1, 3, 4, 5, 1001, 4099]) {
      const out0 = toF32(randomArray(rng, 64 + n + 70));
      const inp = toF32(randomArray(rng, 128 + n + 5));
      const gOut = uploadStorage(device, out0);
      const gInp = uploadStorage(device, inp);
      const p = new Program(device);
      addInPlace(p, { buffer: gOut, offset: 256 }, { buffer: gInp, offset: 512 }, n);
      p.run();
      const expected = out0.slice();
      for (let i = 0; i < n; i++) expected[64 + i] = Math.fround(out0[64 + i] + inp[128 + i]);
      expect(Array.from(await readFloats(device, gOut, out0.length)), `n=${n}`).toEqual(Array.from(expected));
    }
  });
});
