// Crafted input: configs and checkpoint metadata with prototype keys, hostile steps, files over
// their size limits refused from the size alone, a character vocabulary too large for any GPU.
import { describe, expect, it } from 'vitest';
import { checkCheckpointFits, checkCheckpointSize, checkpointStep, maxCheckpointBytes, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { resolveConfig } from './config.ts';
import { modelShape, paramLayout, parameterSpecs } from './params.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { CharTokenizer, MAX_CHAR_VOCAB } from '../data/tokenizer.ts';
import { checkUploadSize, MAX_UPLOAD_BYTES, UploadDataset } from '../data/upload.ts';
import { parseJsonSafely } from '../util/safeJson.ts';

const tokenizer = new CharTokenizer(['a', 'b', 'c', 'd', 'e']);
const config = resolveConfig({ model: { contextLength: 8, nLayer: 1, dModel: 8, nHead: 2 }, train: { steps: 100 } });
const layout = paramLayout(parameterSpecs(config, modelShape(config, tokenizer.vocabSize)));
const params = new Float32Array(layout.totalFloats).fill(0.5);
const good = writeCheckpoint(layout, { params, step: 42 }, config, tokenizer.toJSON());

/** The good checkpoint with its metadata replaced. */
function withMetadata(metadata: Record<string, string>): Uint8Array {
  const file = readSafetensors(good);
  return writeSafetensors([...file.tensors].map(([name, t]) => ({ name, ...t })), metadata);
}

const prototypeIntact = () => {
  expect(Object.prototype.toString).toBe(Object.getOwnPropertyDescriptor(Object.prototype, 'toString')!.value);
  expect(({} as Record<string, unknown>).x).toBeUndefined();
  expect(typeof ({}).toString).toBe('function');
};

describe('crafted configs and checkpoints', () => {
  it('a "__proto__" config is refused by name and changes no prototype', () => {
    expect(() => resolveConfig(JSON.parse('{"__proto__":{"toString":"x"}}'))).toThrow(/"__proto__": unknown section/);
    expect(() => resolveConfig(JSON.parse('{"train":{"constructor":{"prototype":{"x":1}}}}'))).toThrow(/"train.constructor": unknown field/);
    prototypeIntact();
  });

  it('a checkpoint whose metadata holds "__proto__", "constructor" or "prototype" is refused by name', () => {
    const meta = readSafetensors(good).metadata;
    const proto = withMetadata({ ...meta, config: '{"__proto__":{"toString":"x"}}' });
    expect(() => readCheckpoint(proto, layout)).toThrow(`the checkpoint's metadata "config" has a key "__proto__", which the lab refuses`);
    const nested = withMetadata({ ...meta, tokenizer: '{"kind":"char","vocab":["a"],"x":{"constructor":{"prototype":{"polluted":1}}}}' });
    expect(() => readCheckpoint(nested, layout)).toThrow(`the checkpoint's metadata "tokenizer" has a key "constructor", which the lab refuses`);
    // a key of the metadata itself (Object.fromEntries keeps "__proto__" as an own key)
    const ownKey = withMetadata(Object.fromEntries([...Object.entries(meta), ['prototype', '{}']]));
    expect(() => readCheckpoint(ownKey, layout)).toThrow(`the checkpoint's metadata has a key "prototype", which the lab refuses`);
    const header = Object.fromEntries([...Object.entries(meta), ['__proto__', 'x']]);
    expect(() => checkpointStep(header)).toThrow(/has a key "__proto__"/);
    expect(() => checkCheckpointFits({ ...meta, config: '{"constructor":{}}' }, config, tokenizer.toJSON())).toThrow(/has a key "constructor"/);
    prototypeIntact();
    expect(() => parseJsonSafely('{"a":[{"b":{"__proto__":1}}]}', 'x')).toThrow('x has a key "__proto__", which the lab refuses');
  });

  it('a hostile step is refused: not an integer, out of range, or past train.steps', () => {
    const meta = readSafetensors(good).metadata;
    expect(readCheckpoint(good, layout).step).toBe(42);
    for (const step of ['1e999', '99999999999', '-1', '1.5', ' 3', 'NaN', '', '0x10', '10000001']) {
      expect(() => readCheckpoint(withMetadata({ ...meta, step }), layout), step).toThrow(/the checkpoint's step .* is not an integer in 0\.\.10,000,000/);
    }
    // an integer within the format but past this run's last step: resume would skip batches for nothing
    expect(() => checkCheckpointFits({ ...meta, step: '5000000' }, config, tokenizer.toJSON()))
      .toThrow("the checkpoint is of step 5000000, past this run's last step (train.steps = 100)");
    expect(() => checkCheckpointFits({ ...meta, step: '100' }, config, tokenizer.toJSON())).not.toThrow();
    expect(readCheckpoint(withMetadata({ config: meta.config }), layout).step).toBe(0); // no step: weights only
  });
});

describe('sizes checked before reading', () => {
  it('an upload over the limit is refused from its size alone', () => {
    expect(() => checkUploadSize(MAX_UPLOAD_BYTES + 1, 'big.txt')).toThrow('"big.txt" is 64.0 MiB (67,108,865 bytes), larger than the upload limit of 64.0 MiB (67,108,864 bytes)');
    expect(() => checkUploadSize(MAX_UPLOAD_BYTES, 'ok.txt')).not.toThrow();
  });

  it('a checkpoint file larger than its model can be is refused from its size alone', () => {
    expect(good.length).toBeLessThan(maxCheckpointBytes(layout.totalFloats));
    expect(() => checkCheckpointSize(2 ** 31, 1000, 'huge.safetensors')).toThrow('huge.safetensors is 2048.0 MiB; a checkpoint of this model (1,000 parameters, with AdamW moments) is at most 16.0 MiB');
  });
});

describe('the character vocabulary is capped', () => {
  it('a text with more distinct characters than the cap is refused, naming the count', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    expect(() => new UploadDataset('symbols.txt', many)).toThrow(`the text has 20,000 distinct characters; the char tokenizer takes at most ${MAX_CHAR_VOCAB.toLocaleString('en-US')}: choose the BPE tokenizer`);
    const atCap = Array.from({ length: MAX_CHAR_VOCAB }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    expect(CharTokenizer.fromTexts([atCap]).vocabSize).toBe(MAX_CHAR_VOCAB);
  });
});
