// protocol.ts: the worker/UI boundary (comlink). The only module both sides import: the worker
// owns the GPU device, buffers, RNG and step count; the UI holds no GPU object.
import type { PartialRunConfig, RunConfig } from '../model/config.ts';
import type { EvalLosses, StepMetrics } from './trainer.ts';

export type { EvalLosses, StepMetrics };

export interface EngineInfo {
  config: RunConfig; // the resolved config
  adapter: string;
  parameters: number;
  vocabSize: number;
  tokensPerStep: number;
  trainTokens: number;
  valTokens: number;
}

export interface MetricsBatch {
  steps: StepMetrics[];
  /** training throughput since start() */
  tokensPerSecond: number;
  eval?: EvalLosses & { step: number };
}

export interface TrainerApi {
  /** Validates the config, loads data, builds the model. Rejects with a readable message. */
  init(config: PartialRunConfig): Promise<EngineInfo>;
  /** Trains until the configured step count or pause(); metrics arrive every `logEvery` steps. */
  start(onMetrics: (batch: MetricsBatch) => void, logEvery?: number): Promise<void>;
  pause(): void;
  /** Runs n steps now and returns their metrics. */
  step(n: number): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalLosses>;
}
