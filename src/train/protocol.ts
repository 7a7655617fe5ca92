// protocol.ts: the worker/UI boundary (comlink). The only module both sides import: the worker
// owns the GPU device, buffers, RNG and step count; the UI holds no GPU object.
//
// The lab trains a pair: "ntp" (λ = 0) and "nitp" (the config as given), in lock-step on the same
// batches, from bit-identical backbone weights.
import type { PartialRunConfig, RunConfig } from '../model/config.ts';
import type { Histogram } from '../metrics/anisotropy.ts';
import type { SamplingOptions } from './generate.ts';

export type { Histogram, SamplingOptions };

export interface StepMetrics {
  step: number; // 1-based: the update this record belongs to
  lr: number;
  loss: number; // ntp + λ·aux of the batch, before its update
  ntp: number;
  aux: number | null; // null when λ = 0
  gradNorm: number; // before clipping
  clipScale: number;
}

export interface EvalLosses {
  valNtp: number;
  valAux: number | null;
}

/** "final" is h = LN_f(x_L); numbers are residual-stream layers (0 = embedding output). */
export type LayerId = number | 'final';

export interface LayerMetrics {
  layer: LayerId;
  erank: number;
  anisotropy: number;
  norm: number; // mean ‖h‖
  spectrum: number[]; // top SPECTRUM_TOP normalised eigenvalues, largest first
  tail: number; // normalised mass of the remaining eigenvalues
}

export interface PcaSnapshot {
  points: Float32Array; // (n, 3) coordinates on the three stable axes
  rows: Uint32Array; // (n) positions b*T + t in the evaluation batch
  explained: number[]; // (3) fraction of variance per axis
  meanProjection: number[]; // (3) the mean hidden state on the axes: raw coordinates = points + meanProjection
}

export interface EvalRecord {
  step: number;
  valNtp: number;
  valAux: number | null;
  layers: LayerMetrics[];
  pca: PcaSnapshot;
  /** cos(P(h_t), z_{t+s}) over the evaluation batch, when the run has an NITP head (or head "none") */
  alignment: Histogram | null;
}

export interface ProbeRecord {
  layer: LayerId;
  accuracy: number;
  chance: number;
}

export type RunName = 'ntp' | 'nitp';
export const RUNS: readonly RunName[] = ['ntp', 'nitp'];
export type Pair<T> = Record<RunName, T>;

/** The fixed evaluation set, for showing which token a PCA point is. */
export interface EvalBatchInfo {
  B: number; // sequences in the set (eval.sequences; not the training batch size)
  T: number;
  tokens: Int32Array; // (B, T+1)
  tags: Uint8Array | null; // (B, T+1) part-of-speech ids, or null
}

export interface EngineInfo {
  config: RunConfig; // the resolved config of the NITP run (the NTP run has nitp.lambda = 0)
  adapter: string;
  parameters: Pair<number>;
  vocabSize: number;
  /** display text of every token id */
  vocab: string[];
  /** (V) relative frequency of each token id in the training data */
  tokenFrequency: Float64Array;
  evalBatch: EvalBatchInfo;
  tokensPerStep: number; // per model
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
  /** both runs evaluated on their initial weights (step 0): where the geometry starts from, shown before training */
  initialEval: Pair<EvalRecord>;
}

/** What the page shows about a pair besides its metrics, whether it trains here or came from a run file. */
export type PairInfo = Omit<EngineInfo, 'initialEval'>;

export interface InitOptions {
  /** the validated text of the file the config's data.upload names */
  uploadText?: string;
}

/** Text sampled from both models during training, so language can be watched as it emerges. */
export interface TextSample {
  step: number;
  prompt: string;
  text: Pair<string>;
}

export interface SampleOptions {
  /** steps between samples (0 = none) */
  every: number;
  prompt: string;
  /** tokens per sample */
  tokens: number;
}

export interface MetricsBatch {
  steps: Pair<StepMetrics[]>;
  /** tokens per second and model since start() */
  tokensPerSecond: number;
  /** on evaluation steps (every eval.every steps and the last): losses and geometry of the held-out batch */
  eval?: Pair<EvalRecord>;
  /** a text sample of both models, when one was due */
  sample?: TextSample;
  /** with each evaluation: both runs' checkpoints (safetensors with AdamW moments) after this step, for saving */
  checkpoint?: PairCheckpoint;
}

export interface PairCheckpoint {
  step: number;
  ntp: Uint8Array;
  nitp: Uint8Array;
}

/** The worker's heartbeat interval; the page restarts a worker silent for much longer (engineWorker.ts). */
export const HEARTBEAT_MS = 1000;

/** Messages the worker posts besides comlink's: a heartbeat, and uncaught errors. */
export type WorkerSignal =
  | { nitp: 'heartbeat' }
  | { nitp: 'error'; message: string }
  /** the worker is timing kernel variants for this GPU (gpu/tune.ts), or has finished */
  | { nitp: 'tuning'; active: boolean };

export interface TrainerApi {
  /**
   * Validates the config, loads data, builds both models. Rejects with a readable message and
   * leaves the previous pair in place. `onProgress` (BPE training: merges done of total) must be a
   * top-level Comlink.proxy argument.
   */
  init(config: PartialRunConfig, options?: InitOptions, onProgress?: (done: number, total: number) => void): Promise<EngineInfo>;
  /**
   * Trains until the configured step count or pause(); metrics arrive every `logEvery` steps, and
   * a text sample of both models every `samples.every` steps (greedy-free: temperature 0.8, top-k 20, fixed seed).
   */
  start(onMetrics: (batch: MetricsBatch) => void, logEvery?: number, samples?: SampleOptions): Promise<void>;
  /**
   * Changes the evaluation schedule of the pair in training (eval.every, eval.early; the fields
   * the config table marks as needing no restart). Rejects with the config's error for a bad
   * value; resolves to the config now in use.
   */
  setEvalSchedule(schedule: Pick<RunConfig['eval'], 'every' | 'early'>): Promise<RunConfig>;
  pause(): void;
  /** Stops init()'s long work (BPE training) and a checkpoint import's batch skipping: they reject with a CancelledError. */
  cancel(): void;
  /** Runs n steps of both models now and returns their metrics. */
  step(n: number): Promise<Pair<StepMetrics[]>>;
  evaluate(): Promise<Pair<EvalRecord>>;
  /** Linear part-of-speech probe per layer; null when the data has no tags. */
  probe(): Promise<Pair<ProbeRecord[]> | null>;
  /**
   * Continues `prompt` with one model (paused); `onText` (a top-level Comlink.proxy argument)
   * receives each new token's text as it is chosen. Resolves to the whole continuation.
   */
  generate(run: RunName, prompt: string, options: SamplingOptions, onText?: (piece: string) => void): Promise<string>;
  /** One run's weights and AdamW moments now, as safetensors (docs/method.md §6), with config, step and tokenizer metadata. */
  exportCheckpoint(run: RunName): Promise<Uint8Array>;
  /**
   * Loads a checkpoint (weights, and AdamW moments when it has them) into one run, which then
   * continues from the checkpoint's step. Rejects, changing nothing, with a message naming the
   * problem: not safetensors, a missing tensor or wrong shape (with the expected shape), another
   * model, head or tokenizer. Resolves to the checkpoint's step.
   */
  importCheckpoint(run: RunName, bytes: Uint8Array): Promise<number>;
}
