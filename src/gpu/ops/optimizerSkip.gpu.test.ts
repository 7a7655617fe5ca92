// A non-finite gradient norm skips the update (docs/method.md §4): optimizerPrepare writes clip 0,
// and AdamW leaves params, m and v bit-identical; the float64 reference skips the same way. Runs on
// both WebGPU implementations (Dawn here, wgpu in scripts/test-deno.sh).
import { describe, expect, it } from 'vitest';
import {
  adamw, gradNormPartials, gradNormPartialsSize, optimizerPrepare, SCALAR_CLIP, SCALAR_COUNT, SCALAR_GRAD_NORM,
} from './optimizer.ts';
import { Program } from '../program.ts';
import { createStorage, readBytes, readFloats, uploadStorage } from '../buffers.ts';
import { testDevice } from '../../test/gpu.ts';
import { Rng } from '../../util/rng.ts';
import { randomArray, toF32, toF64 } from '../../test/random.ts';
import { expectClose } from '../../test/compare.ts';
import * as ref from '../../ref/optimizer.ts';

const HYPER = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

/** The same float32 bits (NaN payloads and -0 included). */
const sameBits = (a: Float32Array, b: Float32Array) => {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

describe('a non-finite gradient norm skips the update', () => {
  for (const bad of [NaN, Infinity]) {
    it(`gradient ${bad}: params and moments unchanged bit for bit, clip 0, counter advances; the next finite step matches the reference`, async () => {
      const device = await testDevice();
      const n = 4099; // vec4 body and a tail
      const rng = new Rng(5, 'skip');
      const params = toF32(randomArray(rng, n));
      const m = toF32(randomArray(rng, n, 0.05));
      const v = toF32(randomArray(rng, n, 0.01).map(Math.abs));
      const nPartials = gradNormPartialsSize(n);
      const g = {
        params: uploadStorage(device, params), m: uploadStorage(device, m), v: uploadStorage(device, v), grads: createStorage(device, n),
        partials: createStorage(device, nPartials), scalars: createStorage(device, SCALAR_COUNT), step: uploadStorage(device, new Uint32Array([2])),
      };
      const settings = { lr: 0.05, warmupSteps: 0, steps: 10, schedule: 'wsd' as const, maxNorm: 1, lambda: 1 };
      const p = new Program(device);
      gradNormPartials(p, { buffer: g.partials }, { buffer: g.grads }, n);
      optimizerPrepare(p, { buffer: g.scalars }, { buffer: g.step }, { buffer: g.partials }, nPartials, settings);
      adamw(p, { buffer: g.params }, { buffer: g.grads }, { buffer: g.m }, { buffer: g.v }, { buffer: g.scalars }, { buffer: g.step }, n, 2000, HYPER);
      const read = async () => ({ params: await readFloats(device, g.params, n), m: await readFloats(device, g.m, n), v: await readFloats(device, g.v, n) });

      const grads = toF32(randomArray(rng, n, 0.01));
      grads[17] = bad; // one bad value anywhere poisons the norm
      device.queue.writeBuffer(g.grads, 0, grads);
      p.run();
      const after = await read();
      expect(sameBits(after.params, params)).toBe(true);
      expect(sameBits(after.m, m)).toBe(true);
      expect(sameBits(after.v, v)).toBe(true);
      const scalars = await readFloats(device, g.scalars, SCALAR_COUNT);
      expect(Number.isFinite(scalars[SCALAR_GRAD_NORM])).toBe(false);
      expect(scalars[SCALAR_CLIP]).toBe(0);
      expect(new Uint32Array(await readBytes(device, g.step, 4))[0]).toBe(3);
      // the float64 reference skips the same way
      const P = toF64(params);
      ref.adamwStep(P, grads, toF64(m), toF64(v), 3, 0.05, 2000, { ...HYPER, clipScale: ref.clipScale(ref.gradientNorm(grads), 1) });
      expect(Array.from(P)).toEqual(Array.from(params, Number));

      // a finite step after it updates as usual (step 4)
      const next = toF32(randomArray(rng, n, 0.01));
      device.queue.writeBuffer(g.grads, 0, next);
      p.run();
      const [M, V] = [toF64(m), toF64(v)];
      const norm = ref.gradientNorm(next);
      ref.adamwStep(P, next, M, V, 4, ref.learningRate(4, settings), 2000, { ...HYPER, clipScale: ref.clipScale(norm, 1) });
      const got = await read();
      expectClose(got.params, P, { atol: 1e-6, rtol: 1e-5 }, 'params');
      expectClose(got.m, M, { atol: 1e-7, rtol: 1e-5 }, 'm');
      for (const b of Object.values(g)) b.destroy();
    });
  }
});

