// The GPU trainer end to end: the committed reference trajectory, determinism, paired runs,
// overfitting one batch, and learning the Brown text.
import { describe, expect, it } from 'vitest';
import { Trainer, trainTogether, type StepMetrics } from './trainer.ts';
import { Evaluator } from './evaluator.ts';
import { resolveConfig, type PartialRunConfig } from '../model/config.ts';
import { TRAJECTORY_GRAD_NORMS, TRAJECTORY_LOSSES, TRAJECTORY_LR, trajectoryCase } from '../ref/train.ts';
import { testGpu } from '../test/gpu.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';
import { unigramEntropy } from '../data/batches.ts';
import { TextDataset } from '../data/dataset.ts';
import { UploadDataset } from '../data/upload.ts';
import { CharTokenizer } from '../data/tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';

const TINY: PartialRunConfig = {
  model: { contextLength: 12, nLayer: 2, dModel: 16, nHead: 2 },
  train: { steps: 8, batchSize: 3, lr: 3e-3, warmupSteps: 2, seed: 5 },
};

/** Random token streams over V symbols, for tests that do not need real text. */
function syntheticData(V: number, n: number, seed: number): TextDataset {
  const rng = new Rng(seed, 'synthetic');
  const tokenizer = new CharTokenizer(Array.from({ length: V }, (_, i) => String.fromCharCode(65 + i)));
  return new TextDataset('random', tokenizer, randomTokens(rng, n, V), randomTokens(rng, n, V));
}

async function run(trainer: Trainer, steps: number, batch?: Int32Array): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let s = 0; s < steps; s++) {
    trainer.trainStep(batch);
    if (trainer.step % 50 === 0 || s === steps - 1) out.push(...(await trainer.flushMetrics()));
  }
  return out;
}

describe('GPU trainer', () => {
  it('matches the committed float64 trajectory of ten AdamW steps', async () => {
    const gpu = await testGpu();
    const c = trajectoryCase();
    const T = c.shape.T;
    const B = c.config.train.batchSize;
    const tokenizer = new CharTokenizer(Array.from({ length: c.shape.V }, (_, i) => String.fromCharCode(65 + i)));
    const trainer = new Trainer(gpu, c.config, new TextDataset('trajectory', tokenizer, c.batches, c.batches));
    trainer.loadParams(c.init);
    for (let s = 0; s < 10; s++) trainer.trainStep(c.batches.subarray(s * B * (T + 1), (s + 1) * B * (T + 1)));
    const m = await trainer.flushMetrics();
    trainer.destroy();
    expect(gpu.errors).toEqual([]);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    for (let s = 0; s < 10; s++) {
      expect(rel(m[s].loss, TRAJECTORY_LOSSES[s]), `loss at step ${s + 1}`).toBeLessThan(1e-5);
      expect(rel(m[s].gradNorm, TRAJECTORY_GRAD_NORMS[s]), `grad norm at step ${s + 1}`).toBeLessThan(1e-4);
      expect(Math.abs(m[s].lr - TRAJECTORY_LR[s]), `lr at step ${s + 1}`).toBeLessThan(1e-9);
    }
  });

  it('resumes from a checkpoint bit-identically to a run that never stopped', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({ ...TINY, train: { ...TINY.train, steps: 12 }, nitp: { lambda: 0.5 } });
    const data = syntheticData(11, 2000, 3);
    const whole = new Trainer(gpu, config, data);
    const expected = await run(whole, 12);
    whole.destroy();

    const first = new Trainer(gpu, config, data);
    await run(first, 5);
    const params = await first.readParams();
    const optimizer = await first.readOptimizerState();
    first.destroy();
    const second = new Trainer(gpu, config, data);
    second.resume({ params, ...optimizer });
    const rest = await run(second, 7);
    second.destroy();
    expect(gpu.errors).toEqual([]);
    expect(rest.map((m) => m.step)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    // exact equality: same weights, moments, step counter (learning rate) and batches
    expect(rest.map((m) => [m.loss, m.aux, m.gradNorm, m.lr])).toEqual(expected.slice(5).map((m) => [m.loss, m.aux, m.gradNorm, m.lr]));
  });

  it('is deterministic: the same config and seed give bit-identical losses', async () => {
    const gpu = await testGpu();
    const config = resolveConfig(TINY);
    const data = syntheticData(23, 4000, 1);
    const runs: StepMetrics[][] = [];
    for (let r = 0; r < 2; r++) {
      const trainer = new Trainer(gpu, config, data);
      runs.push(await run(trainer, 8));
      trainer.destroy();
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0].every((m) => Number.isFinite(m.loss) && m.aux !== null)).toBe(true);
  });

  it('steps a pair in one submission with the same results as stepping each run alone', async () => {
    const gpu = await testGpu();
    const data = syntheticData(19, 3000, 3);
    const configs = [resolveConfig({ ...TINY, nitp: { lambda: 0 } }), resolveConfig({ ...TINY, nitp: { lambda: 1 } })];
    const alone = configs.map((c) => new Trainer(gpu, c, data));
    const together = configs.map((c) => new Trainer(gpu, c, data));
    for (let s = 0; s < 5; s++) {
      for (const t of alone) t.trainStep();
      trainTogether(together);
    }
    for (let i = 0; i < 2; i++) {
      expect(together[i].step).toBe(5);
      expect(await together[i].flushMetrics()).toEqual(await alone[i].flushMetrics());
      expect(await together[i].readParams()).toEqual(await alone[i].readParams());
    }
    expect(() => trainTogether([together[0], together[0]])).toThrow('trainTogether: a trainer may step once per submission');
    expect(together[0].step).toBe(5);
    for (const t of [...alone, ...together]) t.destroy();
    expect(gpu.errors).toEqual([]);
  });

  it('pairs runs: NTP and NITP with one seed share backbone init and batches', async () => {
    const gpu = await testGpu();
    const data = syntheticData(19, 3000, 2);
    const ntp = new Trainer(gpu, resolveConfig({ ...TINY, nitp: { lambda: 0 } }), data);
    const nitp = new Trainer(gpu, resolveConfig({ ...TINY, nitp: { lambda: 1 } }), data);
    const [pa, pb] = [await ntp.readParams(), await nitp.readParams()];
    for (const t of ntp.layout.tensors) {
      const u = nitp.layout.byName.get(t.name)!;
      expect(Array.from(pb.subarray(u.offset, u.offset + u.size)), t.name).toEqual(Array.from(pa.subarray(t.offset, t.offset + t.size)));
    }
    expect(nitp.layout.tensors.length - ntp.layout.tensors.length).toBe(3); // the head
    for (let s = 0; s < 3; s++) expect(Array.from(nitp.trainStep())).toEqual(Array.from(ntp.trainStep()));
    expect(Array.from(nitp.evaluationSet.tokens)).toEqual(Array.from(ntp.evaluationSet.tokens));
    const [ma, mb] = [await ntp.flushMetrics(), await nitp.flushMetrics()];
    expect(mb[0].ntp).toBe(ma[0].ntp); // same weights, same batch: the same NTP loss before any update
    expect(ma[0].aux).toBeNull();
    ntp.destroy();
    nitp.destroy();
  });

  it('trains on a text of one repeated character without NaN: NTP is 0, the total falls towards 0', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({ ...TINY, train: { steps: 40, batchSize: 3, lr: 1e-2, warmupSteps: 2, seed: 8 } });
    const trainer = new Trainer(gpu, config, new UploadDataset('a.txt', 'a'.repeat(2000)));
    expect(trainer.shape.V).toBe(1);
    const m = await run(trainer, 40);
    trainer.destroy();
    expect(m.every((r) => Number.isFinite(r.loss) && Number.isFinite(r.gradNorm))).toBe(true);
    expect(m.every((r) => r.ntp === 0)).toBe(true);
    expect(m[m.length - 1].loss).toBeLessThan(0.05);
  });

  it('overfits a single batch to near-zero loss', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({ ...TINY, train: { steps: 200, batchSize: 2, lr: 1e-2, warmupSteps: 10, weightDecay: 0, seed: 3 } });
    const data = syntheticData(13, 1000, 3);
    const trainer = new Trainer(gpu, config, data);
    const batch = trainer.trainStep();
    const m = [...(await trainer.flushMetrics()), ...(await run(trainer, 199, batch))];
    trainer.destroy();
    expect(m[0].ntp).toBeGreaterThan(2); // ≈ ln 13 at init
    expect(m[m.length - 1].ntp).toBeLessThan(0.05);
  });

  it('learns the Brown text: validation loss falls clearly below the unigram entropy', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({
      model: { contextLength: 32, nLayer: 2, dModel: 32, nHead: 2 },
      nitp: { lambda: 0 },
      train: { steps: 300, batchSize: 8, lr: 1e-2, warmupSteps: 20, seed: 11 },
    });
    const data = await loadDataset(config, nodeCorpusSource());
    const unigram = unigramEntropy((data as TextDataset).tokens('train'), data.vocabSize);
    const trainer = new Trainer(gpu, config, data);
    const evaluator = new Evaluator(trainer);
    const before = await evaluator.evaluate();
    await run(trainer, 300);
    const after = await evaluator.evaluate();
    evaluator.destroy();
    trainer.destroy();
    console.log(`Brown, 2 layers, 300 steps: validation loss ${before.valNtp.toFixed(3)} → ${after.valNtp.toFixed(3)} nats; unigram entropy ${unigram.toFixed(3)}`);
    expect(before.valNtp).toBeGreaterThan(unigram);
    expect(after.valNtp).toBeLessThan(unigram - 0.3);
  }, 300_000);
});
