// The evaluator against a float64 recomputation: the reference model's hidden states of the same
// weights and batch, with the covariance, eigenvalues, pair cosines and projection done on the CPU.
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer.ts';
import { Evaluator } from './evaluator.ts';
import { resolveConfig } from '../model/config.ts';
import { refForward } from '../ref/gpt.ts';
import * as refMetrics from '../ref/metrics.ts';
import { covarianceStatsLayout, layerGeometry } from '../metrics/geometry.ts';
import { DEFAULT_PAIRS, drawPairs } from '../metrics/anisotropy.ts';
import { stablePcaAxes } from '../metrics/pca.ts';
import { expectClose } from '../test/compare.ts';
import { TextDataset } from '../data/dataset.ts';
import { CharTokenizer } from '../data/tokenizer.ts';
import { POS_COUNT } from '../data/pos.ts';
import { testGpu } from '../test/gpu.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';

const V = 23;

/** Random tokens whose tag is a fixed function of the token: a probe on x0 can learn it. */
function taggedData(n: number): TextDataset {
  const rng = new Rng(9, 'evaluator');
  const tokenizer = new CharTokenizer(Array.from({ length: V }, (_, i) => String.fromCharCode(65 + i)));
  const train = randomTokens(rng, n, V);
  const val = randomTokens(rng, n, V);
  const tag = (t: Int32Array) => Uint8Array.from(t, (x) => x % (POS_COUNT - 1));
  return new TextDataset('tagged', tokenizer, train, val, { train: tag(train), val: tag(val) });
}

describe('Evaluator', () => {
  it('matches a float64 recomputation of losses, geometry, PCA and alignment', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({
      model: { contextLength: 12, nLayer: 2, dModel: 16, nHead: 2 },
      nitp: { lambda: 1, targetLayer: 1 },
      train: { steps: 20, batchSize: 6, lr: 1e-2, warmupSteps: 2, seed: 4 },
      // 10 sequences in chunks of B = 6: the second chunk is partial (its fill-up must not count)
      eval: { sequences: 10 },
    });
    const trainer = new Trainer(gpu, config, taggedData(3000));
    for (let s = 0; s < 15; s++) trainer.trainStep();
    await trainer.flushMetrics();
    const evaluator = new Evaluator(trainer);
    const first = await evaluator.evaluate();
    const record = await evaluator.evaluate(); // a second evaluation of the same weights: the same numbers
    expect(record.layers).toEqual(first.layers);
    expect(Array.from(record.pca.points)).toEqual(Array.from(first.pca.points));

    const params = Float64Array.from(await trainer.readParams());
    const set = trainer.evaluationSet.tokens;
    expect(set.length).toBe(10 * (12 + 1));
    const ref = refForward(config, trainer.shape, trainer.layout, params, set);
    expect(Math.abs(record.valNtp - ref.ntp)).toBeLessThan(1e-5 * ref.ntp);
    expect(Math.abs(record.valAux! - ref.aux!)).toBeLessThan(1e-4 * Math.max(1, ref.aux!));

    const { C, T } = trainer.shape;
    const N = 10 * T;
    const pairs = drawPairs(N, DEFAULT_PAIRS, config.train.seed, T);
    const hidden = [...ref.layers, ref.final];
    expect(record.layers.map((l) => l.layer)).toEqual([0, 1, 2, 'final']);
    record.layers.forEach((got, i) => {
      const stats = new Float64Array(covarianceStatsLayout(C).floats);
      refMetrics.covarianceStats(stats, hidden[i], N, C);
      const cos = new Float64Array(pairs.length / 2);
      refMetrics.pairCosines(cos, hidden[i], pairs, cos.length, C);
      const want = layerGeometry(stats, cos, C);
      expect(Math.abs(got.erank - want.effectiveRank), `erank of layer ${got.layer}`).toBeLessThan(1e-3 * want.effectiveRank);
      expect(Math.abs(got.anisotropy - want.anisotropy), `anisotropy of layer ${got.layer}`).toBeLessThan(1e-4);
      expect(Math.abs(got.norm - want.meanNorm), `norm of layer ${got.layer}`).toBeLessThan(1e-4 * want.meanNorm);
      expect(got.spectrum.reduce((a, b) => a + b, 0) + got.tail).toBeCloseTo(1, 5);
    });
    // PCA: the first evaluation's points against the float64 projection on float64 axes.
    const n = record.pca.rows.length;
    expect(n).toBe(Math.min(1024, N));
    expect(record.pca.points.length).toBe(3 * n);
    const finalStats = new Float64Array(covarianceStatsLayout(C).floats);
    refMetrics.covarianceStats(finalStats, ref.final, N, C);
    const axes = stablePcaAxes(layerGeometry(finalStats, new Float64Array(1), C, 3).eigen, 3, null);
    const want = new Float64Array(3 * n);
    refMetrics.project(want, ref.final, record.pca.rows, n, axes.axes, finalStats.subarray(0, C), C, 3);
    const scale = Math.max(...Array.from(want, Math.abs));
    expectClose(first.pca.points, want, { atol: 1e-3 * scale, rtol: 1e-3 }, 'PCA points');
    const explained = record.pca.explained;
    expect(explained[0]).toBeGreaterThanOrEqual(explained[1]);
    expect(explained.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
    // alignment: one cosine per (P(h_t), z_{t+1}) pair
    const counts = record.alignment!.counts.reduce((a, b) => a + b, 0) + record.alignment!.outside;
    expect(counts).toBe(10 * (T - 1));

    const probe = await evaluator.probe();
    expect(probe!.map((p) => p.layer)).toEqual([0, 1, 2, 'final']);
    // x0 = wte[token] + wpe[t] and the tag is a function of the token: linearly decodable
    expect(probe![0].accuracy).toBeGreaterThan(probe![0].chance + 0.3);
    evaluator.destroy();
    trainer.destroy();
    expect(gpu.errors).toEqual([]);
  });

  it('has no alignment without NITP and no probe without tags', async () => {
    const gpu = await testGpu();
    const config = resolveConfig({ model: { contextLength: 8, nLayer: 1, dModel: 8, nHead: 2 }, nitp: { lambda: 0 }, train: { batchSize: 2 } });
    const rng = new Rng(1, 'x');
    const tokenizer = new CharTokenizer(['a', 'b', 'c']);
    const trainer = new Trainer(gpu, config, new TextDataset('abc', tokenizer, randomTokens(rng, 500, 3), randomTokens(rng, 500, 3)));
    const evaluator = new Evaluator(trainer);
    const r = await evaluator.evaluate();
    expect(r.alignment).toBeNull();
    expect(r.valAux).toBeNull();
    expect(r.layers.length).toBe(3);
    expect(await evaluator.probe()).toBeNull();
    evaluator.destroy();
    trainer.destroy();
  });
});
