import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { loadCorpus } from './corpus.ts';
import { nodeCorpusSource } from './nodeSource.ts';
import { POS_TAGS, SPACE_ID } from './pos.ts';
import { loadDataset, splitUpload } from './runData.ts';

describe('loadDataset (part-of-speech tags)', () => {
  it('Brown with the char tokenizer: each batch token carries the class of its character in the corpus tag stream', async () => {
    const source = nodeCorpusSource();
    const corpus = await loadCorpus('brown', source);
    const data = await loadDataset(structuredClone(DEFAULT_CONFIG), source);
    expect(data.tagged).toBe(true);
    expect(data.trainTokens).toBe(corpus.train.length); // char tokens = characters (Brown is ASCII)
    const B = 4;
    const T = 255;
    const W = T + 1;
    for (const split of ['train', 'val'] as const) {
      const { tokens, tags } = data.batches(split, B, T, 1, 'tags-test').next();
      expect(tags).not.toBeNull();
      expect(tags!.length).toBe(B * W);
      const seen = new Set<string>();
      for (let b = 0; b < B; b++) {
        // find the window in the corpus (256 characters of Brown are unique) and compare tags there
        const window = data.tokenizer.decode(tokens.subarray(b * W, (b + 1) * W));
        const at = corpus[split].indexOf(window);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(corpus[split].indexOf(window, at + 1)).toBe(-1);
        const got = tags!.subarray(b * W, (b + 1) * W);
        expect(got).toEqual(corpus.tags![split].subarray(at, at + W));
        for (let i = 0; i < W; i++) {
          if ((window[i] === ' ' || window[i] === '\n') !== (got[i] === SPACE_ID)) throw new Error(`${split} window ${b} position ${i}: ${POS_TAGS[got[i]]} on ${JSON.stringify(window[i])}`);
          seen.add(POS_TAGS[got[i]]);
        }
      }
      expect([...seen]).toEqual(expect.arrayContaining(['NOUN', 'VERB', 'DET', 'ADP', 'PUNCT', 'SPACE']));
    }
  });
});

describe('loadDataset (every corpus kind)', () => {
  const source = nodeCorpusSource();

  it('synthetic tasks come with their exact floor and no tags', async () => {
    const config = resolveConfig({ data: { corpus: 'modadd', task: { modulus: 7 } }, model: { contextLength: 11 } });
    const data = await loadDataset(config, source);
    expect(data.tagged).toBe(false);
    expect(data.vocabSize).toBeGreaterThanOrEqual(7);
    expect(data.lossFloor(11)).toBeGreaterThan(0);
    const { tokens, tags } = data.batches('train', 2, 11, 1, 's').next();
    expect(tokens.length).toBe(2 * 12);
    expect(tags).toBeNull();
  });

  it('an upload needs its text, splits 90/10, has no tags, and takes BPE', async () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
    const upload = { name: 'fox.txt', size: text.length, sha256: 'a'.repeat(64) };
    const config = resolveConfig({ data: { corpus: 'upload', upload }, model: { contextLength: 16 } });
    await expect(loadDataset(config, source)).rejects.toThrow(/uploaded file "fox.txt".*supply that file/);
    const data = await loadDataset(config, source, { uploadText: text });
    expect(data.tagged).toBe(false);
    expect(data.trainTokens + data.valTokens).toBe(text.length);
    expect(data.valTokens).toBe(text.length - Math.floor(text.length * 0.9));
    const bpe = await loadDataset(resolveConfig({ ...config, data: { ...config.data, tokenizer: 'bpe', vocabSize: 300 } }), source, { uploadText: text });
    expect(bpe.tokenizer.kind).toBe('bpe');
    expect(bpe.trainTokens).toBeLessThan(data.trainTokens);
  });

  it('splitUpload never cuts a surrogate pair', () => {
    const text = 'a'.repeat(8) + '😀' + 'b';
    const { train, val } = splitUpload(text);
    expect(train + val).toBe(text);
    expect(train.endsWith('😀') || val.startsWith('😀') || !text.includes('😀')).toBe(true);
  });

  it('refuses a text too short for the context', async () => {
    const text = 'abcdefghij'.repeat(3);
    const config = resolveConfig({ data: { corpus: 'upload', upload: { name: 's.txt', size: 30, sha256: 'b'.repeat(64) } }, model: { contextLength: 8 } });
    await expect(loadDataset(config, source, { uploadText: text })).rejects.toThrow(/too short for model.contextLength 8/);
  });
});
