// config.ts: the experiment config, its defaults and its validation. A config crosses every
// boundary (file, URL, worker) as plain JSON and is validated once; a bad field is refused with
// an error that names it and the allowed values, never silently clamped.

import { SYNTHETIC_KINDS, validateSyntheticTask, type SyntheticKind, type SyntheticTaskConfig } from '../data/synthetic.ts';
import { BPE_MAX_VOCAB, BPE_MIN_VOCAB } from '../data/bpe.ts';
import type { TokenizerKind } from '../data/tokenizer.ts';

export type NitpHead = 'swiglu' | 'none';
export type NitpShift = 'next' | 'current';
export type NitpLossKind = 'cosine' | 'mse' | 'smoothl1';
/** "nitp": the paper's method; "generic-cosine": the paper's baseline, mean pairwise cosine of final hidden states. */
export type Regularizer = 'nitp' | 'generic-cosine';
export type Schedule = 'wsd' | 'cosine';
export type { TokenizerKind };
/** A text corpus ("brown", "upload") or a synthetic task with an exactly known loss floor. */
export type Corpus = 'brown' | 'upload' | SyntheticKind;
const CORPORA: readonly Corpus[] = ['brown', 'upload', ...SYNTHETIC_KINDS];
const TEXT_CORPORA: readonly Corpus[] = ['brown', 'upload'];

/** What a config records of an uploaded file, so a shared link can name the file to supply. */
export interface UploadRecord {
  name: string;
  size: number; // bytes
  sha256: string; // hex
}

export interface ModelConfig {
  contextLength: number; // T
  nLayer: number; // L
  dModel: number; // C (d)
  nHead: number; // NH
  tieEmbeddings: boolean;
}

export interface NitpConfig {
  lambda: number; // 0 = plain NTP (no head is built)
  targetLayer: number | null; // k in 0..L; null = round(0.2 L), at least 1
  head: NitpHead;
  shift: NitpShift;
  stopGrad: boolean;
  loss: NitpLossKind;
  regularizer: Regularizer;
}

export interface TrainConfig {
  steps: number; // S
  batchSize: number; // B
  lr: number;
  warmupSteps: number; // W
  schedule: Schedule;
  weightDecay: number;
  gradClip: number; // max global L2 norm; 0 disables clipping
  seed: number;
}

export interface DataConfig {
  corpus: Corpus;
  tokenizer: TokenizerKind; // text corpora; synthetic tasks have their own symbols
  vocabSize: number; // BPE vocabulary (256..8192); the char tokenizer ignores it
  task: SyntheticTaskConfig | null; // parameters of a synthetic corpus (null: its defaults)
  upload: UploadRecord | null; // the uploaded file, when corpus is "upload"
}

export interface EvalConfig {
  every: number; // steps between evaluations (validation losses and hidden-state geometry); the last step is always evaluated
}

export interface RunConfig {
  model: ModelConfig;
  nitp: NitpConfig;
  train: TrainConfig;
  data: DataConfig;
  eval: EvalConfig;
}

/** A config as a user may write it: every field optional. */
export type PartialRunConfig = { [S in keyof RunConfig]?: Partial<RunConfig[S]> };

/** The default lab model: small enough to train in seconds on a laptop GPU, big enough to show collapse. */
export const DEFAULT_CONFIG: RunConfig = {
  model: { contextLength: 64, nLayer: 4, dModel: 64, nHead: 4, tieEmbeddings: true },
  nitp: { lambda: 1.0, targetLayer: null, head: 'swiglu', shift: 'next', stopGrad: true, loss: 'cosine', regularizer: 'nitp' },
  train: { steps: 2000, batchSize: 32, lr: 2e-3, warmupSteps: 100, schedule: 'wsd', weightDecay: 0.1, gradClip: 1.0, seed: 1337 },
  data: { corpus: 'brown', tokenizer: 'char', vocabSize: 1024, task: null, upload: null },
  eval: { every: 50 },
};

export class ConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`config field "${field}": ${message}`);
    this.name = 'ConfigError';
  }
}

type FieldRule =
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  | { kind: 'number'; min: number; max: number; minExclusive?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'object'; nullable: true; check: (value: unknown, path: string) => unknown };

const RULES: { [S in keyof RunConfig]: { [F in keyof RunConfig[S]]: FieldRule } } = {
  model: {
    contextLength: { kind: 'int', min: 2, max: 4096 },
    nLayer: { kind: 'int', min: 1, max: 64 },
    dModel: { kind: 'int', min: 4, max: 4096 },
    nHead: { kind: 'int', min: 1, max: 256 },
    tieEmbeddings: { kind: 'bool' },
  },
  nitp: {
    lambda: { kind: 'number', min: 0, max: 1000 },
    targetLayer: { kind: 'int', min: 0, max: 64, nullable: true },
    head: { kind: 'enum', values: ['swiglu', 'none'] },
    shift: { kind: 'enum', values: ['next', 'current'] },
    stopGrad: { kind: 'bool' },
    loss: { kind: 'enum', values: ['cosine', 'mse', 'smoothl1'] },
    regularizer: { kind: 'enum', values: ['nitp', 'generic-cosine'] },
  },
  train: {
    steps: { kind: 'int', min: 1, max: 10_000_000 },
    batchSize: { kind: 'int', min: 1, max: 4096 },
    lr: { kind: 'number', min: 0, max: 10, minExclusive: true },
    warmupSteps: { kind: 'int', min: 0, max: 10_000_000 },
    schedule: { kind: 'enum', values: ['wsd', 'cosine'] },
    weightDecay: { kind: 'number', min: 0, max: 10 },
    gradClip: { kind: 'number', min: 0, max: 1e6 },
    seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  },
  data: {
    corpus: { kind: 'enum', values: CORPORA },
    tokenizer: { kind: 'enum', values: ['char', 'bpe'] },
    vocabSize: { kind: 'int', min: BPE_MIN_VOCAB, max: BPE_MAX_VOCAB },
    task: { kind: 'object', nullable: true, check: (v) => v },
    upload: { kind: 'object', nullable: true, check: checkUpload },
  },
  eval: {
    every: { kind: 'int', min: 1, max: 10_000_000 },
  },
};

function checkUpload(value: unknown, path: string): UploadRecord {
  const v = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, 'must be an object {name, size, sha256} or null');
  for (const key of Object.keys(v)) {
    if (!['name', 'size', 'sha256'].includes(key)) throw new ConfigError(`${path}.${key}`, 'unknown field; allowed fields are name, size, sha256');
  }
  if (typeof v.name !== 'string' || v.name.length === 0 || v.name.length > 255) throw new ConfigError(`${path}.name`, 'must be the file name (1..255 characters)');
  if (typeof v.size !== 'number' || !Number.isInteger(v.size) || v.size < 1) throw new ConfigError(`${path}.size`, `must be the file size in bytes (a positive integer), got ${JSON.stringify(v.size)}`);
  if (typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) throw new ConfigError(`${path}.sha256`, 'must be 64 lowercase hex digits (the SHA-256 of the file)');
  return { name: v.name, size: v.size, sha256: v.sha256 };
}

function checkField(path: string, value: unknown, rule: FieldRule): void {
  switch (rule.kind) {
    case 'object':
      if (value !== null) rule.check(value, path);
      return;
    case 'int':
      if (value === null && rule.nullable) return;
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new ConfigError(path, `must be an integer${rule.nullable ? ' or null' : ''} in ${rule.min}..${rule.max}, got ${JSON.stringify(value)}`);
      }
      if (value < rule.min || value > rule.max) throw new ConfigError(path, `must be in ${rule.min}..${rule.max}, got ${value}`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(path, `must be a finite number, got ${JSON.stringify(value)}`);
      if (value < rule.min || value > rule.max || (rule.minExclusive && value === rule.min)) {
        throw new ConfigError(path, `must be in ${rule.minExclusive ? '(' : '['}${rule.min}, ${rule.max}], got ${value}`);
      }
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new ConfigError(path, `must be true or false, got ${JSON.stringify(value)}`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) {
        throw new ConfigError(path, `must be one of ${rule.values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(value)}`);
      }
  }
}

/** The NITP target layer k a config resolves to (docs/method.md §3: ≈ 20% of depth, at least 1). */
export function defaultTargetLayer(nLayer: number): number {
  return Math.max(1, Math.round(0.2 * nLayer));
}

/**
 * Fills defaults into a user config and validates every field, including the cross-field rules
 * (d divisible by heads, target layer ≤ L, warm-up shorter than the run). Unknown sections and
 * fields are refused. Throws ConfigError naming the first bad field.
 */
export function resolveConfig(input: unknown): RunConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('(root)', 'must be a JSON object with sections model, nitp, train, data, eval');
  }
  const out = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(input as Record<string, unknown>)) {
    const rules = (RULES as Record<string, Record<string, FieldRule>>)[section];
    if (!rules) throw new ConfigError(section, `unknown section; allowed sections are ${Object.keys(RULES).join(', ')}`);
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new ConfigError(section, 'must be an object');
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      const rule = rules[field];
      if (!rule) throw new ConfigError(`${section}.${field}`, `unknown field; allowed fields of ${section} are ${Object.keys(rules).join(', ')}`);
      checkField(`${section}.${field}`, value, rule);
      out[section][field] = value;
    }
  }
  const config = out as unknown as RunConfig;
  const { model, nitp, train } = config;
  if (model.dModel % model.nHead !== 0) {
    throw new ConfigError('model.dModel', `must be divisible by model.nHead (${model.nHead}), got ${model.dModel}`);
  }
  if (nitp.targetLayer === null) nitp.targetLayer = defaultTargetLayer(model.nLayer);
  if (nitp.targetLayer > model.nLayer) {
    throw new ConfigError('nitp.targetLayer', `must be in 0..model.nLayer (0..${model.nLayer}), got ${nitp.targetLayer}`);
  }
  if (train.warmupSteps > train.steps) {
    throw new ConfigError('train.warmupSteps', `must be at most train.steps (${train.steps}), got ${train.warmupSteps}`);
  }
  const data = config.data;
  if (TEXT_CORPORA.includes(data.corpus)) {
    if (data.task !== null) throw new ConfigError('data.task', `applies to synthetic corpora (${SYNTHETIC_KINDS.join(', ')}), not "${data.corpus}"; remove it`);
  } else {
    const given = (data.task ?? {}) as Record<string, unknown>;
    if (given.kind !== undefined && given.kind !== data.corpus) {
      throw new ConfigError('data.task.kind', `must match data.corpus ("${data.corpus}"), got ${JSON.stringify(given.kind)}`);
    }
    try {
      data.task = validateSyntheticTask({ ...given, kind: data.corpus });
    } catch (e) {
      throw new ConfigError('data.task', (e as Error).message);
    }
  }
  if (data.corpus === 'upload' && data.upload === null) {
    throw new ConfigError('data.upload', 'corpus "upload" needs the file record {name, size, sha256}; choose a file to upload');
  }
  if (data.corpus !== 'upload' && data.upload !== null) throw new ConfigError('data.upload', `applies to corpus "upload" only, not "${data.corpus}"`);
  if (nitp.shift === 'next' && model.contextLength < 2) {
    throw new ConfigError('model.contextLength', 'must be at least 2 for the "next" shift');
  }
  return config;
}

/** Whether the corpus is text (tokenized) rather than a synthetic task. */
export function isTextCorpus(corpus: Corpus): boolean {
  return TEXT_CORPORA.includes(corpus);
}

/** Whether the run builds and trains the NITP head (λ > 0 with the NITP regularizer). */
export function usesNitpHead(config: RunConfig): boolean {
  return config.nitp.lambda > 0 && config.nitp.regularizer === 'nitp' && config.nitp.head === 'swiglu';
}

/** Whether the run computes an auxiliary loss at all (λ > 0). */
export function usesAuxLoss(config: RunConfig): boolean {
  return config.nitp.lambda > 0;
}
