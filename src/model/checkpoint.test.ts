// Checkpoints: round trip, and every way a file can fail to fit a run, each named.
import { describe, expect, it } from 'vitest';
import { checkCheckpointFits, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { resolveConfig, type PartialRunConfig } from './config.ts';
import { modelShape, paramLayout, parameterSpecs } from './params.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { CharTokenizer } from '../data/tokenizer.ts';

const tokenizer = new CharTokenizer(['a', 'b', 'c', 'd', 'e']);
const setup = (partial: PartialRunConfig) => {
  const config = resolveConfig({ model: { contextLength: 8, nLayer: 2, dModel: 8, nHead: 2 }, ...partial });
  const layout = paramLayout(parameterSpecs(config, modelShape(config, tokenizer.vocabSize)));
  return { config, layout };
};

describe('checkpoints', () => {
  const { config, layout } = setup({});
  const params = Float32Array.from({ length: layout.totalFloats }, (_, i) => i * 0.5);
  const m = params.map((x) => x / 3);
  const v = params.map((x) => x * x);
  const bytes = writeCheckpoint(layout, { params, optimizer: { m, v }, step: 42 }, config, tokenizer.toJSON());

  it('round-trip weights, moments, step and metadata', () => {
    const back = readCheckpoint(bytes, layout);
    expect(back.step).toBe(42);
    for (const t of layout.tensors) {
      expect(Array.from(back.params.subarray(t.offset, t.offset + t.size))).toEqual(Array.from(params.subarray(t.offset, t.offset + t.size)));
      expect(Array.from(back.optimizer!.v.subarray(t.offset, t.offset + t.size))).toEqual(Array.from(v.subarray(t.offset, t.offset + t.size)));
    }
    expect(JSON.parse(back.metadata.config)).toEqual(config);
    expect(() => checkCheckpointFits(back.metadata, config, tokenizer.toJSON())).not.toThrow();
  });

  it('names a missing tensor, a wrong shape and a file that is not safetensors', () => {
    const file = readSafetensors(bytes);
    const entries = [...file.tensors.entries()];
    const without = writeSafetensors(entries.filter(([n]) => n !== 'transformer.h.1.mlp.c_fc.weight').map(([name, t]) => ({ name, ...t })), file.metadata);
    expect(() => readCheckpoint(without, layout)).toThrow('checkpoint is missing tensor transformer.h.1.mlp.c_fc.weight (expected shape [32, 8])');
    const reshaped = writeSafetensors(entries.map(([name, t]) => (name === 'transformer.wte.weight' ? { name, ...t, shape: [t.shape[1], t.shape[0]] } : { name, ...t })), file.metadata);
    expect(() => readCheckpoint(reshaped, layout)).toThrow('tensor transformer.wte.weight has shape [8, 5], expected [5, 8]');
    expect(() => readCheckpoint(new TextEncoder().encode('hello, this is text'), layout)).toThrow(/safetensors: /);
  });

  it('refuses a checkpoint of another model, head or tokenizer', () => {
    const meta = readSafetensors(bytes).metadata;
    expect(() => checkCheckpointFits(meta, setup({ model: { contextLength: 8, nLayer: 3, dModel: 8, nHead: 2 } }).config, tokenizer.toJSON()))
      .toThrow('the checkpoint was made with model.nLayer = 2; this run has 3');
    expect(() => checkCheckpointFits(meta, setup({ nitp: { lambda: 0 } }).config, tokenizer.toJSON())).toThrow(/has an NITP head .*load it into the NTP \+ NITP run/);
    expect(() => checkCheckpointFits(meta, config, new CharTokenizer(['a', 'b', 'c', 'd', 'f']).toJSON())).toThrow(/tokenizer .* differs/);
    expect(() => checkCheckpointFits({ ...meta, config: '{"model":{"nLayer":0}}' }, config, tokenizer.toJSON())).toThrow(/metadata "config" is not a valid config: .*model.nLayer/);
  });
});
