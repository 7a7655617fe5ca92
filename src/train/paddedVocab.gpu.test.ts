// The padded vocabulary (model/params.ts paddedLayout): with V not a multiple of 4 the engine holds
// the unembedding with Vp = ceil(V/4)·4 rows. Training must be bit-identical to the unpadded
// engine (vocabMultiple 1) and follow the float64 reference; weights, moments and checkpoints come
// out unpadded; the padded rows stay exactly zero on the GPU.
import { describe, expect, it } from 'vitest';
import { Trainer, type StepMetrics } from './trainer.ts';
import { resolveConfig, type PartialRunConfig } from '../model/config.ts';
import { writeCheckpoint } from '../model/checkpoint.ts';
import { paramLayout, parameterSpecs, unembeddingName } from '../model/params.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { readFloats } from '../gpu/buffers.ts';
import { refReplay } from '../ref/train.ts';
import { testGpu } from '../test/gpu.ts';
import { TextDataset } from '../data/dataset.ts';
import { CharTokenizer } from '../data/tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';

const STEPS = 6;

const CASES: [string, PartialRunConfig][] = [
  ['tied, NITP', { model: { tieEmbeddings: true }, nitp: { lambda: 1 } }],
  ['untied, NTP', { model: { tieEmbeddings: false }, nitp: { lambda: 0 } }],
];

function config(partial: PartialRunConfig) {
  return resolveConfig({
    ...partial,
    // d = 64: the padding moves every later tensor (85·64 floats fill their 64-float alignment, 88·64
    // need three more rows), and the gradient norm sums ~100k floats in several partial sums
    model: { contextLength: 8, nLayer: 2, dModel: 64, nHead: 2, ...partial.model },
    // clipping active at the start, so the gradient norm's last bits reach the weights
    train: { steps: STEPS, batchSize: 3, lr: 1e-2, warmupSteps: 2, gradClip: 0.5, seed: 21 },
  });
}

function data(V: number): TextDataset {
  const rng = new Rng(V, 'padded-vocab');
  const tokenizer = new CharTokenizer(Array.from({ length: V }, (_, i) => String.fromCharCode(65 + i)));
  return new TextDataset('random', tokenizer, randomTokens(rng, 3000, V), randomTokens(rng, 3000, V));
}

async function train(trainer: Trainer): Promise<{ metrics: StepMetrics[]; batches: Int32Array[] }> {
  const batches: Int32Array[] = [];
  for (let s = 0; s < STEPS; s++) batches.push(trainer.trainStep());
  return { metrics: await trainer.flushMetrics(), batches };
}

/** The floats of `buffer` in the unembedding's padded rows V..Vp-1 on the GPU. */
async function paddedRows(trainer: Trainer, buffer: GPUBuffer): Promise<Float32Array> {
  const { V, C } = trainer.shape;
  const slot = trainer.model.padded.layout.byName.get(unembeddingName(trainer.config))!;
  const floats = (trainer.model.Vp - V) * C;
  return readFloats(trainer.model.device, { buffer, offset: (slot.offset + V * C) * 4, size: floats * 4 });
}

describe('the padded vocabulary', () => {
  for (const V of [85, 7, 1]) {
    for (const [name, partial] of CASES) {
      it(`V=${V} (Vp=${Math.ceil(V / 4) * 4}), ${name}: bit-identical to the unpadded engine, unpadded out, padding stays 0`, async () => {
        const gpu = await testGpu();
        const c = config(partial);
        const d = data(V);
        const padded = new Trainer(gpu, c, d);
        const plain = new Trainer(gpu, c, d, { vocabMultiple: 1 });
        expect([padded.model.Vp, plain.model.Vp]).toEqual([Math.ceil(V / 4) * 4, V]);
        // the padding opens a gap in the flat buffer, which the gradient norm must step over
        const align = (n: number) => Math.ceil(n / 64) * 64;
        expect(padded.model.padded.gap.floats).toBe(align(padded.model.Vp * 64) - align(V * 64));
        expect(padded.model.padded.gap.floats).toBeGreaterThan(0);
        expect(plain.model.padded.gap.floats).toBe(0);

        const a = await train(padded);
        const b = await train(plain);
        expect(a.batches).toEqual(b.batches);
        expect(a.metrics).toEqual(b.metrics);
        // (V = 1 without NITP has no gradient at all: nothing to clip)
        if (V > 1 || c.nitp.lambda > 0) expect(a.metrics.some((m) => m.clipScale < 1)).toBe(true);
        const tokens = padded.evaluationSet.tokens.subarray(0, c.train.batchSize * (c.model.contextLength + 1));
        expect(await padded.evaluate(tokens)).toEqual(await plain.evaluate(tokens));

        // weights and moments come out in the run's own layout, equal to the unpadded engine's
        const layout = paramLayout(parameterSpecs(c, padded.shape));
        expect(padded.layout.totalFloats).toBe(layout.totalFloats);
        expect(padded.layout.count).toBe(layout.count);
        const [pa, pb] = [await padded.readParams(), await plain.readParams()];
        expect(pa.length).toBe(layout.totalFloats);
        expect(Buffer.from(pa.buffer).equals(Buffer.from(pb.buffer))).toBe(true);
        const [oa, ob] = [await padded.readOptimizerState(), await plain.readOptimizerState()];
        expect(Buffer.from(oa.m.buffer).equals(Buffer.from(ob.m.buffer))).toBe(true);
        expect(Buffer.from(oa.v.buffer).equals(Buffer.from(ob.v.buffer))).toBe(true);

        // the checkpoint: byte for byte the unpadded engine's, the unembedding [V, C]
        const save = (t: Trainer, p: Float32Array, o: typeof oa) => writeCheckpoint(t.layout, { params: p, optimizer: o, step: t.step }, c, d.tokenizer.toJSON());
        const file = save(padded, pa, oa);
        expect(Buffer.from(file).equals(Buffer.from(save(plain, pb, ob)))).toBe(true);
        expect(readSafetensors(file).tensors.get(unembeddingName(c))!.shape).toEqual([V, c.model.dModel]);

        // on the GPU the padded rows of the weights, moments and gradients are exactly +0
        if (V % 4 !== 0) {
          for (const [what, buffer] of [['params', padded.model.params], ['m', padded.model.m], ['v', padded.model.v], ['grads', padded.model.grads]] as const) {
            const rows = await paddedRows(padded, buffer);
            expect(rows.length).toBe((padded.model.Vp - V) * c.model.dModel);
            expect(Array.from(rows).every((x) => Object.is(x, 0)), `${what}: the padded rows`).toBe(true);
          }
        }

        // loading unpadded weights pads them: a copy resumed from the plain run's state continues alike
        const resumed = new Trainer(gpu, c, d);
        resumed.resume({ params: pb, ...ob });
        expect(Buffer.from((await resumed.readParams()).buffer).equals(Buffer.from(pb.buffer))).toBe(true);
        resumed.destroy();
        padded.destroy();
        plain.destroy();
        expect(gpu.errors).toEqual([]);
      });
    }

    it(`V=${V}: the padded engine's losses and gradient norms follow the float64 reference`, async () => {
      const gpu = await testGpu();
      const c = config(CASES[0][1]);
      const trainer = new Trainer(gpu, c, data(V));
      const init = await trainer.readParams();
      const { metrics, batches } = await train(trainer);
      trainer.destroy();
      const all = new Int32Array(batches.reduce((n, b) => n + b.length, 0));
      batches.reduce((at, b) => (all.set(b, at), at + b.length), 0);
      const replay = refReplay(c, trainer.shape, trainer.layout, init, all);
      const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-3);
      for (let s = 0; s < STEPS; s++) {
        expect(rel(metrics[s].ntp, replay[s].ntp), `ntp at step ${s + 1}`).toBeLessThan(1e-4);
        expect(rel(metrics[s].loss, replay[s].loss), `loss at step ${s + 1}`).toBeLessThan(1e-4);
        expect(rel(metrics[s].gradNorm, replay[s].gradNorm), `gradNorm at step ${s + 1}`).toBeLessThan(1e-4);
      }
    });
  }
});
