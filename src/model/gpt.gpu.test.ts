// The whole model on the GPU against the float64 reference: losses and the gradient of every
// parameter tensor, for every NITP variant, on a tiny model with awkward sizes (V = 11: the
// engine pads the unembedding to 12 rows, whose gradient must be exactly 0).
import { describe, expect, it } from 'vitest';
import { GptGpu, trainingMatmulShapes } from './gpt.ts';
import { matmulShapeKey } from '../gpu/kernels.ts';
import { resolveConfig, type PartialRunConfig } from './config.ts';
import { paramLayout, parameterSpecs, unembeddingName, type ModelShape } from './params.ts';
import { refForwardBackward } from '../ref/gpt.ts';
import { Program } from '../gpu/program.ts';
import { readFloats } from '../gpu/buffers.ts';
import { SCALAR_AUX, SCALAR_NTP } from '../gpu/ops/optimizer.ts';
import { testGpu } from '../test/gpu.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';

const shape: ModelShape = { V: 11, T: 5, L: 2, C: 8, NH: 2 };
const B = 3;

const VARIANTS: [string, PartialRunConfig['nitp'], boolean?][] = [
  ['NTP only (λ = 0)', { lambda: 0 }],
  ['NTP only, untied', { lambda: 0 }, false],
  ['NITP default (swiglu, next, cosine, stop-grad)', {}],
  ['NITP untied', {}, false],
  ['head none', { head: 'none' }],
  ['shift current', { shift: 'current' }],
  ['gradient into the target (stopGrad false)', { stopGrad: false, lambda: 3 }],
  ['mse', { loss: 'mse' }],
  ['smoothl1', { loss: 'smoothl1', lambda: 2 }],
  ['target layer 0, no stop-grad', { targetLayer: 0, stopGrad: false }],
  ['target layer L, no stop-grad', { targetLayer: 2, stopGrad: false }],
  ['head none, current, target L, no stop-grad', { head: 'none', shift: 'current', targetLayer: 2, stopGrad: false }],
  ['generic cosine regularizer', { regularizer: 'generic-cosine', lambda: 0.5 }],
];

describe('GPU model gradients against the float64 reference', () => {
  for (const [name, nitp, tie = true] of VARIANTS) {
    it(name, async () => {
      const gpu = await testGpu();
      const config = resolveConfig({
        model: { contextLength: shape.T, nLayer: shape.L, dModel: shape.C, nHead: shape.NH, tieEmbeddings: tie },
        nitp, train: { batchSize: B },
      });
      const layout = paramLayout(parameterSpecs(config, shape));
      // O(1) weights and non-zero biases, so attention, GELU and the head are far from linear.
      const rng = new Rng(42, name);
      const params = new Float32Array(layout.totalFloats);
      for (const t of layout.tensors) {
        const std = t.shape.length >= 2 ? 1 / Math.sqrt(t.shape[t.shape.length - 1]) : 0.3;
        for (let i = 0; i < t.size; i++) params[t.offset + i] = (t.name.endsWith('ln_1.weight') || t.name.endsWith('ln_2.weight') || t.name.endsWith('ln_f.weight') ? 1 : 0) + rng.normal() * std;
      }
      const tokens = randomTokens(rng, B * (shape.T + 1), shape.V);

      const model = new GptGpu(gpu.device, config, shape);
      expect(model.Vp).toBe(12);
      model.writeFlat(model.params, params);
      model.uploadBatch(tokens);
      const p = new Program(gpu.device);
      model.recordForwardBackward(p);
      // the shapes the autotuner times are the ones the step records
      const recorded = new Set(p.dispatches().filter((d) => 'TRANS_A' in d.constants).map(({ constants: c }) =>
        matmulShapeKey({ M: c.M, N: c.N, K: c.K, transA: c.TRANS_A === 1, transB: c.TRANS_B === 1 })));
      expect([...recorded].sort()).toEqual(trainingMatmulShapes(config, shape).map(matmulShapeKey).sort());
      p.run();
      const grads = await model.readFlat(model.grads);
      const scalars = await readFloats(gpu.device, model.scalars, 8);
      // the unembedding's padded row on the GPU: its gradient is exactly +0
      const padded = model.padded.layout.byName.get(unembeddingName(config))!;
      const padGrads = await readFloats(gpu.device, { buffer: model.grads, offset: (padded.offset + shape.V * shape.C) * 4, size: shape.C * 4 });
      expect(Array.from(padGrads).every((g) => Object.is(g, 0)), 'gradient of the padded row').toBe(true);
      p.destroy();
      model.destroy();
      expect(gpu.errors).toEqual([]);

      const ref = refForwardBackward(config, shape, layout, Float64Array.from(params), tokens);
      expect(scalars[SCALAR_NTP]).toBeCloseTo(ref.ntp, 5);
      if (ref.aux === null) expect(config.nitp.lambda).toBe(0);
      else expect(Math.abs(scalars[SCALAR_AUX] - ref.aux)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.aux)));
      // Per tensor: |gpu - ref| <= 1e-4 * max|ref| + 1e-3 * |ref| (float32 against float64 through
      // two layers and the head).
      const report: string[] = [];
      for (const t of layout.tensors) {
        let scale = 0;
        for (let i = 0; i < t.size; i++) scale = Math.max(scale, Math.abs(ref.grads[t.offset + i]));
        let worst = 0;
        for (let i = 0; i < t.size; i++) {
          const r = ref.grads[t.offset + i];
          const err = Math.abs(grads[t.offset + i] - r) / (1e-4 * scale + 1e-3 * Math.abs(r) + 1e-12);
          worst = Math.max(worst, err);
        }
        if (!(worst <= 1)) report.push(`${t.name}: worst error ${worst.toFixed(2)}x the tolerance (max |grad| ${scale.toExponential(2)})`);
      }
      expect(report.join('\n')).toBe('');
    });
  }
});
