// evaluator.ts: what an evaluation measures on the run's fixed held-out batch, with the weights
// of the current step: validation NTP/NITP losses, and for every hidden state (x0, each block's
// output, the final h; docs/method.md §2, §5) effective rank, anisotropy, mean norm and spectrum; for the
// final h also a PCA projection of a fixed token sample (axes kept stable from one evaluation to
// the next) and the distribution of the NITP alignment cos(P(h_t), z_{t+s}). On demand: a linear
// part-of-speech probe per layer.
//
// The heavy reductions run on the GPU (gpu/ops/metrics.ts); per layer only the d×d covariance,
// its mean and the pair cosines come back. The eigendecomposition (cyclic Jacobi, float64,
// metrics/eigen.ts: reconstruction error ~1e-15) and everything after it run on the CPU.
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
const ALIGN = 64; // floats: 256-byte offsets

export class Evaluator {
  private readonly layers: { id: LayerId; buffer: GPUBuffer }[];
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

  constructor(private readonly trainer: Trainer) {
    const model = trainer.model;
    const device = model.device;
    const { T, C } = trainer.shape;
    const N = model.B * T;
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
    this.layers = [...model.res.map((buffer, k) => ({ id: k as LayerId, buffer })), { id: 'final', buffer: model.lnf }];
    const seed = trainer.config.train.seed;
    this.nPairs = Math.min(DEFAULT_PAIRS, (N * (N - 1)) / 2);
    const pairs = upload(drawPairs(N, this.nPairs, seed), 'evalPairs');
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
    const prediction = model.nitpPrediction();
    const shift = trainer.config.nitp.shift === 'next' ? 1 : 0;
    this.alignmentCount = prediction ? model.B * (T - shift) : 0;
    this.alignment = prediction ? buf(this.alignmentCount, 'alignment') : null;
    if (prediction && this.alignment) {
      const k = trainer.config.nitp.targetLayer ?? 1;
      rowCosines(this.geometry, { buffer: this.alignment }, { buffer: prediction }, { buffer: model.hidden(k) }, model.B, T, C, shift);
    }
    const final = this.layers.length - 1;
    this.projection = new Program(device);
    project(this.projection, { buffer: this.points }, { buffer: model.lnf }, { buffer: rows }, this.rows.length,
      { buffer: this.axes }, { buffer: this.stats, offset: final * this.statsStride * 4, size: C * 4 }, C, 3);
  }

  /** Evaluates the current weights (see the file header). */
  async evaluate(): Promise<EvalRecord> {
    const { C } = this.trainer.shape;
    const losses = await this.trainer.evaluate(); // forward on the evaluation batch: hidden states stay on the GPU
    this.geometry.run();
    const device = this.trainer.model.device;
    const [stats, cosines, align] = await Promise.all([
      readFloats(device, this.stats),
      readFloats(device, this.cosines),
      this.alignment ? readFloats(device, this.alignment, this.alignmentCount) : Promise.resolve(null),
    ]);
    const layers: LayerMetrics[] = [];
    let finalEigen = null;
    let finalMean: Float64Array | null = null;
    for (let i = 0; i < this.layers.length; i++) {
      const g = layerGeometry(
        stats.subarray(i * this.statsStride, (i + 1) * this.statsStride),
        cosines.subarray(i * this.cosStride, i * this.cosStride + this.nPairs), C,
      );
      const { top, tail } = spectrumSummary(g.spectrum, SPECTRUM_TOP);
      layers.push({ layer: this.layers[i].id, erank: g.effectiveRank, anisotropy: g.anisotropy, norm: g.meanNorm, spectrum: top, tail });
      if (i === this.layers.length - 1) {
        finalEigen = g.eigen;
        finalMean = g.mean;
      }
    }
    const axes = stablePcaAxes(finalEigen!, Math.min(3, C), this.previousAxes);
    this.previousAxes = axes;
    const upload = new Float32Array(3 * C);
    upload.set(axesForUpload(axes));
    device.queue.writeBuffer(this.axes, 0, upload);
    this.projection.run();
    const points = await readFloats(device, this.points, this.rows.length * 3);
    return {
      step: this.trainer.step,
      valNtp: losses.valNtp,
      valAux: losses.valAux,
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
    const batch = this.trainer.evaluationBatch;
    if (!batch.tags) return null;
    const { T, C } = this.trainer.shape;
    const B = this.trainer.model.B;
    const labels = new Uint8Array(B * T);
    for (let b = 0; b < B; b++) labels.set(batch.tags.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    await this.trainer.evaluate(); // hidden states of the current weights
    const out: ProbeRecord[] = [];
    for (const layer of this.layers) {
      const features = await readFloats(this.trainer.model.device, layer.buffer, B * T * C);
      const r = linearProbe(features, labels, B * T, C, POS_COUNT, { seed: this.trainer.config.train.seed });
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
