import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe.ts';
import { bpeCacheKey, MemoryBpeCache } from './bpeCache.ts';
import { buildTokenizer, buildTokenizerAsync, CharTokenizer, tokenizerFromJSON } from './tokenizer.ts';

describe('CharTokenizer', () => {
  it('vocabulary is the sorted unique code points of the texts; encode/decode round-trip', () => {
    const tok = CharTokenizer.fromTexts(['hello world\n', 'held']);
    expect(tok.kind).toBe('char');
    expect(tok.toJSON().vocab).toEqual(['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.vocabSize).toBe(9);
    const ids = tok.encode('hello world\n');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(Array.from(ids)).toEqual([4, 3, 5, 5, 6, 1, 8, 6, 7, 5, 2, 0]);
    expect(tok.decode(ids)).toBe('hello world\n');
    expect(tok.decode([])).toBe('');
    expect(tok.encode('').length).toBe(0);
  });

  it('iterates by code points and sorts by code point, not UTF-16 units', () => {
    // U+1F600 is the surrogate pair D83D DE00: a UTF-16 sort would put it before U+FFFD.
    const text = 'a😀\uFFFDé𝄞a';
    const tok = CharTokenizer.fromTexts([text]);
    expect(tok.toJSON().vocab).toEqual(['a', 'é', '\uFFFD', '𝄞', '😀']);
    const ids = tok.encode(text);
    expect(Array.from(ids)).toEqual([0, 4, 2, 1, 3, 0]); // 6 code points, 8 UTF-16 units
    expect(tok.decode(ids)).toBe(text);
  });

  it('names an unknown character and its position', () => {
    const tok = CharTokenizer.fromTexts(['abc']);
    expect(() => tok.encode('ab😀x')).toThrow('CharTokenizer.encode: character "😀" (U+1F600) at position 2 (code points from 0) is not in the vocabulary of 3 characters');
    expect(() => tok.encode('a😀\n')).toThrow(/^CharTokenizer.encode: character "😀"/); // astral, outside the table
    expect(() => tok.encode('ab\n')).toThrow('character "\\n" (U+000A) at position 2');
    expect(() => tok.encode('z')).toThrow('character "z" (U+007A) at position 0'); // beyond the dense table's end
    expect(() => tok.decode([0, 3])).toThrow('CharTokenizer.decode: id 3 at position 1 is outside [0, 3)');
    expect(() => tok.decode([-1])).toThrow('id -1 at position 0');
    expect(() => tok.decode([0.5])).toThrow('id 0.5 at position 0');
  });

  it('round-trips through JSON (as checkpoint metadata stores it)', () => {
    const tok = CharTokenizer.fromTexts(["The jury `` said '' .\n\n", '𝄞"\\']);
    const text = JSON.stringify(tok.toJSON());
    for (const back of [tokenizerFromJSON(JSON.parse(text)), tokenizerFromJSON(text)]) {
      expect(back.kind).toBe('char');
      expect(back.vocabSize).toBe(tok.vocabSize);
      expect(back.toJSON()).toEqual(tok.toJSON());
      const s = "said '' 𝄞\\\n";
      expect(Array.from(back.encode(s))).toEqual(Array.from(tok.encode(s)));
    }
  });

  it('rejects malformed JSON and vocabularies', () => {
    expect(() => tokenizerFromJSON('{"kind":')).toThrow(/tokenizer JSON: not valid JSON/);
    expect(() => tokenizerFromJSON(null)).toThrow('tokenizer JSON: expected an object, got null');
    expect(() => tokenizerFromJSON({ kind: 'word', vocab: [] })).toThrow('tokenizer JSON: unknown kind "word" (known: "char", "bpe")');
    expect(() => tokenizerFromJSON({ kind: 'bpe', merges: [[256, 0]] })).toThrow('tokenizer JSON: BpeTokenizer: merge 0 (token 256) is [256,0]');
    expect(() => tokenizerFromJSON({ kind: 'char', vocab: 'abc' })).toThrow('"vocab" must be an array of strings');
    expect(() => tokenizerFromJSON({ kind: 'char', vocab: ['a', 1] })).toThrow('"vocab" must be an array of strings');
    expect(() => new CharTokenizer(['a', 'bc'])).toThrow('vocabulary entry 1 ("bc") is not exactly one character');
    expect(() => new CharTokenizer(['a', ''])).toThrow('vocabulary entry 1 ("") is not exactly one character');
    expect(() => new CharTokenizer(['b', 'a'])).toThrow('not strictly increasing by code point at entry 1 "a" (U+0061)');
    expect(() => new CharTokenizer(['a', 'a'])).toThrow('not strictly increasing');
    expect(() => new CharTokenizer([])).toThrow('empty vocabulary');
  });

  it('encodeWithOffsets: one token per code point at its UTF-16 index', () => {
    const text = 'a😀é\n𝄞b';
    const tok = CharTokenizer.fromTexts([text]);
    const { ids, offsets } = tok.encodeWithOffsets(text);
    expect(Array.from(ids)).toEqual(Array.from(tok.encode(text)));
    expect(Array.from(offsets)).toEqual([0, 1, 3, 4, 5, 7]); // 😀 and 𝄞 take two UTF-16 units
    const e = tok.encodeWithOffsets('');
    expect([e.ids.length, e.offsets.length]).toEqual([0, 0]);
    expect(() => tok.encodeWithOffsets('az')).toThrow('character "z" (U+007A) at position 1');
  });

  it('buildTokenizer uses train + validation characters', () => {
    const tok = buildTokenizer('char', { train: 'ab', val: 'c' });
    expect(tok.vocabSize).toBe(3);
    expect(Array.from(tok.encode('cab'))).toEqual([2, 0, 1]);
  });
});

describe('buildTokenizer / buildTokenizerAsync', () => {
  const corpus = { train: 'low lower lowest', val: 'slowest 😀' };

  it('bpe: trains on the training split only; validation characters still encode (bytes)', () => {
    const progress: number[] = [];
    const tok = buildTokenizer('bpe', corpus, { vocabSize: 1024, onProgress: (d) => progress.push(d) });
    expect(tok).toBeInstanceOf(BpeTokenizer);
    expect(tok.kind).toBe('bpe');
    expect(tok.vocabSize).toBe(260); // hand-checked in bpe.test.ts
    expect((tok as BpeTokenizer).note).toBe('BPE stopped at 260 tokens: no pair occurs twice in the text (asked for 1024)');
    expect(progress[progress.length - 1]).toBe(768);
    expect(tok.decode(tok.encode(corpus.val))).toBe(corpus.val);
    expect(() => buildTokenizer('bpe', corpus)).toThrow('tokenizer "bpe" needs a vocabulary size (options.vocabSize, 256..8192)');
    expect(() => buildTokenizer('bpe', corpus, { vocabSize: 9000 })).toThrow('BPE vocabulary size must be an integer in 256..8192');
    expect(() => buildTokenizer('word' as 'char', corpus)).toThrow('unknown tokenizer kind "word" (known: "char", "bpe")');
  });

  it('async: char as buildTokenizer; bpe through the cache, keyed by the corpus hash', async () => {
    const char = await buildTokenizerAsync('char', corpus);
    expect(char.toJSON()).toEqual(buildTokenizer('char', corpus).toJSON());
    const cache = new MemoryBpeCache();
    const a = await buildTokenizerAsync('bpe', corpus, { vocabSize: 300, cache, corpusHash: 'sha-x' });
    expect(cache.entries.get(bpeCacheKey('sha-x', 300))).toEqual(a.toJSON());
    // A hit: a different text under the same hash gets the cached merges.
    const b = await buildTokenizerAsync('bpe', { train: 'other', val: '' }, { vocabSize: 300, cache, corpusHash: 'sha-x' });
    expect(b.toJSON()).toEqual(a.toJSON());
    const noCache = await buildTokenizerAsync('bpe', corpus, { vocabSize: 300 });
    expect(noCache.toJSON()).toEqual(a.toJSON());
    await expect(buildTokenizerAsync('bpe', corpus, { vocabSize: 300, cache })).rejects.toThrow('needs options.corpusHash');
  });
});
