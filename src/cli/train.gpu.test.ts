// The command line, replayed independently: a 20-step run's per-step losses and gradient norms
// are recomputed by the float64 CPU reference (ref/train.ts) from init.safetensors and
// batches.safetensors alone, and must agree to a relative 1e-4.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, metricsLine, parseArgs } from './train.ts';
import { divergenceMessage } from '../train/loop.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { readCheckpoint } from '../model/checkpoint.ts';
import { resolveConfig } from '../model/config.ts';
import { modelShape, paramLayout, parameterSpecs } from '../model/params.ts';
import { tokenizerFromJSON } from '../data/tokenizer.ts';
import { refReplay } from '../ref/train.ts';
import { refForward } from '../ref/gpt.ts';

/** The parameter layout of the run in `dir`, from its config.json and init.safetensors. */
function layoutOf(dir: string) {
  const config = resolveConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const tokenizer = tokenizerFromJSON(readSafetensors(readFileSync(join(dir, 'init.safetensors'))).metadata.tokenizer);
  return paramLayout(parameterSpecs(config, modelShape(config, tokenizer.vocabSize)));
}

describe('npm run train', () => {
  it('writes a run that an independent float64 replay reproduces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nitp-cli-'));
    const configFile = join(dir, 'config.in.json');
    writeFileSync(configFile, JSON.stringify({
      model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 },
      nitp: { lambda: 1, targetLayer: 1 },
      train: { batchSize: 4, lr: 3e-3, warmupSteps: 5, seed: 99 },
      eval: { every: 8 },
    }));
    const out = join(dir, 'run');
    expect(await main(['--config', configFile, '--steps', '20', '--out', out, '--save-batches'])).toBe(0);

    const config = resolveConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')));
    expect(config.train.steps).toBe(20);
    const initFile = readFileSync(join(out, 'init.safetensors'));
    const meta = readSafetensors(initFile).metadata;
    expect(JSON.parse(meta.config)).toEqual(config);
    const tokenizer = tokenizerFromJSON(meta.tokenizer);
    const shape = modelShape(config, tokenizer.vocabSize);
    const layout = paramLayout(parameterSpecs(config, shape));
    const init = readCheckpoint(initFile, layout);
    expect(init.step).toBe(0);
    const saved = readSafetensors(readFileSync(join(out, 'batches.safetensors'))).tensors;
    const batches = saved.get('tokens')!;
    expect(saved.get('eval')!.shape).toEqual([64, 17]); // the evaluation set: eval.sequences (64) whatever B
    expect(batches.dtype).toBe('I32');
    expect(batches.shape).toEqual([20, 4, 17]);

    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const logged = records.filter((r) => 'loss' in r);
    // eval records at step 0, every eval.every (8) steps and at the last step, after that step's line
    const evals = records.filter((r) => 'eval' in r);
    expect(evals.map((r) => r.step)).toEqual([0, 8, 16, 20]);
    // step 0 is the initial weights on the whole evaluation set (16 chunks of B = 4)
    const atInit = refForward(config, shape, layout, Float64Array.from(init.params), saved.get('eval')!.data as Int32Array);
    expect(Math.abs(evals[0].eval.valNtp - atInit.ntp)).toBeLessThan(1e-5 * atInit.ntp);
    expect(Math.abs(evals[0].eval.valNitp - atInit.aux!)).toBeLessThan(1e-4);
    expect(records.findIndex((r) => 'eval' in r && r.step === 8)).toBe(records.findIndex((r) => 'loss' in r && r.step === 8) + 1);
    for (const e of evals) {
      expect(e.eval.layers.map((l: { layer: unknown }) => l.layer)).toEqual([0, 1, 2, 'final']);
      for (const l of e.eval.layers) {
        expect(l.erank).toBeGreaterThanOrEqual(1);
        expect(l.erank).toBeLessThanOrEqual(16);
        expect(Math.abs(l.anisotropy)).toBeLessThanOrEqual(1);
        expect(l.norm).toBeGreaterThan(0);
      }
      expect(e.eval.valNtp).toBeGreaterThan(0);
      expect(e.eval.valNitp).toBeGreaterThanOrEqual(0);
    }
    const probe = records.filter((r) => 'probe' in r);
    expect(probe.length).toBe(1);
    expect(probe[0].probe.map((p: { layer: unknown }) => p.layer)).toEqual([0, 1, 2, 'final']);
    expect(logged.map((m) => m.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const replay = refReplay(config, shape, layout, init.params, batches.data as Int32Array);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    let worstLoss = 0;
    let worstNorm = 0;
    for (let s = 0; s < 20; s++) {
      worstLoss = Math.max(worstLoss, rel(logged[s].loss, replay[s].loss));
      worstNorm = Math.max(worstNorm, rel(logged[s].gradNorm, replay[s].gradNorm));
      const [gpu, cpu] = [logged[s], replay[s]];
      expect(rel(gpu.loss, cpu.loss), `loss at step ${s + 1}`).toBeLessThan(1e-4);
      expect(rel(gpu.ntp, cpu.ntp), `ntp at step ${s + 1}`).toBeLessThan(1e-4);
      expect(rel(gpu.nitp, cpu.aux!), `nitp at step ${s + 1}`).toBeLessThan(1e-4);
      expect(rel(gpu.gradNorm, cpu.gradNorm), `gradNorm at step ${s + 1}`).toBeLessThan(1e-4);
      // lr_S is 0 at the last step, where rel would be 0/0: compare absolutely there. A NaN (or a
      // null, how metrics.jsonl writes one) must fail, not count as 0.
      const lrError = typeof gpu.lr !== 'number' ? NaN : cpu.lr === 0 ? Math.abs(gpu.lr) : rel(gpu.lr, cpu.lr);
      expect(lrError, `lr at step ${s + 1}`).toBeLessThan(1e-6);
    }
    console.log(`replay of 20 CLI steps: worst relative difference loss ${worstLoss.toExponential(2)}, gradNorm ${worstNorm.toExponential(2)}`);
    // final.safetensors: weights after step 20 and the AdamW moments.
    const final = readCheckpoint(readFileSync(join(out, 'final.safetensors')), layout);
    expect(final.step).toBe(20);
    expect(final.optimizer).toBeDefined();
    expect(final.params).not.toEqual(init.params);
  });

  it('resumes a stopped run from its last checkpoint, bit-identically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nitp-cli-'));
    const configFile = join(dir, 'config.in.json');
    writeFileSync(configFile, JSON.stringify({
      model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 },
      train: { steps: 20, batchSize: 4, lr: 3e-3, warmupSteps: 5, seed: 3 },
      eval: { every: 8 },
      data: { corpus: 'markov' }, // no corpus to load: a quick test
    }));
    const whole = join(dir, 'whole');
    const stopped = join(dir, 'stopped');
    for (const out of [whole, stopped]) expect(await main(['--config', configFile, '--out', out, '--checkpoint-every', '7'])).toBe(0);
    // the last checkpoint is after step 14; a run killed later than that is continued from there
    expect(readCheckpoint(readFileSync(join(stopped, 'checkpoint.safetensors')), layoutOf(stopped)).step).toBe(14);
    writeFileSync(join(stopped, 'final.safetensors'), '');
    expect(await main(['--out', stopped, '--resume'])).toBe(0);
    expect(readFileSync(join(stopped, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(whole, 'metrics.jsonl'), 'utf8'));
    expect(readFileSync(join(stopped, 'final.safetensors')).equals(readFileSync(join(whole, 'final.safetensors')))).toBe(true);

    expect(() => parseArgs(['--resume', '--config', configFile])).toThrow(/--resume continues the run in --out DIR/);
    await expect(main(['--out', join(dir, 'nowhere'), '--resume'])).rejects.toThrow(/nowhere\/config.json does not exist/);
    await expect(main(['--out', whole, '--resume'])).resolves.toBe(0); // its checkpoint (step 14) is still there
  });

  it('starts from a preset with --set overrides, and evaluates at step 0 and densely early', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nitp-cli-'));
    const out = join(dir, 'tiny');
    await expect(main(['--preset', 'tiny', '--set', 'nitp.lambda=0', '--set', 'eval.sequences=8', '--set', 'train.warmupSteps=5', '--steps', '12', '--out', out])).resolves.toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.nitp.lambda).toBe(0);
    expect(config.model.nLayer).toBe(2); // the preset's
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.filter((r) => r.eval).map((r) => r.step)).toEqual([0, 5, 10, 12]); // tiny: early every 5 up to 50, and the last step
    expect(records[0]).toMatchObject({ step: 0, eval: { valNitp: null } });
    // before any update the model guesses near-uniformly over Brown's ~85 characters: ≈ ln 85 ≈ 4.44
    expect(Math.abs(records[0].eval.valNtp - Math.log(85))).toBeLessThan(0.2);
  });

  it('refuses bad arguments and bad configs with a message naming the problem', async () => {
    expect(() => parseArgs(['--steps', '0'])).toThrow(/--steps must be a positive integer/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument "--bogus"/);
    expect(() => parseArgs(['--config'])).toThrow(/--config needs a value/);
    expect(() => parseArgs(['--preset', 'huge'])).toThrow(/no preset "huge"; presets are tiny, teaching, paper/);
    expect(() => parseArgs(['--preset', 'tiny', '--config', 'x.json'])).toThrow(/choose one/);
    expect(parseArgs(['--preset', 'teaching', '--set', 'nitp.lambda=0', '--set', 'train.seed=2']).set).toEqual(['nitp.lambda=0', 'train.seed=2']);
    await expect(main(['--preset', 'tiny', '--set', 'nitp.lamda=0'])).rejects.toThrow(/"nitp.lamda": unknown field/);
    await expect(main(['--preset', 'tiny', '--set', 'train.seed=-1'])).rejects.toThrow(/"train.seed": must be in 0\.\.4294967295, got -1/);
    const dir = mkdtempSync(join(tmpdir(), 'nitp-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ model: { dModel: 30, nHead: 4 } }));
    await expect(main(['--config', bad, '--out', join(dir, 'x')])).rejects.toThrow(/model.dModel.*divisible by model.nHead/);
    writeFileSync(bad, '{ not json');
    await expect(main(['--config', bad, '--out', join(dir, 'x')])).rejects.toThrow(/bad.json is not valid JSON/);
  });

  it('writes NaN and Inf as null and stops on them with a message', () => {
    const m = { step: 7, lr: 1e-3, loss: NaN, ntp: Infinity, aux: null, gradNorm: -Infinity, clipScale: 1 };
    expect(JSON.parse(metricsLine(m))).toEqual({ step: 7, lr: 1e-3, loss: null, ntp: null, nitp: null, gradNorm: null });
    expect(divergenceMessage('NITP', m)).toMatch(/^step 7: the NITP run's loss or gradient norm is not finite/);
    expect(divergenceMessage('NITP', { ...m, loss: 2, ntp: 2, gradNorm: 1 })).toBeNull();
    expect(divergenceMessage('NITP', { ...m, loss: 2, ntp: 2, gradNorm: 1, aux: NaN })).toMatch(/nitp NaN/);
  });
});
