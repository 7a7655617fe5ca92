// Divergence (docs/method.md §4): a non-finite gradient norm skips the GPU update; the loop stops
// on non-finite values and on a loss far above ln V; no NaN/Inf checkpoint or final file is written.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adamw, gradNormPartials, gradNormPartialsSize, optimizerPrepare, SCALAR_CLIP, SCALAR_COUNT, SCALAR_GRAD_NORM,
} from '../gpu/ops/optimizer.ts';
import { Program } from '../gpu/program.ts';
import { createStorage, readBytes, readFloats, uploadStorage } from '../gpu/buffers.ts';
import { testDevice } from '../test/gpu.ts';
import { Rng } from '../util/rng.ts';
import { randomArray, toF32, toF64 } from '../test/random.ts';
import { expectClose } from '../test/compare.ts';
import * as ref from '../ref/optimizer.ts';
import { divergenceBound, divergenceMessage, evalDivergenceMessage } from './loop.ts';
import { main } from '../cli/train.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { firstNonFinite, NonFiniteCheckpointError, writeCheckpoint } from '../model/checkpoint.ts';
import { resolveConfig } from '../model/config.ts';
import { modelShape, paramLayout, parameterSpecs } from '../model/params.ts';

const HYPER = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

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
      expect(Buffer.from(after.params.buffer).equals(Buffer.from(params.buffer))).toBe(true);
      expect(Buffer.from(after.m.buffer).equals(Buffer.from(m.buffer))).toBe(true);
      expect(Buffer.from(after.v.buffer).equals(Buffer.from(v.buffer))).toBe(true);
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

describe('divergence checks', () => {
  const m = { step: 7, lr: 1e-3, loss: 2, ntp: 2, aux: 0.5, gradNorm: 1, clipScale: 1 };
  it('flag a loss far above ln V: max(3·ln V, 10) nats', () => {
    expect(divergenceBound(85)).toBeCloseTo(3 * Math.log(85), 12);
    expect(divergenceBound(8)).toBe(10);
    expect(divergenceMessage('NITP', { ...m, ntp: 13, loss: 14 }, 85)).toBeNull();
    expect(divergenceMessage('NITP', { ...m, ntp: 100, loss: 101 }, 85))
      .toMatch(/^step 7: the NITP run's loss diverged: ntp 100\.00 nats, above the bound 13\.33 .*V = 85 scores 4\.44.*lower train\.lr/);
    expect(divergenceMessage('NITP', { ...m, ntp: 100 })).toBeNull(); // without V: finiteness only
    expect(divergenceMessage('NTP', { ...m, gradNorm: NaN }, 85)).toMatch(/^step 7: the NTP run's loss or gradient norm is not finite/);
  });
  it('flag a non-finite or far too large evaluation loss', () => {
    const r = { step: 50, valNtp: 4, valAux: 0.3 };
    expect(evalDivergenceMessage('NTP', r, 85)).toBeNull();
    expect(evalDivergenceMessage('NTP', { ...r, valAux: NaN }, 85)).toMatch(/^step 50: the NTP run's evaluation diverged/);
    expect(evalDivergenceMessage('NTP', { ...r, valNtp: 40 }, 85)).toMatch(/evaluation diverged/);
  });
  it('writeCheckpoint refuses NaN or Inf weights and moments, naming the tensor', () => {
    const config = resolveConfig({ model: { contextLength: 8, nLayer: 1, dModel: 8, nHead: 2 } });
    const layout = paramLayout(parameterSpecs(config, modelShape(config, 10)));
    const params = new Float32Array(layout.totalFloats);
    expect(firstNonFinite(layout, params)).toBeNull();
    const m = new Float32Array(layout.totalFloats);
    m[layout.tensors[1].offset] = NaN;
    m[layout.tensors[1].offset + 1] = -Infinity;
    expect(firstNonFinite(layout, m, 'optim.m.')).toEqual({ tensor: `optim.m.${layout.tensors[1].name}`, count: 2 });
    expect(() => writeCheckpoint(layout, { params, optimizer: { m, v: params }, step: 3 }, config, {})).toThrow(NonFiniteCheckpointError);
    expect(() => writeCheckpoint(layout, { params, optimizer: { m, v: params }, step: 3 }, config, {})).toThrow(/after step 3 are not finite \(2 NaN\/Inf values, first in optim\.m\./);
  });
});

describe('npm run train on a diverging config (lr = 10, clip = 0)', () => {
  it('exits non-zero with the step, the metric and a hint, and writes only finite files', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nitp-diverge-')), 'run');
    const args = ['--preset', 'tiny', '--set', 'train.lr=10', '--set', 'train.gradClip=0', '--steps', '40', '--checkpoint-every', '1', '--out', out];
    const errors: string[] = [];
    const error = console.error;
    console.error = (...xs: unknown[]) => errors.push(xs.join(' '));
    let code: number;
    try {
      code = await main(args);
    } finally {
      console.error = error;
    }
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/step \d+: the NITP run's loss diverged: ntp [\d.]+ nats, above the bound 13\.33.*Try a lower train\.lr, and keep train\.gradClip on/);
    const diverged = Number(/step (\d+): the NITP run/.exec(errors.join('\n'))![1]);
    expect(existsSync(join(out, 'final.safetensors'))).toBe(false);
    // every file written holds finite numbers only; the checkpoint is the last step before the divergence
    for (const file of readdirSync(out).filter((f) => f.endsWith('.safetensors'))) {
      const { tensors, metadata } = readSafetensors(readFileSync(join(out, file)));
      for (const [name, t] of tensors) expect(t.data.every(Number.isFinite), `${file} ${name}`).toBe(true);
      if (file === 'checkpoint.safetensors') expect(Number(metadata.step)).toBe(diverged - 1);
    }
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(diverged > 1);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(Math.max(...lines.map((l) => l.step))).toBe(diverged);
  });
});
