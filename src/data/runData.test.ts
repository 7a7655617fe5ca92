import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { loadCorpus } from './corpus.ts';
import { nodeCorpusSource } from './nodeSource.ts';
import { POS_TAGS, SPACE_ID } from './pos.ts';
import { loadDataset } from './runData.ts';

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
