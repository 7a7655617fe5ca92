// evaluator.ts: what an evaluation measures on the run's fixed held-out evaluation set, with the
// weights of the current step: validation NTP/NITP losses, and for every hidden state (x0, each
// block's output, the final h; docs/method.md §2, §5) effective rank, anisotropy, mean norm and spectrum; for the
// final h also a PCA projection of a fixed token sample (axes kept stable from one evaluation to
// the next) and the distribution of the NITP alignment cos(P(h_t), z_{t+s}). On demand: a linear
// part-of-speech probe per layer.
//
// The evaluation set (E sequences of T+1 tokens, fixed per run, independent of the batch size B)
// runs through the model's forward pass in chunks of B sequences; each chunk's hidden states and
// per-position losses are copied into buffers that hold the whole set (E·T rows), so the
// geometry is measured over all E·T tokens at once. Memory: (L+3)·E·T·d floats.
//
// The heavy reductions run on the GPU (gpu/ops/metrics.ts); per layer only the d×d covariance,
// its mean and the pair cosines come back. On the CPU, in float64 (metrics/eigen.ts): every
// layer's eigenvalues (Householder tridiagonalisation + implicit QR, ~4/3·d³ flops, within ~1e-14
// of the Jacobi reference), and only for the final h the few leading eigenvectors the PCA axes
// need (inverse iteration, O(d²) each); then everything after them.
import { Program, type Binding } from '../gpu/program.ts';
import { createStorage, readFloats } from '../gpu/buffers.ts';
import { covarianceScratchFloats, covarianceStats, pairCosines, project, rowCosines } from '../gpu/ops/metrics.ts';
import { covarianceStatsLayout, layerGeometry } from '../metrics/geometry.ts';
import { DEFAULT_PAIRS, drawPairs, histogram } from '../metrics/anisotropy.ts';
import { spectrumSummary } from '../metrics/effectiveRank.ts';
import { DEFAULT_PCA_SAMPLE, axesForUpload, pcaSampleRows, stablePcaAxes, type PcaAxes } from '../metrics/pca.ts';
import { linearProbe } from '../metrics/probe.ts';
import { POS_COUNT } from '../data/pos.ts';
import type { Trainer } from './trainer.ts';
import type { EvalRecord, LayerId, LayerMetrics, ProbeRecord } from './protocol.ts';

export const SPECTRUM_TOP = 16;

/** Mean in float64, in index order. */
function mean(xs: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}
const ALIGN = 64; // floats: 256-byte offsets

export class Evaluator {
  /** each layer's hidden states: `source` (B,T,C) in the model, gathered into `buffer` (E,T,C) */
  private readonly layers: { id: LayerId; source: GPUBuffer; buffer: GPUBuffer }[];
  private readonly prediction: { source: GPUBuffer; buffer: GPUBuffer } | null; // NITP P(h), likewise
  private readonly ntpLosses: GPUBuffer; // (E*T)
  private readonly auxLosses: GPUBuffer | null; // (E*auxPerSequence)
  private readonly auxPerSequence: number;
  /** E, the sequences of the evaluation set */
  private readonly sequences: number;
  private readonly stats: GPUBuffer; // (layers, statsStride)
  private readonly cosines: GPUBuffer; // (layers, cosStride)
  private readonly statsStride: number;
  private readonly cosStride: number;
  private readonly nPairs: number;
  private readonly rows: Uint32Array;
  private readonly axes: GPUBuffer; // (3, C)
  private readonly points: GPUBuffer; // (nRows, 3)
  private readonly alignment: GPUBuffer | null;
  private readonly alignmentCount: number;
  private readonly geometry: Program;
  private readonly projection: Program;
  private readonly owned: GPUBuffer[] = [];
  private previousAxes: PcaAxes | null = null;
  /** wall-clock seconds spent in evaluate() so far (for the evaluation's share of a run) */
  seconds = 0;

  constructor(private readonly trainer: Trainer) {
    const model = trainer.model;
    const device = model.device;
    const { T, C } = trainer.shape;
    const set = trainer.evaluationSet;
    this.sequences = set.tokens.length / (T + 1);
    const N = this.sequences * T;
    const buf = (floats: number, label: string) => {
      const b = createStorage(device, floats, label);
      this.owned.push(b);
      return b;
    };
    const upload = (data: Uint32Array, label: string) => {
      const b = buf(data.length, label);
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    this.layers = [
      ...model.res.map((source, k) => ({ id: k as LayerId, source, buffer: buf(N * C, `evalRes${k}`) })),
      { id: 'final' as LayerId, source: model.lnf, buffer: buf(N * C, 'evalLnf') },
    ];
    const prediction = model.nitpPrediction();
    this.prediction = prediction ? { source: prediction, buffer: buf(N * C, 'evalPrediction') } : null;
    const losses = model.positionLosses;
    const shift = trainer.config.nitp.shift === 'next' ? 1 : 0;
    // aux losses per position: one per pair for NITP, one per sequence for the generic regularizer
    this.auxPerSequence = losses.aux === null ? 0 : trainer.config.nitp.regularizer === 'nitp' ? T - shift : 1;
    this.ntpLosses = buf(N, 'evalNtpLosses');
    this.auxLosses = losses.aux ? buf(this.sequences * this.auxPerSequence, 'evalAuxLosses') : null;

    const seed = trainer.config.train.seed;
    this.nPairs = DEFAULT_PAIRS;
    const pairs = upload(drawPairs(N, this.nPairs, seed, T), 'evalPairs');
    this.rows = pcaSampleRows(N, Math.min(DEFAULT_PCA_SAMPLE, N), seed);
    const rows = upload(this.rows, 'pcaRows');
    this.statsStride = Math.ceil(covarianceStatsLayout(C).floats / ALIGN) * ALIGN;
    this.cosStride = Math.ceil(this.nPairs / ALIGN) * ALIGN;
    this.stats = buf(this.layers.length * this.statsStride, 'evalStats');
    this.cosines = buf(this.layers.length * this.cosStride, 'evalCosines');
    this.axes = buf(3 * C, 'pcaAxes');
    this.points = buf(this.rows.length * 3, 'pcaPoints');
    const scratch = buf(covarianceScratchFloats(device, N, C), 'covarianceScratch');

    this.geometry = new Program(device);
    this.layers.forEach((layer, i) => {
      const stats: Binding = { buffer: this.stats, offset: i * this.statsStride * 4, size: this.statsStride * 4 };
      const cos: Binding = { buffer: this.cosines, offset: i * this.cosStride * 4, size: this.cosStride * 4 };
      covarianceStats(this.geometry, stats, { buffer: layer.buffer }, N, C, { buffer: scratch });
      pairCosines(this.geometry, cos, { buffer: layer.buffer }, { buffer: pairs }, this.nPairs, C);
    });
    this.alignmentCount = this.prediction ? this.sequences * (T - shift) : 0;
    this.alignment = this.prediction ? buf(this.alignmentCount, 'alignment') : null;
    if (this.prediction && this.alignment) {
      const k = trainer.config.nitp.targetLayer;
      rowCosines(this.geometry, { buffer: this.alignment }, { buffer: this.prediction.buffer }, { buffer: this.layers[k].buffer }, this.sequences, T, C, shift);
    }
    const final = this.layers.length - 1;
    this.projection = new Program(device);
    project(this.projection, { buffer: this.points }, { buffer: this.layers[final].buffer }, { buffer: rows }, this.rows.length,
      { buffer: this.axes }, { buffer: this.stats, offset: final * this.statsStride * 4, size: C * 4 }, C, 3);
  }

  /**
   * Runs the evaluation set through the model, B sequences at a time, gathering every layer's
   * hidden states and the per-position losses of the whole set. The last chunk is filled up with
   * copies of its first sequence, whose results are not gathered.
   */
  private forwardEvaluationSet(): void {
    const model = this.trainer.model;
    const { T, C } = this.trainer.shape;
    const B = model.B;
    const tokens = this.trainer.evaluationSet.tokens;
    const losses = model.positionLosses;
    const chunk = new Int32Array(B * (T + 1));
    for (let first = 0; first < this.sequences; first += B) {
      const rows = Math.min(B, this.sequences - first);
      chunk.set(tokens.subarray(first * (T + 1), (first + rows) * (T + 1)));
      for (let r = rows; r < B; r++) chunk.set(tokens.subarray(first * (T + 1), (first + 1) * (T + 1)), r * (T + 1));
      this.trainer.forward(chunk);
      const encoder = model.device.createCommandEncoder();
      const gather = (from: GPUBuffer, to: GPUBuffer, perSequence: number) =>
        encoder.copyBufferToBuffer(from, 0, to, first * perSequence * 4, rows * perSequence * 4);
      for (const layer of this.layers) gather(layer.source, layer.buffer, T * C);
      if (this.prediction) gather(this.prediction.source, this.prediction.buffer, T * C);
      gather(losses.ntp, this.ntpLosses, T);
      if (losses.aux && this.auxLosses) gather(losses.aux, this.auxLosses, this.auxPerSequence);
      model.device.queue.submit([encoder.finish()]);
    }
  }

  /** Evaluates the current weights (see the file header). */
  async evaluate(): Promise<EvalRecord> {
    const started = performance.now();
    try {
      return await this.measure();
    } finally {
      this.seconds += (performance.now() - started) / 1000;
    }
  }

  private async measure(): Promise<EvalRecord> {
    const { C } = this.trainer.shape;
    this.forwardEvaluationSet();
    this.geometry.run();
    const device = this.trainer.model.device;
    const [stats, cosines, align, ntpLosses, auxLosses] = await Promise.all([
      readFloats(device, this.stats),
      readFloats(device, this.cosines),
      this.alignment ? readFloats(device, this.alignment, this.alignmentCount) : Promise.resolve(null),
      readFloats(device, this.ntpLosses, this.sequences * this.trainer.shape.T),
      // exact counts: a storage buffer may be padded beyond its floats
      this.auxLosses ? readFloats(device, this.auxLosses, this.sequences * this.auxPerSequence) : Promise.resolve(null),
    ]);
    const layers: LayerMetrics[] = [];
    let finalEigen = null;
    let finalMean: Float64Array | null = null;
    const k = Math.min(3, C);
    for (let i = 0; i < this.layers.length; i++) {
      const final = i === this.layers.length - 1;
      const g = layerGeometry(
        stats.subarray(i * this.statsStride, (i + 1) * this.statsStride),
        cosines.subarray(i * this.cosStride, i * this.cosStride + this.nPairs), C,
        final ? k : 0, // eigenvectors only where the PCA axes come from
      );
      const { top, tail } = spectrumSummary(g.spectrum, SPECTRUM_TOP);
      layers.push({ layer: this.layers[i].id, erank: g.effectiveRank, anisotropy: g.anisotropy, norm: g.meanNorm, spectrum: top, tail });
      if (final) {
        finalEigen = g.eigen;
        finalMean = g.mean;
      }
    }
    const axes = stablePcaAxes(finalEigen!, k, this.previousAxes);
    this.previousAxes = axes;
    const upload = new Float32Array(3 * C);
    upload.set(axesForUpload(axes));
    device.queue.writeBuffer(this.axes, 0, upload);
    this.projection.run();
    const points = await readFloats(device, this.points, this.rows.length * 3);
    return {
      step: this.trainer.step,
      valNtp: mean(ntpLosses),
      valAux: auxLosses ? mean(auxLosses) : null,
      layers,
      pca: {
        points, rows: this.rows, explained: Array.from(axes.explained),
        meanProjection: [0, 1, 2].map((j) => finalMean!.reduce((acc, m, c) => acc + m * axes.axes[j * C + c], 0)),
      },
      alignment: align ? histogram(align, 40) : null,
    };
  }

  /**
   * A ridge-regularised linear probe from each layer's frozen hidden states to the part-of-speech
   * class of the input token, fit on part of the evaluation batch and scored on the rest.
   * Null when the dataset has no tags (uploads, synthetic tasks).
   */
  async probe(): Promise<ProbeRecord[] | null> {
    const set = this.trainer.evaluationSet;
    if (!set.tags) return null;
    const { T, C } = this.trainer.shape;
    const N = this.sequences * T;
    const labels = new Uint8Array(N);
    for (let b = 0; b < this.sequences; b++) labels.set(set.tags.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    this.forwardEvaluationSet(); // hidden states of the current weights
    const out: ProbeRecord[] = [];
    for (const layer of this.layers) {
      const features = await readFloats(this.trainer.model.device, layer.buffer, N * C);
      const r = linearProbe(features, labels, N, C, POS_COUNT, { seed: this.trainer.config.train.seed });
      out.push({ layer: layer.id, accuracy: r.accuracy, chance: r.chance });
    }
    return out;
  }

  destroy(): void {
    this.geometry.destroy();
    this.projection.destroy();
    for (const b of this.owned) b.destroy();
  }
}
