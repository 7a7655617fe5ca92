// worker.ts: the training engine in a browser Web Worker, exposed through comlink.
import * as Comlink from 'comlink';
import { requestGpu, type GpuContext } from '../gpu/device.ts';
import { resolveConfig, type PartialRunConfig } from '../model/config.ts';
import { Trainer } from './trainer.ts';
import { Evaluator } from './evaluator.ts';
import { loadDataset } from '../data/runData.ts';
import { fetchCorpusSource } from '../data/corpus.ts';
import type { EngineInfo, InitOptions, MetricsBatch, TrainerApi } from './protocol.ts';
import { IdbBpeCache } from '../data/bpeCache.ts';

class WorkerEngine implements TrainerApi {
  private gpu: GpuContext | null = null;
  private trainer: Trainer | null = null;
  private evaluator: Evaluator | null = null;
  private running = false;
  private lost: string | null = null;

  async init(partial: PartialRunConfig, options: InitOptions = {}, onProgress?: (done: number, total: number) => void): Promise<EngineInfo> {
    this.pause();
    const config = resolveConfig(partial);
    this.gpu ??= await requestGpu(navigator.gpu);
    const data = await loadDataset(config, fetchCorpusSource(), {
      uploadText: options.uploadText, onProgress, bpeCache: new IdbBpeCache(),
    });
    this.evaluator?.destroy();
    this.trainer?.destroy();
    const trainer = (this.trainer = new Trainer(this.gpu, config, data));
    this.evaluator = new Evaluator(trainer);
    this.gpu.device.lost.then((info) => {
      this.running = false;
      this.lost = `The GPU device was lost (${info.reason}: ${info.message}); training stopped at step ${trainer.step}. ` +
        'The metrics so far are kept; reload the page to start again.';
    });
    return {
      config,
      adapter: this.gpu.description,
      parameters: trainer.layout.count,
      vocabSize: trainer.shape.V,
      tokensPerStep: trainer.model.B * trainer.shape.T,
      trainTokens: data.trainTokens,
      valTokens: data.valTokens,
      dataSummary: data.summary,
      tagged: data.tagged,
      lossFloor: data.lossFloor(config.model.contextLength),
      tokenizerNote: (data.tokenizer as { note?: string }).note ?? null,
    };
  }

  /** The trainer and evaluator of the current run; throws with the reason when there is none. */
  private get active(): { trainer: Trainer; evaluator: Evaluator } {
    if (this.lost) throw new Error(this.lost);
    if (!this.trainer || !this.evaluator) throw new Error('the engine is not initialised: call init(config) first');
    return { trainer: this.trainer, evaluator: this.evaluator };
  }

  async start(onMetrics: (batch: MetricsBatch) => void, logEvery = 10): Promise<void> {
    const { trainer } = this.active;
    if (this.running) return;
    this.running = true;
    const startStep = trainer.step;
    const started = performance.now();
    const total = trainer.config.train.steps;
    while (this.running && trainer.step < total) {
      const every = trainer.config.eval.every;
      // chunks end on evaluation steps, so each evaluation sees the weights of a multiple of eval.every
      const n = Math.min(logEvery, total - trainer.step, every - (trainer.step % every));
      for (let i = 0; i < n; i++) trainer.trainStep();
      // Reading the ring back waits for the GPU: that paces the loop without a per-step wait.
      const steps = await trainer.flushMetrics();
      const batch: MetricsBatch = {
        steps,
        tokensPerSecond: ((trainer.step - startStep) * trainer.model.B * trainer.shape.T) / ((performance.now() - started) / 1000),
      };
      if (trainer.step % every === 0 || trainer.step === total) batch.eval = await this.active.evaluator.evaluate();
      onMetrics(batch);
      if (!steps.every((m) => Number.isFinite(m.loss))) {
        this.running = false;
        throw new Error(`training stopped: the loss became ${steps.find((m) => !Number.isFinite(m.loss))?.loss}`);
      }
    }
    this.running = false;
    if (this.lost) throw new Error(this.lost);
  }

  pause(): void {
    this.running = false;
  }

  async step(n: number): Promise<import('./trainer.ts').StepMetrics[]> {
    const { trainer } = this.active;
    for (let i = 0; i < n; i++) trainer.trainStep();
    return trainer.flushMetrics();
  }

  evaluate() {
    return this.active.evaluator.evaluate();
  }

  probe() {
    return this.active.evaluator.probe();
  }
}

Comlink.expose(new WorkerEngine());
