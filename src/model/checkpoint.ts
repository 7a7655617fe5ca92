// checkpoint.ts: weights (and optionally AdamW moments) as safetensors in the format of docs/method.md
// §6: nanoGPT state-dict names, F32 little-endian, weights [out, in], metadata config/step/tokenizer.
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from '../io/safetensors.ts';
import { resolveConfig, usesNitpHead, type RunConfig } from './config.ts';
import type { ParamLayout } from './params.ts';
import { FORBIDDEN_KEYS, ownValue, parseJsonSafely } from '../util/safeJson.ts';

/** The most steps a run has (train.steps' maximum in the config table): no checkpoint is later. */
const MAX_STEP = 10_000_000;

/**
 * The largest checkpoint file of a model with `floats` parameters: weights and both AdamW moments,
 * plus room for the header (tensor names, config, tokenizer). Files are refused by their size
 * before they are read.
 */
export function maxCheckpointBytes(floats: number): number {
  return 3 * 4 * floats + 16 * 2 ** 20;
}

/** Refuses a checkpoint file from its size alone (before reading it), naming both sizes. */
export function checkCheckpointSize(bytes: number, floats: number, name: string): void {
  const max = maxCheckpointBytes(floats);
  if (bytes > max) {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new Error(`${name} is ${mib(bytes)}; a checkpoint of this model (${floats.toLocaleString('en-US')} parameters, with AdamW moments) is at most ${mib(max)}`);
  }
}

/**
 * A checkpoint's metadata, read with own-property checks: keys "__proto__", "constructor" and
 * "prototype" are refused by name (also inside the config and tokenizer JSON), and "step" must be
 * an integer in [0, 10,000,000] (checkCheckpointFits then bounds it by the run's train.steps).
 */
export function checkpointStep(metadata: Record<string, string>): number {
  for (const key of Object.keys(metadata)) {
    if (FORBIDDEN_KEYS.includes(key)) throw new Error(`the checkpoint's metadata has a key "${key}", which the lab refuses`);
  }
  for (const key of ['config', 'tokenizer']) {
    const text = ownValue(metadata, key);
    if (typeof text === 'string') parseJsonSafely(text, `the checkpoint's metadata "${key}"`);
  }
  const step = ownValue(metadata, 'step');
  if (step === undefined) return 0;
  if (typeof step !== 'string' || !/^\d{1,8}$/.test(step) || Number(step) > MAX_STEP) {
    throw new Error(`the checkpoint's step ${JSON.stringify(step).slice(0, 40)} is not an integer in 0..${MAX_STEP.toLocaleString('en-US')}`);
  }
  return Number(step);
}

export interface CheckpointState {
  params: Float32Array; // flat, layout order
  optimizer?: { m: Float32Array; v: Float32Array };
  step: number;
}

/** A checkpoint refused because a weight or moment is NaN or infinite (a diverged run, docs/method.md §4). */
export class NonFiniteCheckpointError extends Error {
  constructor(readonly tensor: string, readonly count: number, step: number) {
    super(`the weights after step ${step} are not finite (${count} NaN/Inf values, first in ${tensor}), so no checkpoint was written; ` +
      'the last good checkpoint is kept. Try a lower train.lr, and keep train.gradClip on.');
    this.name = 'NonFiniteCheckpointError';
  }
}

/** The first tensor of `flat` holding a NaN or ±Inf, with the number of such values in `flat`, or null. */
export function firstNonFinite(layout: ParamLayout, flat: Float32Array, prefix = ''): { tensor: string; count: number } | null {
  let count = 0;
  let tensor: string | null = null;
  for (const t of layout.tensors) {
    for (let i = t.offset; i < t.offset + t.size; i++) {
      if (Number.isFinite(flat[i])) continue;
      count++;
      tensor ??= prefix + t.name;
    }
  }
  return tensor === null ? null : { tensor, count };
}

/** Serialises a checkpoint; throws NonFiniteCheckpointError rather than write a NaN or Inf. */
export function writeCheckpoint(layout: ParamLayout, state: CheckpointState, config: RunConfig, tokenizer: object): Uint8Array {
  for (const [prefix, flat] of [['', state.params], ['optim.m.', state.optimizer?.m], ['optim.v.', state.optimizer?.v]] as const) {
    const bad = flat && firstNonFinite(layout, flat, prefix);
    if (bad) throw new NonFiniteCheckpointError(bad.tensor, bad.count, state.step);
  }
  const tensors: SafetensorsEntry[] = [];
  const add = (name: string, flat: Float32Array) => {
    for (const t of layout.tensors) {
      tensors.push({ name: name + t.name, dtype: 'F32', shape: t.shape, data: flat.slice(t.offset, t.offset + t.size) });
    }
  };
  add('', state.params);
  if (state.optimizer) {
    add('optim.m.', state.optimizer.m);
    add('optim.v.', state.optimizer.v);
  }
  return writeSafetensors(tensors, {
    config: JSON.stringify(config),
    step: String(state.step),
    tokenizer: JSON.stringify(tokenizer),
  });
}

/**
 * Reads a checkpoint into flat arrays of `layout`. Every tensor of the layout must be present
 * with its exact shape; errors name the tensor and the expected shape.
 */
export function readCheckpoint(bytes: Uint8Array, layout: ParamLayout): CheckpointState & { metadata: Record<string, string> } {
  const file = readSafetensors(bytes);
  const step = checkpointStep(file.metadata);
  const gather = (prefix: string, required: boolean): Float32Array | null => {
    const flat = new Float32Array(layout.totalFloats);
    for (const t of layout.tensors) {
      const entry = file.tensors.get(prefix + t.name);
      if (!entry) {
        if (!required) return null;
        throw new Error(`checkpoint is missing tensor ${prefix + t.name} (expected shape [${t.shape.join(', ')}])`);
      }
      if (entry.dtype !== 'F32') throw new Error(`tensor ${prefix + t.name} has dtype ${entry.dtype}, expected F32`);
      if (entry.shape.length !== t.shape.length || entry.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`tensor ${prefix + t.name} has shape [${entry.shape.join(', ')}], expected [${t.shape.join(', ')}]`);
      }
      flat.set(entry.data as Float32Array, t.offset);
    }
    return flat;
  };
  const params = gather('', true)!;
  const m = gather('optim.m.', false);
  const v = gather('optim.v.', false);
  return { params, optimizer: m && v ? { m, v } : undefined, step, metadata: file.metadata };
}

/**
 * Checks that a checkpoint's metadata (config, tokenizer) fits the run it is loaded into: the same
 * model shape, the same NITP head, the same tokenizer. Throws an Error naming the first
 * difference. A checkpoint without metadata passes (its tensor shapes are checked on reading).
 */
export function checkCheckpointFits(metadata: Record<string, string>, config: RunConfig, tokenizer: object): void {
  const step = checkpointStep(metadata);
  if (step > config.train.steps) throw new Error(`the checkpoint is of step ${step}, past this run's last step (train.steps = ${config.train.steps})`);
  const configText = ownValue(metadata, 'config');
  if (configText !== undefined) {
    let theirs: RunConfig;
    try {
      theirs = resolveConfig(parseJsonSafely(String(configText), 'it'));
    } catch (e) {
      throw new Error(`the checkpoint's metadata "config" is not a valid config: ${(e as Error).message}`);
    }
    for (const [field, value] of Object.entries(config.model)) {
      const other = theirs.model[field as keyof RunConfig['model']];
      if (other !== value) throw new Error(`the checkpoint was made with model.${field} = ${other}; this run has ${value}`);
    }
    if (usesNitpHead(theirs) !== usesNitpHead(config)) {
      throw new Error(usesNitpHead(theirs)
        ? 'the checkpoint has an NITP head (nitp.lambda > 0); this run has none: load it into the NTP + NITP run'
        : 'the checkpoint has no NITP head (nitp.lambda = 0); this run has one: load it into the NTP run');
    }
  }
  const tokenizerText = ownValue(metadata, 'tokenizer');
  if (tokenizerText !== undefined && tokenizerText !== JSON.stringify(tokenizer)) {
    throw new Error("the checkpoint's tokenizer (metadata \"tokenizer\") differs from this run's: it was trained on other data or another tokenizer");
  }
}
