// config.ts: the experiment config as one table of fields. Each entry holds the field's type,
// default, range or values, link key, label, help text and whether changing it restarts training;
// the config's TypeScript types, its validation, the link codec (share/url.ts), the settings
// panel's rows (ui/controls/ConfigPanel.tsx) and the README's config table all derive from it.
//
// A config crosses every boundary (file, link, worker) as plain JSON and is validated once; a bad
// field is refused with a ConfigError that carries the field's path and the reason as data, never
// silently clamped.
import { SYNTHETIC_KINDS, validateSyntheticTask, type SyntheticKind, type SyntheticTaskConfig } from '../data/synthetic.ts';
import { BPE_MAX_VOCAB, BPE_MIN_VOCAB } from '../data/bpe.ts';
import type { TokenizerKind } from '../data/tokenizer.ts';

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

/** A denser evaluation cadence at the start of a run, where representations change fastest. */
export interface EarlyEval {
  every: number; // steps between evaluations up to `until`
  until: number; // the last step of the dense stretch
}

export class ConfigError extends Error {
  /**
   * @param field the table entry refused, "section.field" (or a section, or "(root)")
   * @param reason what is wrong, for people
   * @param path where exactly, e.g. "data.upload.sha256" (defaults to `field`)
   * @param related other fields of the same rule (e.g. model.nHead for "d divisible by heads"): one of them may be the one to drop
   */
  constructor(readonly field: string, readonly reason: string, readonly path: string = field, readonly related: readonly string[] = []) {
    super(`config field "${path}": ${reason}`);
    this.name = 'ConfigError';
  }
}

interface FieldDoc {
  /** short key in experiment links */
  key: string;
  /** the settings panel's label */
  label: string;
  /** one sentence for the README and the panel's tooltip */
  help: string;
  /** whether changing it restarts both runs from step 0 (evaluation settings apply to the run in progress) */
  restart: boolean;
}
type IntField = FieldDoc & { kind: 'int'; default: number; min: number; max: number };
type NumberField = FieldDoc & { kind: 'number'; default: number; min: number; max: number; minExclusive?: boolean };
type BoolField = FieldDoc & { kind: 'bool'; default: boolean };
type EnumField<V extends string = string> = FieldDoc & { kind: 'enum'; default: V; values: readonly V[] };
/** An integer whose default depends on other fields (resolveConfig fills it; null in a user config means "the default"). */
type DerivedIntField = FieldDoc & { kind: 'derived-int'; default: null; min: number; max: number; derive: (c: { model: { nLayer: number } }) => number };
/** A structured value, null when not set; `parse` validates and returns it. */
type ObjectField<T> = FieldDoc & { kind: 'object'; default: null; parse: (value: unknown, path: string, field: string) => T; allowed: string };
export type FieldSpec = IntField | NumberField | BoolField | EnumField | DerivedIntField | ObjectField<unknown>;

/** The NITP target layer k a config resolves to (docs/method.md §3: ≈ 20% of depth, at least 1). */
export function defaultTargetLayer(nLayer: number): number {
  return Math.max(1, Math.round(0.2 * nLayer));
}

const RUN = true;
const LIVE = false;

/** Every config field, by section. The order is the order of links, the panel and the README. */
export const CONFIG_FIELDS = {
  model: {
    contextLength: { kind: 'int', default: 64, min: 2, max: 4096, key: 'T', label: 'Context length T', help: 'Tokens per sequence.', restart: RUN },
    nLayer: { kind: 'int', default: 4, min: 1, max: 64, key: 'L', label: 'Layers L', help: 'Transformer blocks.', restart: RUN },
    dModel: { kind: 'int', default: 64, min: 4, max: 4096, key: 'd', label: 'Width d', help: 'Width of the residual stream; divisible by model.nHead.', restart: RUN },
    nHead: { kind: 'int', default: 4, min: 1, max: 256, key: 'h', label: 'Heads', help: 'Attention heads per block.', restart: RUN },
    tieEmbeddings: { kind: 'bool', default: true, key: 'tie', label: 'Tie embeddings', help: 'Share the token embedding with the output layer (false adds lm_head).', restart: RUN },
  },
  nitp: {
    lambda: { kind: 'number', default: 1.0, min: 0, max: 1000, key: 'lam', label: 'λ (0 = plain NTP)', help: 'Weight λ of the auxiliary loss; 0 is plain NTP (no head is built or run).', restart: RUN },
    targetLayer: {
      kind: 'derived-int', default: null, min: 0, max: 64, key: 'k', label: 'Target layer k (empty = 20% of depth)', restart: RUN,
      help: 'Layer whose next-position state is the target: 0 = embedding output, i = after block i, up to model.nLayer; null = round(0.2·L), at least 1.',
      derive: (c: { model: { nLayer: number } }) => defaultTargetLayer(c.model.nLayer),
    },
    head: { kind: 'enum', default: 'swiglu', values: ['swiglu', 'none'], key: 'head', label: 'Head', help: '"swiglu": W3·(silu(W1 h) ⊙ W2 h); "none": P(h) = h.', restart: RUN },
    shift: { kind: 'enum', default: 'next', values: ['next', 'current'], key: 'shift', label: 'Shift', help: '"next": P(h_t) → z_{t+1}; "current": P(h_t) → z_t.', restart: RUN },
    stopGrad: { kind: 'bool', default: true, key: 'sg', label: 'Stop-gradient on the target', help: 'false lets the NITP gradient flow into layer k.', restart: RUN },
    loss: { kind: 'enum', default: 'cosine', values: ['cosine', 'mse', 'smoothl1'], key: 'loss', label: 'Loss', help: 'Per-pair loss between prediction and target.', restart: RUN },
    regularizer: {
      kind: 'enum', default: 'nitp', values: ['nitp', 'generic-cosine'], key: 'reg', label: 'Regularizer', restart: RUN,
      help: '"generic-cosine" is the paper\'s baseline: mean pairwise cosine of final hidden states, weight λ.',
    },
  },
  train: {
    steps: { kind: 'int', default: 2000, min: 1, max: 10_000_000, key: 'steps', label: 'Steps', help: 'Optimizer updates S.', restart: RUN },
    batchSize: { kind: 'int', default: 32, min: 1, max: 4096, key: 'B', label: 'Batch', help: 'Sequences per step B.', restart: RUN },
    lr: { kind: 'number', default: 2e-3, min: 0, max: 10, minExclusive: true, key: 'lr', label: 'Learning rate', help: 'Peak learning rate.', restart: RUN },
    warmupSteps: { kind: 'int', default: 100, min: 0, max: 10_000_000, key: 'wu', label: 'Warm-up steps', help: 'Linear warm-up W, at most train.steps.', restart: RUN },
    schedule: {
      kind: 'enum', default: 'wsd', values: ['wsd', 'cosine'], key: 'sched', label: 'Schedule', restart: RUN,
      help: '"wsd": warm-up, constant, linear decay over the last 20%; "cosine": warm-up, then cosine decay.',
    },
    weightDecay: { kind: 'number', default: 0.1, min: 0, max: 10, key: 'wd', label: 'Weight decay', help: 'AdamW decoupled weight decay (2-D tensors only).', restart: RUN },
    gradClip: { kind: 'number', default: 1.0, min: 0, max: 1e6, key: 'clip', label: 'Gradient clip (0 = off)', help: 'Max global L2 norm of the gradient; 0 = off.', restart: RUN },
    seed: { kind: 'int', default: 1337, min: 0, max: 2 ** 32 - 1, key: 'seed', label: 'Seed', help: 'Seeds the weights, the batches and the evaluation set.', restart: RUN },
  },
  data: {
    corpus: {
      kind: 'enum', default: 'brown', values: CORPORA, key: 'corpus', label: 'Corpus', restart: RUN,
      help: '"brown" (Brown corpus, part-of-speech tagged), "upload" (your text file), or a synthetic task with an exact loss floor.',
    },
    tokenizer: {
      kind: 'enum', default: 'char', values: ['char', 'bpe'] as readonly TokenizerKind[], key: 'tok', label: 'Tokenizer', restart: RUN,
      help: '"bpe" is byte-level BPE trained on the corpus (text corpora only).',
    },
    vocabSize: {
      kind: 'int', default: 1024, min: BPE_MIN_VOCAB, max: BPE_MAX_VOCAB, key: 'V', label: 'BPE vocabulary', restart: RUN,
      help: 'BPE only; stops early, with a note, if the text allows fewer merges.',
    },
    task: {
      kind: 'object', default: null, key: 'task.', label: 'Task parameters', restart: RUN,
      parse: (v: unknown) => v as SyntheticTaskConfig | null, // checked against data.corpus in resolveConfig
      allowed: 'markov `{order 1..3 (2), symbols 2..64 (16), alpha 0.1..100 (0.5)}`; copy/reverse `{length 1..256 (8), symbols (16)}`; modadd `{modulus 2..128 (97)}`',
      help: 'Parameters of a synthetic task; null = the task\'s defaults. Link keys `task.<param>`.',
    },
    upload: {
      kind: 'object', default: null, key: 'file', label: 'Uploaded file', restart: RUN, parse: parseUpload,
      allowed: '`{name, size, sha256}`',
      help: 'The uploaded file, filled by `--text FILE` or the lab; required for "upload". Link keys `file bytes sha`.',
    },
  },
  eval: {
    every: {
      kind: 'int', default: 50, min: 1, max: 10_000_000, key: 'ev', label: 'Evaluate every … steps', restart: LIVE,
      help: 'Steps between evaluations (validation losses, geometry of every layer); step 0 and the last step are always evaluated.',
    },
    early: {
      kind: 'object', default: null, key: 'early', label: 'Dense early evaluation', restart: LIVE, parse: parseEarly,
      allowed: '`{every ≥ 1, until ≥ 1}` or null; link `early=2-60`',
      help: 'Also evaluate every `every` steps up to step `until`, where the geometry changes fastest.',
    },
    sequences: {
      kind: 'int', default: 64, min: 2, max: 4096, key: 'evn', label: 'Evaluation sequences', restart: RUN,
      help: 'Held-out sequences of T tokens in the fixed evaluation set (independent of the batch size; evaluated in chunks).',
    },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

type Fields = typeof CONFIG_FIELDS;
export type Section = keyof Fields;
type ValueOf<F> = F extends { kind: 'int' | 'number' | 'derived-int' } ? number
  : F extends { kind: 'bool' } ? boolean
  : F extends { kind: 'enum'; values: readonly (infer V)[] } ? V
  : F extends { kind: 'object'; parse: (...args: never[]) => infer R } ? Exclude<R, null> | null
  : never;
/** A resolved config: every field present, derived fields filled (no "use the default" nulls). */
export type RunConfig = { -readonly [S in Section]: { -readonly [F in keyof Fields[S]]: ValueOf<Fields[S][F]> } };
/** A config as a user may write it: every field optional, derived fields may be null. */
export type PartialRunConfig = { -readonly [S in Section]?: { -readonly [F in keyof Fields[S]]?: Fields[S][F] extends { kind: 'derived-int' } ? number | null : ValueOf<Fields[S][F]> } };

export type ModelConfig = RunConfig['model'];
export type NitpConfig = RunConfig['nitp'];
export type TrainConfig = RunConfig['train'];
export type DataConfig = RunConfig['data'];
export type EvalConfig = RunConfig['eval'];
export type NitpHead = NitpConfig['head'];
export type NitpShift = NitpConfig['shift'];
export type NitpLossKind = NitpConfig['loss'];
/** "nitp": the paper's method; "generic-cosine": the paper's baseline, mean pairwise cosine of final hidden states. */
export type Regularizer = NitpConfig['regularizer'];
export type Schedule = TrainConfig['schedule'];
export type { TokenizerKind };

/** Every field as a flat list, in table order. */
export const FIELD_LIST: readonly { section: Section; name: string; path: string; spec: FieldSpec }[] = Object.entries(CONFIG_FIELDS).flatMap(
  ([section, fields]) => Object.entries(fields as Record<string, FieldSpec>).map(([name, spec]) => ({ section: section as Section, name, path: `${section}.${name}`, spec })),
);

/** A field's spec by path ("model.nLayer"), or undefined. Own properties only. */
export function fieldSpec(path: string): FieldSpec | undefined {
  return FIELD_LIST.find((f) => f.path === path)?.spec;
}

/** The value a field takes when a config does not set it (derived fields: for that config). */
export function defaultOf(section: Section, name: string, config: RunConfig): unknown {
  const spec = (CONFIG_FIELDS[section] as Record<string, FieldSpec>)[name];
  return spec.kind === 'derived-int' ? spec.derive(config) : spec.default;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

function parseUpload(value: unknown, path: string, field: string): UploadRecord {
  if (!isPlainObject(value)) throw new ConfigError(field, 'must be an object {name, size, sha256} or null', path);
  for (const key of Object.keys(value)) {
    if (!['name', 'size', 'sha256'].includes(key)) throw new ConfigError(field, 'unknown field; allowed fields are name, size, sha256', `${path}.${key}`);
  }
  const { name, size, sha256 } = value;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) throw new ConfigError(field, 'must be the file name (1..255 characters)', `${path}.name`);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new ConfigError(field, `must be the file size in bytes (a positive integer), got ${JSON.stringify(size)}`, `${path}.size`);
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw new ConfigError(field, 'must be 64 lowercase hex digits (the SHA-256 of the file)', `${path}.sha256`);
  return { name, size, sha256 };
}

function parseEarly(value: unknown, path: string, field: string): EarlyEval {
  if (!isPlainObject(value)) throw new ConfigError(field, 'must be an object {every, until} or null', path);
  for (const key of Object.keys(value)) {
    if (key !== 'every' && key !== 'until') throw new ConfigError(field, 'unknown field; allowed fields are every, until', `${path}.${key}`);
  }
  for (const key of ['every', 'until'] as const) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000_000) {
      throw new ConfigError(field, `must be an integer in 1..10000000, got ${JSON.stringify(n)}`, `${path}.${key}`);
    }
  }
  return { every: value.every as number, until: value.until as number };
}

/** Checks one value against its spec; returns the value to store. */
function checkField(path: string, value: unknown, spec: FieldSpec): unknown {
  const fail = (reason: string): never => {
    throw new ConfigError(path, reason);
  };
  switch (spec.kind) {
    case 'object':
      return value === null ? null : spec.parse(value, path, path);
    case 'derived-int':
    case 'int': {
      if (value === null && spec.kind === 'derived-int') return null;
      const nullable = spec.kind === 'derived-int' ? ' or null' : '';
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(`must be an integer${nullable} in ${spec.min}..${spec.max}, got ${JSON.stringify(value)}`);
      if ((value as number) < spec.min || (value as number) > spec.max) fail(`must be in ${spec.min}..${spec.max}, got ${value}`);
      return value;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`must be a finite number, got ${JSON.stringify(value)}`);
      if ((value as number) < spec.min || (value as number) > spec.max || (spec.minExclusive && value === spec.min)) {
        fail(`must be in ${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}], got ${value}`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(`must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        fail(`must be one of ${spec.values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
  }
}

/**
 * Fills defaults into a user config and validates every field, including the cross-field rules
 * (d divisible by heads, target layer ≤ L, warm-up within the run, task and upload matching the
 * corpus). Unknown sections and fields are refused, reading own properties only (a "__proto__"
 * key is an unknown field, never a prototype). Throws ConfigError naming the first bad field.
 */
export function resolveConfig(input: unknown): RunConfig {
  if (!isPlainObject(input)) throw new ConfigError('(root)', `must be a JSON object with sections ${Object.keys(CONFIG_FIELDS).join(', ')}`);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(CONFIG_FIELDS)) {
    out[section] = Object.fromEntries(Object.entries(fields as Record<string, FieldSpec>).map(([name, spec]) => [name, spec.default]));
  }
  for (const section of Object.keys(input)) {
    if (!has(CONFIG_FIELDS, section)) throw new ConfigError(section, `unknown section; allowed sections are ${Object.keys(CONFIG_FIELDS).join(', ')}`);
    const fields = input[section];
    if (!isPlainObject(fields)) throw new ConfigError(section, 'must be an object');
    const specs = CONFIG_FIELDS[section as Section] as Record<string, FieldSpec>;
    for (const name of Object.keys(fields)) {
      const path = `${section}.${name}`;
      if (!has(specs, name)) throw new ConfigError(path, `unknown field; allowed fields of ${section} are ${Object.keys(specs).join(', ')}`);
      out[section][name] = checkField(path, fields[name], specs[name]);
    }
  }
  const config = out as unknown as RunConfig;
  for (const { section, name, spec } of FIELD_LIST) {
    const values = out[section];
    if (spec.kind === 'derived-int' && values[name] === null) values[name] = spec.derive(config);
  }
  checkCrossFieldRules(config);
  return config;
}

function checkCrossFieldRules(config: RunConfig): void {
  const { model, nitp, train, data } = config;
  if (model.dModel % model.nHead !== 0) {
    throw new ConfigError('model.dModel', `must be divisible by model.nHead (${model.nHead}), got ${model.dModel}`, 'model.dModel', ['model.nHead']);
  }
  if (nitp.targetLayer > model.nLayer) {
    throw new ConfigError('nitp.targetLayer', `must be in 0..model.nLayer (0..${model.nLayer}), got ${nitp.targetLayer}`, 'nitp.targetLayer', ['model.nLayer']);
  }
  if (train.warmupSteps > train.steps) {
    throw new ConfigError('train.warmupSteps', `must be at most train.steps (${train.steps}), got ${train.warmupSteps}`, 'train.warmupSteps', ['train.steps']);
  }
  if (TEXT_CORPORA.includes(data.corpus)) {
    if (data.task !== null) throw new ConfigError('data.task', `applies to synthetic corpora (${SYNTHETIC_KINDS.join(', ')}), not "${data.corpus}"; remove it`, 'data.task', ['data.corpus']);
  } else {
    const given = (data.task ?? {}) as Record<string, unknown>;
    if (!isPlainObject(given)) throw new ConfigError('data.task', 'must be an object of task parameters or null');
    if (has(given, 'kind') && given.kind !== data.corpus) {
      throw new ConfigError('data.task', `must match data.corpus ("${data.corpus}"), got ${JSON.stringify(given.kind)}`, 'data.task.kind', ['data.corpus']);
    }
    try {
      data.task = validateSyntheticTask({ ...given, kind: data.corpus });
    } catch (e) {
      throw new ConfigError('data.task', (e as Error).message);
    }
  }
  if (data.corpus === 'upload' && data.upload === null) {
    throw new ConfigError('data.upload', 'corpus "upload" needs the file record {name, size, sha256}; choose a file to upload', 'data.upload', ['data.corpus']);
  }
  if (data.corpus !== 'upload' && data.upload !== null) throw new ConfigError('data.upload', `applies to corpus "upload" only, not "${data.corpus}"`, 'data.upload', ['data.corpus']);
  if (nitp.shift === 'next' && model.contextLength < 2) {
    throw new ConfigError('model.contextLength', 'must be at least 2 for the "next" shift', 'model.contextLength', ['nitp.shift']);
  }
}

/** The default experiment, resolved. */
export const DEFAULT_CONFIG: RunConfig = resolveConfig({});

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

/** Whether the weights after `step` updates are evaluated: step 0, every eval.every, the dense early stretch, the last step. */
export function isEvalStep(config: Pick<RunConfig, 'eval' | 'train'>, step: number): boolean {
  return evaluatesAt(config.eval, config.train.steps, step);
}

/** isEvalStep for an evaluation schedule on its own (it may change while a run trains). */
export function evaluatesAt(schedule: Pick<EvalConfig, 'every' | 'early'>, totalSteps: number, step: number): boolean {
  const { every, early } = schedule;
  return step === 0 || step % every === 0 || step === totalSteps || (early !== null && step <= early.until && step % early.every === 0);
}

/**
 * Sets a dotted field ("nitp.lambda") from command-line text ("0.5", "true", "null", '{"every":2,"until":60}'),
 * checked by the field's own rule at once; resolveConfig checks the rules across fields once all are set.
 */
export function setField(config: PartialRunConfig, assignment: string): PartialRunConfig {
  const eq = assignment.indexOf('=');
  if (eq < 1) throw new Error(`--set takes section.field=value, got "${assignment}"`);
  const path = assignment.slice(0, eq);
  const raw = assignment.slice(eq + 1);
  const [section, name, ...rest] = path.split('.');
  const spec = rest.length === 0 ? fieldSpec(path) : undefined;
  if (!spec) {
    throw new ConfigError(path, `unknown field; fields are ${FIELD_LIST.map((f) => f.path).join(', ')}`);
  }
  let value: unknown = raw;
  if (spec.kind !== 'enum') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(path, `${JSON.stringify(raw)} is not a ${spec.kind === 'object' ? 'JSON object or null' : spec.kind === 'bool' ? 'true or false' : 'number'}`);
    }
  }
  checkField(path, value, spec); // the field's own rule; rules across fields wait for resolveConfig
  const sections = config as Record<string, Record<string, unknown> | undefined>;
  return { ...config, [section]: { ...(sections[section] ?? {}), [name]: value } } as PartialRunConfig;
}

/** The README's config table (markdown), generated from CONFIG_FIELDS; a test keeps the README equal to it. */
export function configTableMarkdown(): string {
  const code = (v: unknown) => `\`${JSON.stringify(v)}\``;
  const rows = FIELD_LIST.map(({ path, spec }) => {
    const def = spec.kind === 'derived-int' ? 'null (derived)' : code(spec.default);
    const allowed = spec.kind === 'int' || spec.kind === 'derived-int' ? `${spec.min}..${spec.max}${spec.kind === 'derived-int' ? ' or null' : ''}`
      : spec.kind === 'number' ? `${spec.minExclusive ? '>' : '≥'} ${spec.min}, ≤ ${spec.max}`
      : spec.kind === 'bool' ? 'true / false'
      : spec.kind === 'enum' ? spec.values.map((v) => `\`"${v}"\``).join(', ')
      : spec.allowed;
    return `| \`${path}\` | \`${spec.key}\` | ${def} | ${allowed} | ${spec.help}${spec.restart ? '' : ' Applies to the run in progress.'} |`;
  });
  return ['| field | link key | default | allowed | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
