// trainer.ts: runs training steps of one model on the GPU. The same class serves the browser
// worker and the Node command line: it takes a GpuContext and token arrays, never a host API.
//
// Per step the CPU samples a batch, uploads it (inputs, targets, and the per-token index the
// embedding backward needs) and submits the recorded step program: one submission, no waiting
// (trainTogether: one submission for the steps of several runs, the lab's pair).
// The step's scalars are copied into a ring on the GPU; flushMetrics() maps the ring every few
// steps, so the CPU never waits inside a step.
import type { GpuContext } from '../gpu/device.ts';
import { Program } from '../gpu/program.ts';
import { readBytes, readFloats } from '../gpu/buffers.ts';
import { runAtOnce, runSliced, type Cancellation } from '../util/cooperative.ts';
import {
  SCALAR_AUX, SCALAR_CLIP, SCALAR_COUNT as SCALARS, SCALAR_GRAD_NORM, SCALAR_LOSS, SCALAR_LR, SCALAR_NTP,
} from '../gpu/ops/optimizer.ts';
import { GptGpu } from '../model/gpt.ts';
import { type RunConfig, usesAuxLoss } from '../model/config.ts';
import { initParams, modelShape, VOCAB_MULTIPLE, type ModelShape, type ParamLayout } from '../model/params.ts';
import type { Batch, BatchSource, Dataset } from '../data/dataset.ts';
import type { EvalLosses, StepMetrics } from './protocol.ts';

export type { EvalLosses, StepMetrics };

const RING_STEPS = 256; // steps of scalars kept on the GPU between readbacks

export interface TrainerOptions {
  /** the engine pads the vocabulary to a multiple of this (GptGpu); 1 turns padding off, for tests and benchmarks */
  vocabMultiple?: number;
}

export class Trainer {
  readonly shape: ModelShape;
  /** the run's parameter layout, unpadded (the GPU's padding stays inside GptGpu) */
  readonly layout: ParamLayout;
  readonly model: GptGpu;
  /** updates done so far */
  step = 0;
  private readonly device: GPUDevice;
  private readonly stepProgram: Program;
  private readonly evalProgram: Program;
  private sampler: BatchSource;
  private readonly evalSet: Batch;
  private readonly ring: GPUBuffer;
  private flushedStep = 0;

  /** the run's config; only its evaluation schedule may change during a run (setEvalSchedule) */
  get config(): RunConfig {
    return this.runConfig;
  }

  constructor(gpu: GpuContext, private runConfig: RunConfig, readonly data: Dataset, options: TrainerOptions = {}) {
    const config = runConfig;
    this.device = gpu.device;
    this.shape = modelShape(config, data.vocabSize);
    this.model = new GptGpu(this.device, config, this.shape, options.vocabMultiple ?? VOCAB_MULTIPLE);
    this.layout = this.model.layout;
    const { T } = this.shape;
    this.sampler = this.trainingBatches();
    // The evaluation set is fixed for the run, drawn from its own stream of the seed; its size does not depend on B.
    this.evalSet = data.batches('val', config.eval.sequences, T, config.train.seed, 'eval').next();
    this.ring = this.device.createBuffer({ label: 'metricsRing', size: RING_STEPS * SCALARS * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    this.stepProgram = new Program(this.device);
    this.model.recordTrainStep(this.stepProgram);
    this.evalProgram = new Program(this.device);
    this.model.recordEval(this.evalProgram);
    this.loadParams(initParams(this.layout, config.train.seed, config.model.nLayer));
  }

  /** Writes weights (flat, layout order) and resets the optimizer state and step count. */
  loadParams(flat: Float32Array, state?: { m: Float32Array; v: Float32Array; step: number }): void {
    const zeros = new Float32Array(this.layout.totalFloats);
    this.model.writeFlat(this.model.params, flat);
    this.model.writeFlat(this.model.m, state?.m ?? zeros);
    this.model.writeFlat(this.model.v, state?.v ?? zeros);
    this.device.queue.writeBuffer(this.model.stepCounter, 0, new Uint32Array([state?.step ?? 0]));
    this.step = state?.step ?? 0;
    this.flushedStep = this.step;
  }

  /**
   * Changes when the run is evaluated (eval.every, eval.early: fields whose change needs no
   * restart). Training itself does not depend on them, so the losses stay bit-identical.
   */
  setEvalSchedule(schedule: Pick<RunConfig['eval'], 'every' | 'early'>): void {
    this.runConfig = { ...this.runConfig, eval: { ...this.runConfig.eval, ...schedule } };
  }

  /** A fresh copy of the run's training batch stream (deterministic in the seed): batch s is step s+1's. */
  trainingBatches(): BatchSource {
    return this.data.batches('train', this.model.B, this.shape.T, this.config.train.seed, 'batches');
  }

  /**
   * Continues from a checkpoint taken after `state.step` updates: weights, AdamW moments and step
   * counter are restored and the batch stream skips the batches those updates used, so the
   * next steps are bit-identical to those of a run that never stopped.
   */
  resume(state: { params: Float32Array; m: Float32Array; v: Float32Array; step: number }): void {
    runAtOnce(this.resumeSteps(state));
  }

  /** resume() in slices (util/cooperative.ts): a resume at a late step skips its batches without blocking, and can be cancelled. */
  resumeAsync(state: { params: Float32Array; m: Float32Array; v: Float32Array; step: number }, cancel: Cancellation = {}): Promise<void> {
    return runSliced(this.resumeSteps(state), 'Skipping the batches of a resumed run', cancel);
  }

  private *resumeSteps(state: { params: Float32Array; m: Float32Array; v: Float32Array; step: number }): Generator<void, void> {
    const { step } = state;
    if (!Number.isInteger(step) || step < 0 || step > this.config.train.steps) {
      throw new Error(`cannot resume at step ${step}: it must be an integer in 0..train.steps (${this.config.train.steps})`);
    }
    // the stream first (it may be cancelled), then the weights: a cancelled resume changes nothing
    const sampler = this.trainingBatches();
    for (let s = 0; s < step; s++) {
      sampler.next();
      yield;
    }
    this.sampler = sampler;
    this.loadParams(state.params, state);
  }

  /**
   * Submits one training step on `tokens` (B, T+1), by default the sampler's next batch, and
   * returns the batch. Call flushMetrics() at least every RING_STEPS steps.
   */
  trainStep(tokens: Int32Array = this.sampler.next().tokens): Int32Array {
    const encoder = this.device.createCommandEncoder();
    this.encodeStep(encoder, tokens);
    this.device.queue.submit([encoder.finish()]);
    return tokens;
  }

  /**
   * Uploads `tokens` (by default the sampler's next batch) and appends one training step to
   * `encoder`, counted as done: the caller submits it (trainTogether puts several runs' steps in
   * one submission). At most one step of a trainer per submission: the upload of a second would
   * overwrite the first's batch before either runs.
   */
  encodeStep(encoder: GPUCommandEncoder, tokens: Int32Array = this.sampler.next().tokens): Int32Array {
    this.checkRingRoom();
    this.model.uploadBatch(tokens);
    this.stepProgram.encode(encoder);
    encoder.copyBufferToBuffer(this.model.scalars, 0, this.ring, (this.step % RING_STEPS) * SCALARS * 4, SCALARS * 4);
    this.step++;
    return tokens;
  }

  /** Throws when the metrics ring is full: flushMetrics() must run at least every RING_STEPS steps. */
  checkRingRoom(): void {
    if (this.step - this.flushedStep >= RING_STEPS) {
      throw new Error(`flushMetrics() must run at least every ${RING_STEPS} steps`);
    }
  }

  /** Dispatches in one training step (the recorded program's), for benchmarks. */
  get dispatchesPerStep(): number {
    return this.stepProgram.dispatches().length;
  }

  /** Reads back the scalars of every step since the last flush (one map for many steps). */
  async flushMetrics(): Promise<StepMetrics[]> {
    const from = this.flushedStep;
    const to = this.step;
    this.flushedStep = to;
    if (to === from) return [];
    const ring = new Float32Array(await readBytes(this.device, this.ring));
    const aux = usesAuxLoss(this.config);
    const out: StepMetrics[] = [];
    for (let s = from; s < to; s++) {
      const o = (s % RING_STEPS) * SCALARS;
      out.push({
        step: s + 1,
        lr: ring[o + SCALAR_LR],
        loss: ring[o + SCALAR_LOSS],
        ntp: ring[o + SCALAR_NTP],
        aux: aux ? ring[o + SCALAR_AUX] : null,
        gradNorm: ring[o + SCALAR_GRAD_NORM],
        clipScale: ring[o + SCALAR_CLIP],
      });
    }
    return out;
  }

  /**
   * Runs the forward pass and losses on `tokens` (B, T+1) without an update: hidden states stay in
   * the model's buffers and the losses in evalScalars (queue-ordered; nothing is read back).
   */
  forward(tokens: Int32Array): void {
    this.model.uploadBatch(tokens);
    this.evalProgram.run();
  }

  /** Mean losses of the current weights on one batch `tokens` (B, T+1). */
  async evaluate(tokens: Int32Array): Promise<EvalLosses> {
    this.forward(tokens);
    const s = await readFloats(this.device, this.model.evalScalars, SCALARS);
    return { valNtp: s[SCALAR_NTP], valAux: usesAuxLoss(this.config) ? s[SCALAR_AUX] : null };
  }

  /** The fixed evaluation set (E = eval.sequences, T+1), with its tags where the dataset has them. */
  get evaluationSet(): Batch {
    return this.evalSet;
  }

  /** Current weights (flat, layout order: unpadded). */
  async readParams(): Promise<Float32Array> {
    return this.model.readFlat(this.model.params);
  }

  /** AdamW moments (flat, layout order: unpadded). */
  async readOptimizerState(): Promise<{ m: Float32Array; v: Float32Array; step: number }> {
    const m = await this.model.readFlat(this.model.m);
    const v = await this.model.readFlat(this.model.v);
    return { m, v, step: this.step };
  }

  destroy(): void {
    this.stepProgram.destroy();
    this.evalProgram.destroy();
    this.model.destroy();
    this.ring.destroy();
  }
}

/**
 * One training step of each of `trainers` (distinct, on one device), encoded in one command
 * buffer and submitted once: the lab trains its NTP/NITP pair this way, half the submissions of
 * stepping each alone, with the same results (each run's commands stay in order).
 */
export function trainTogether(trainers: readonly Trainer[]): void {
  if (new Set(trainers).size !== trainers.length) throw new Error('trainTogether: a trainer may step once per submission');
  const device = trainers[0].model.device;
  const encoder = device.createCommandEncoder();
  for (const t of trainers) {
    if (t.model.device !== device) throw new Error('trainTogether: the trainers must share one device');
    t.checkRingRoom(); // before any step is counted
  }
  for (const t of trainers) t.encodeStep(encoder);
  device.queue.submit([encoder.finish()]);
}
