// protocol.ts: the worker/UI boundary (comlink). The only module both sides import: the worker
// owns the GPU device, buffers, RNG and step count; the UI holds no GPU object.
import type { PartialRunConfig, RunConfig } from '../model/config.ts';
import type { EvalLosses, StepMetrics } from './trainer.ts';
import type { EvalRecord, ProbeRecord } from './evaluator.ts';

export type { EvalLosses, EvalRecord, ProbeRecord, StepMetrics };

export interface EngineInfo {
  config: RunConfig; // the resolved config
  adapter: string;
  parameters: number;
  vocabSize: number;
  tokensPerStep: number;
  trainTokens: number; // Infinity for generated data
  valTokens: number;
  /** what the data is and how it is split, for people */
  dataSummary: string;
  /** whether tokens carry part-of-speech tags (not for uploads or synthetic tasks) */
  tagged: boolean;
  /** exact loss of an ideal predictor (nats/token) where the data knows it */
  lossFloor: number | null;
  /** e.g. "BPE stopped at 300 tokens: …" */
  tokenizerNote: string | null;
}

export interface InitOptions {
  /** the validated text of the file the config's data.upload names */
  uploadText?: string;
}

export interface MetricsBatch {
  steps: StepMetrics[];
  /** training throughput since start() */
  tokensPerSecond: number;
  /** on evaluation steps (every eval.every steps and the last): losses and geometry of the held-out batch */
  eval?: EvalRecord;
}

export interface TrainerApi {
  /** Validates the config, loads data, builds the model. Rejects with a readable message. */
  /** `onProgress` (BPE training: merges done of total) must be a top-level Comlink.proxy argument. */
  init(config: PartialRunConfig, options?: InitOptions, onProgress?: (done: number, total: number) => void): Promise<EngineInfo>;
  /** Trains until the configured step count or pause(); metrics arrive every `logEvery` steps. */
  start(onMetrics: (batch: MetricsBatch) => void, logEvery?: number): Promise<void>;
  pause(): void;
  /** Runs n steps now and returns their metrics. */
  step(n: number): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalRecord>;
  /** Linear part-of-speech probe per layer; null when the data has no tags. */
  probe(): Promise<ProbeRecord[] | null>;
}
