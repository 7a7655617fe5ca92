// worker.ts: the training engine in a browser Web Worker, exposed through comlink. It trains an
// NTP/NITP pair in lock-step: one batch is drawn per step and both models train on it.
import * as Comlink from 'comlink';
import { DeviceGoneError, DeviceLostError, requestGpu, requestGpuAgain, type GpuContext } from '../gpu/device.ts';
import { isEvalStep, resolveConfig, type PartialRunConfig, type RunConfig } from '../model/config.ts';
import { Trainer, trainTogether } from './trainer.ts';
import { tuneKernels } from '../gpu/tune.ts';
import { IdbKernelCache } from '../gpu/idbKernelCache.ts';
import { describeKernels, type KernelChoice } from '../gpu/kernels.ts';
import { kernelTuneShapes } from '../model/gpt.ts';
import { modelShape } from '../model/params.ts';
import { checkCheckpointFits, NonFiniteCheckpointError, readCheckpoint, writeCheckpoint } from '../model/checkpoint.ts';
import { DivergenceError, divergenceMessage, trainLoop, type LoopRun } from './loop.ts';
import { buildPair, destroyPair, pairInfo } from './pair.ts';
import { checkMemoryPlan, pairMemoryPlan } from '../model/memory.ts';
import { CancelledError } from '../util/cooperative.ts';
import { ErrorScopes, GpuFailure, uncapturedFailure, withErrorScopes } from '../gpu/errors.ts';
import { generate, type SamplingOptions } from './generate.ts';
import { loadDataset } from '../data/runData.ts';
import { fetchCorpusSource } from '../data/corpus.ts';
import { IdbBpeCache } from '../data/bpeCache.ts';
import { HEARTBEAT_MS, RUNS, type WorkerSignal, type EngineInfo, type InitOptions, type MetricsBatch, type Pair, type RunName, type SampleOptions, type TextSample, type TrainerApi } from './protocol.ts';

type Run = LoopRun;

const kernelCache = new IdbKernelCache();

/** A run's weights and AdamW moments now, as safetensors with config, step and tokenizer. */
async function checkpointOf(trainer: Trainer): Promise<Uint8Array> {
  const params = await trainer.readParams();
  const optimizer = await trainer.readOptimizerState();
  return writeCheckpoint(trainer.layout, { params, optimizer, step: trainer.step }, trainer.config, trainer.data.tokenizer.toJSON());
}

/** Whether `promise` settles within `ms` milliseconds (it is left running either way). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  const settled = promise.then(() => true, () => true);
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class WorkerEngine implements TrainerApi {
  private gpu: GpuContext | null = null;
  /** a device being asked for (after a loss: with retries) */
  private acquiring: Promise<GpuContext> | null = null;
  private runs: Pair<Run> | null = null;
  private running = false;
  /** what happened to the last device, until init() rebuilds the pair on a new one */
  private lost: string | null = null;
  private losses = 0;
  /** why the pair stopped for good (a divergence, a GPU error); cleared by init(). Its weights are not saved or trained further. */
  private stopped: Error | null = null;
  /** counts init() and cancel() calls: long work of an older generation stops */
  private generation = 0;
  /** the pair's first training chunk is still to come: it runs inside error scopes */
  private firstChunk = false;
  /** the last step whose metrics reached the page */
  private reportedStep = 0;

  async init(partial: PartialRunConfig, options: InitOptions = {}, onProgress?: (done: number, total: number) => void): Promise<EngineInfo> {
    this.pause();
    // a newer init or cancel() stops this one's long work (BPE training) at its next slice
    const generation = ++this.generation;
    const shouldStop = () => generation !== this.generation;
    const config = resolveConfig(partial);
    const gpu = await this.device();
    const data = await loadDataset(config, fetchCorpusSource(), {
      uploadText: options.uploadText, onProgress, bpeCache: new IdbBpeCache(), shouldStop,
    });
    if (shouldStop()) throw new CancelledError('Loading the data'); // a newer init took over
    // every buffer of both runs against the device's limits and the budget, before allocating any
    checkMemoryPlan(pairMemoryPlan(config, data.vocabSize), gpu.device.limits);
    // kernels timed on this pair's shapes (once per GPU and model shape: IndexedDB keeps the choice)
    let kernels: KernelChoice;
    try {
      kernels = (await tuneKernels(gpu, kernelTuneShapes(config, modelShape(config, data.vocabSize)), {
        cache: kernelCache,
        onTuning: () => self.postMessage({ nitp: 'tuning', active: true } satisfies WorkerSignal),
      })).choice;
    } finally {
      self.postMessage({ nitp: 'tuning', active: false } satisfies WorkerSignal);
    }
    this.destroyRuns();
    gpu.errors.length = 0; // errors of the previous pair stay with it
    // allocation and the step-0 evaluation (the first forward pass) inside error scopes
    const { runs, initialEval } = await withErrorScopes(gpu.device, 'Allocating both runs', async () => {
      const runs = buildPair(gpu, config, data);
      return { runs, initialEval: { ntp: await runs.ntp.evaluator.evaluate(), nitp: await runs.nitp.evaluator.evaluate() } };
    }, (built) => built && destroyPair(built.runs));
    if (gpu !== this.gpu) {
      destroyPair(runs);
      throw new DeviceLostError(this.lost ?? 'the GPU device was lost while the runs were built');
    }
    this.runs = runs;
    this.reportedStep = 0;
    this.stopped = null;
    this.lost = null;
    this.firstChunk = true;
    return { ...pairInfo(runs, data, `${gpu.description} (kernels: ${describeKernels(kernels)})`), initialEval };
  }

  /** The GPU device: the one in use, or a new one (after a loss, asked for with retries). */
  private device(): Promise<GpuContext> {
    if (this.gpu) return Promise.resolve(this.gpu);
    this.acquiring ??= (this.losses > 0 ? requestGpuAgain(navigator.gpu) : requestGpu(navigator.gpu)).then((gpu) => {
      this.gpu = gpu;
      this.acquiring = null;
      gpu.device.lost.then((info) => this.onLost(gpu, info));
      return gpu;
    }, (e) => {
      this.acquiring = null;
      throw e;
    });
    return this.acquiring;
  }

  /** A lost device: training stops, its runs are gone, and a new device is asked for at once. */
  private onLost(gpu: GpuContext, info: GPUDeviceLostInfo): void {
    if (gpu !== this.gpu) return;
    this.running = false;
    this.losses++;
    this.lost = `The GPU device was lost (${info.reason}: ${info.message}) after step ${this.reportedStep}`;
    this.gpu = null;
    this.runs = null; // its buffers died with the device
    this.device().catch(() => undefined); // start() and active report how that went
  }

  /** After a loss: a DeviceLostError once a new device is ready (the page rebuilds from its checkpoint), else DeviceGoneError. */
  private async lossError(): Promise<Error> {
    const lost = this.lost!;
    try {
      await this.device();
      return new DeviceLostError(`${lost}; a new GPU device is ready, and both runs continue from their last checkpoint.`);
    } catch (e) {
      return new DeviceGoneError(`${lost}, and ${(e as Error).message}`);
    }
  }

  /** Both runs; throws with the reason when there are none. */
  private get active(): Pair<Run> {
    if (this.lost) throw new DeviceLostError(this.lost);
    if (!this.runs) throw new Error('the engine is not initialised: call init(config) first');
    return this.runs;
  }

  /** One lock-step step of both models. */
  private stepPair(runs: Pair<Run>): void {
    // Each run draws from its own sampler: both have the same seed and stream, so step s gets the
    // same batch in both, and a run that loaded a checkpoint of another step still gets its own.
    trainTogether([runs.nitp.trainer, runs.ntp.trainer]);
  }

  /** Refuses to go on from weights that diverged or a GPU error spoiled: the page rolls back to its last good checkpoint (or resets). */
  private checkNotDiverged(): void {
    if (this.stopped) throw this.stopped;
  }

  async start(onMetrics: (batch: MetricsBatch) => void, logEvery = 10, samples?: SampleOptions): Promise<void> {
    const runs = this.active;
    this.checkNotDiverged();
    if (this.running) return;
    this.running = true;
    let sampledAt = runs.nitp.trainer.step;
    const gpu = this.gpu!;
    const scopes = this.firstChunk ? new ErrorScopes(gpu.device, 'The first training step') : null;
    try {
      await trainLoop(runs, async (r) => {
        if (scopes) {
          await scopes.close(); // before the first metrics leave: they may be read from failed buffers
          this.firstChunk = false;
        }
        const batch: MetricsBatch = { steps: r.steps, tokensPerSecond: r.tokensPerSecond };
        if (r.eval) batch.eval = r.eval;
        if (samples && samples.every > 0 && Math.floor(r.step / samples.every) > Math.floor(sampledAt / samples.every)) {
          sampledAt = r.step;
          batch.sample = await this.sample(runs, samples, r.step);
        }
        if (r.checkpoint) batch.checkpoint = { step: r.step, ntp: await checkpointOf(runs.ntp.trainer), nitp: await checkpointOf(runs.nitp.trainer) };
        // checkpoints move to the page (transferred, not copied): megabytes per evaluation on larger models
        onMetrics(batch.checkpoint ? Comlink.transfer(batch, [batch.checkpoint.ntp.buffer, batch.checkpoint.nitp.buffer]) : batch);
        this.reportedStep = r.step;
      }, {
        reportEvery: logEvery,
        evalSchedule: () => runs.nitp.trainer.config.eval,
        // a checkpoint with each evaluation after step 0, for saving the run in the browser
        checkpointDue: (step) => step > 0 && isEvalStep(runs.nitp.trainer.config, step),
        shouldStop: () => !this.running,
        evaluateStepZero: false, // init() evaluated step 0 and the page has it
        gpuFailure: () => uncapturedFailure(gpu),
      });
      await scopes?.close(); // a pause before the first report leaves them open otherwise
    } catch (e) {
      // an error the scopes caught in the first step says more than the failure it caused
      const scoped = await scopes?.close().then(() => null, (x: unknown) => x);
      if (scoped) throw (this.stopped = scoped as GpuFailure);
      if (e instanceof DivergenceError || e instanceof NonFiniteCheckpointError || e instanceof GpuFailure) {
        // the weights are not to be trained on or saved: the page rolls back to its last good checkpoint
        this.stopped = e;
        throw e;
      }
      // A lost device makes the pending readback fail first: report the loss, not that symptom.
      if (await settlesWithin(gpu.device.lost, 1000)) throw await this.lossError();
      throw e;
    } finally {
      this.running = false;
    }
    if (this.lost) throw await this.lossError();
  }

  pause(): void {
    this.running = false;
  }

  cancel(): void {
    this.generation++;
    this.running = false;
  }

  async setEvalSchedule(schedule: Pick<RunConfig['eval'], 'every' | 'early'>): Promise<RunConfig> {
    const runs = this.active;
    const { every, early } = schedule;
    // validated as a whole config, so a bad value is refused with the field's own error
    const config = resolveConfig({ ...runs.nitp.trainer.config, eval: { ...runs.nitp.trainer.config.eval, every, early } });
    for (const name of RUNS) runs[name].trainer.setEvalSchedule({ every, early });
    return config;
  }

  /** A short continuation of `prompt` by both models, with a fixed seed per step (between training chunks). */
  private async sample(runs: Pair<Run>, options: SampleOptions, step: number): Promise<TextSample> {
    const text = { ntp: '', nitp: '' };
    for (const name of RUNS) {
      const { trainer } = runs[name];
      const tokenizer = trainer.data.tokenizer;
      const ids = await generate(trainer, tokenizer.encode(options.prompt), { maxTokens: options.tokens, temperature: 0.8, topK: 20, seed: step });
      text[name] = tokenizer.decode(Array.from(ids));
    }
    return { step, prompt: options.prompt, text };
  }

  async step(n: number) {
    const runs = this.active;
    this.checkNotDiverged();
    for (let i = 0; i < n; i++) this.stepPair(runs);
    const steps = { ntp: await runs.ntp.trainer.flushMetrics(), nitp: await runs.nitp.trainer.flushMetrics() };
    const failure = this.gpu ? uncapturedFailure(this.gpu) : null;
    if (failure) throw (this.stopped = new GpuFailure(failure));
    this.reportedStep = runs.nitp.trainer.step;
    // the same checks as trainLoop's
    for (const name of RUNS) {
      for (const m of steps[name]) {
        const message = divergenceMessage(name.toUpperCase(), m, runs[name].trainer.shape.V);
        if (message) throw (this.stopped = new DivergenceError(name.toUpperCase(), m.step, message));
      }
    }
    return steps;
  }

  async evaluate() {
    const runs = this.active;
    return { ntp: await runs.ntp.evaluator.evaluate(), nitp: await runs.nitp.evaluator.evaluate() };
  }

  async probe() {
    const runs = this.active;
    const ntp = await runs.ntp.evaluator.probe();
    const nitp = await runs.nitp.evaluator.probe();
    return ntp && nitp ? { ntp, nitp } : null;
  }

  async generate(run: RunName, prompt: string, options: SamplingOptions, onText?: (piece: string) => void): Promise<string> {
    const runs = this.active;
    if (this.running) throw new Error('pause training before generating text');
    const { trainer } = runs[run];
    const tokenizer = trainer.data.tokenizer;
    const ids = await generate(trainer, tokenizer.encode(prompt), options, (id) => onText?.(tokenizer.decode([id])));
    return tokenizer.decode(ids);
  }

  async exportCheckpoint(run: RunName): Promise<Uint8Array> {
    const { trainer } = this.active[run];
    if (this.running) throw new Error('pause training before saving a checkpoint');
    this.checkNotDiverged();
    const bytes = await checkpointOf(trainer);
    return Comlink.transfer(bytes, [bytes.buffer]);
  }

  async importCheckpoint(run: RunName, bytes: Uint8Array): Promise<number> {
    const { trainer } = this.active[run];
    if (this.running) throw new Error('pause training before loading a checkpoint');
    const checkpoint = readCheckpoint(bytes, trainer.layout);
    checkCheckpointFits(checkpoint.metadata, trainer.config, trainer.data.tokenizer.toJSON());
    // without moments, training goes on from the checkpoint's step with fresh ones
    const zeros = () => new Float32Array(trainer.layout.totalFloats);
    const { m, v } = checkpoint.optimizer ?? { m: zeros(), v: zeros() };
    const generation = this.generation;
    await trainer.resumeAsync({ params: checkpoint.params, m, v, step: checkpoint.step }, { shouldStop: () => generation !== this.generation });
    return checkpoint.step;
  }

  private destroyRuns(): void {
    if (!this.runs) return;
    destroyPair(this.runs);
    this.runs = null;
  }
}

// Liveness (src/ui/hooks/engineWorker.ts): a heartbeat while the event loop turns, and every
// uncaught error or unhandled rejection forwarded to the page, which restarts a dead or hung worker.
// Comlink ignores these messages (they carry no call id).
setInterval(() => self.postMessage({ nitp: 'heartbeat' } satisfies WorkerSignal), HEARTBEAT_MS);
self.addEventListener('unhandledrejection', (event) => {
  const reason = (event as PromiseRejectionEvent).reason;
  self.postMessage({ nitp: 'error', message: `an unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}` } satisfies WorkerSignal);
});
self.addEventListener('error', (event) => {
  self.postMessage({ nitp: 'error', message: (event as ErrorEvent).message || 'an uncaught error' } satisfies WorkerSignal);
});

const engine = new WorkerEngine();
// reachable from the worker's DevTools console (and the browser test of a lost device)
(self as unknown as { nitpEngine: WorkerEngine }).nitpEngine = engine;
Comlink.expose(engine);
