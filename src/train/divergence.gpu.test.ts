// Divergence (docs/method.md §4): the loop stops on non-finite values and on a loss far above ln V;
// no NaN/Inf checkpoint or final file is written. (The GPU's skipped update: gpu/ops/optimizerSkip.gpu.test.ts.)
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { divergenceBound, divergenceMessage, evalDivergenceMessage } from './loop.ts';
import { main } from '../cli/train.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { firstNonFinite, NonFiniteCheckpointError, writeCheckpoint } from '../model/checkpoint.ts';
import { resolveConfig } from '../model/config.ts';
import { modelShape, paramLayout, parameterSpecs } from '../model/params.ts';

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
