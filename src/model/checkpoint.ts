// checkpoint.ts: weights (and optionally AdamW moments) as safetensors in the format of NITP.md
// §6: nanoGPT state-dict names, F32 little-endian, weights [out, in], metadata config/step/tokenizer.
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from '../io/safetensors.ts';
import type { RunConfig } from './config.ts';
import type { ParamLayout } from './params.ts';

export interface CheckpointState {
  params: Float32Array; // flat, layout order
  optimizer?: { m: Float32Array; v: Float32Array };
  step: number;
}

/** Serialises a checkpoint. */
export function writeCheckpoint(layout: ParamLayout, state: CheckpointState, config: RunConfig, tokenizer: object): Uint8Array {
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
  const step = Number(file.metadata.step ?? 0);
  return { params, optimizer: m && v ? { m, v } : undefined, step: Number.isFinite(step) ? step : 0, metadata: file.metadata };
}
