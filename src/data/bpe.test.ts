import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import { BPE_SPLIT, BpeTokenizer, MAX_CHUNK, splitChunks, trainBpe, type BpeJSON } from './bpe.ts';
import { bpeCacheKey, MemoryBpeCache, trainOrLoadBpe, type BpeCache } from './bpeCache.ts';
import { FileBpeCache } from './bpeCacheNode.ts';
import { CORPUS_ASSETS } from './corpus.ts';
import { nodeCorpusSource } from './nodeSource.ts';
import { tokenizerFromJSON } from './tokenizer.ts';

const utf8 = new TextEncoder();
const bytesOf = (s: string) => Array.from(utf8.encode(s));

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Naive BPE training: recount every pair of every chunk at every step. The incremental trainer
 * must produce the same merges (and the same final segmentation of each chunk).
 */
function naiveTrain(text: string, vocabSize: number): { merges: [number, number][]; segments: Map<string, number[]> } {
  const counts = new Map<string, number>();
  for (const c of splitChunks(text)) counts.set(c, (counts.get(c) ?? 0) + 1);
  const words = [...counts.keys()].map((c) => bytesOf(c));
  const wc = [...counts.values()];
  const merges: [number, number][] = [];
  while (256 + merges.length < vocabSize) {
    const pc = new Map<number, number>();
    words.forEach((w, i) => {
      for (let j = 0; j + 1 < w.length; j++) pc.set(w[j] * 8192 + w[j + 1], (pc.get(w[j] * 8192 + w[j + 1]) ?? 0) + wc[i]);
    });
    let best = -1;
    let bestCount = 1; // a pair must occur at least twice
    for (const [k, c] of pc) if (c > bestCount || (c === bestCount && c > 1 && k < best)) [best, bestCount] = [k, c];
    if (best < 0) break;
    const a = Math.floor(best / 8192);
    const b = best % 8192;
    const id = 256 + merges.length;
    merges.push([a, b]);
    for (const w of words) {
      for (let j = 0; j + 1 < w.length; j++) if (w[j] === a && w[j + 1] === b) w.splice(j, 2, id);
    }
  }
  return { merges, segments: new Map([...counts.keys()].map((c, i) => [c, words[i]])) };
}

// Pieces for random strings: every class of the splitter, multi-byte and astral characters,
// combining marks, ZWJ emoji, BOM, replacement character, controls, whitespace runs.
const PIECES = [
  'a', 'e', 't', 'h', 'Z', ' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00a0', '\u3000', '\u2028',
  '0', '7', '42', '\u0663', // Arabic-Indic digit three
  '.', ',', "'", '``', "''", '-', '!', '\\', '"', '\u0000', '\u0001', '\u001f', '\u007f', '\u0085',
  'é', 'e\u0301', '\u0301', 'ß', 'Ω', 'ж', '中', '日本', 'ﬁ', '\u200d', '\ufeff', '\ufffd', '\uffff',
  '😀', '𝄞', '👩\u200d💻', '🇫🇷', '\u{10ffff}', '\u{1d7d8}', // astral letter-digit: mathematical double-struck zero
];

function randomString(rng: Rng, maxPieces: number): string {
  const n = rng.int(maxPieces + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rng.uniform() < 0.02) s += 'x'.repeat(MAX_CHUNK + rng.int(70)); // longer than one chunk
    else s += PIECES[rng.int(PIECES.length)];
  }
  return s;
}

/** Reference offsets: for each token, the UTF-16 index of the character holding its first byte. */
function referenceOffsets(tok: BpeTokenizer, text: string, ids: Int32Array): number[] {
  const starts: { unit: number; byte: number; len: number }[] = [];
  let unit = 0;
  let byte = 0;
  for (const ch of text) {
    const len = utf8.encode(ch).length;
    starts.push({ unit, byte, len });
    unit += ch.length;
    byte += len;
  }
  let b = 0;
  return Array.from(ids, (id) => {
    const c = starts.find((s) => b >= s.byte && b < s.byte + s.len)!;
    b += tok.tokenToBytes(id).length;
    return c.unit;
  });
}

describe('splitChunks (pre-split "nitp-v1")', () => {
  it('splits letters, digits, other and whitespace runs; a space joins the next run', () => {
    expect(splitChunks("Hello  world, it's 2024!\n\n  The end.  \n")).toEqual([
      'Hello', ' ', ' world', ',', ' it', "'", 's', ' 2024', '!', '\n\n ', ' The', ' end', '.', '  \n',
    ]);
    expect(splitChunks('The jury said `` no \'\' .\n\nIt')).toEqual(['The', ' jury', ' said', ' ``', ' no', " ''", ' .', '\n\n', 'It']);
    expect(splitChunks('café x\u0301y 中文 😀😀 a1')).toEqual(['café', ' x\u0301y', ' 中文', ' 😀😀', ' a', '1']);
    expect(splitChunks('')).toEqual([]);
    expect(splitChunks(' ')).toEqual([' ']);
    expect(splitChunks('  ')).toEqual(['  ']);
    expect(splitChunks('x'.repeat(2 * MAX_CHUNK + 1))).toEqual(['x'.repeat(MAX_CHUNK), 'x'.repeat(MAX_CHUNK), 'x']);
    expect(splitChunks('😀'.repeat(MAX_CHUNK + 1))).toEqual(['😀'.repeat(MAX_CHUNK), '😀']); // cut between code points
  });

  it('chunks tile any string and never cut a surrogate pair', () => {
    const rng = new Rng(1, 'split');
    for (let k = 0; k < 300; k++) {
      const s = randomString(rng, 40);
      const chunks = splitChunks(s);
      expect(chunks.join('')).toBe(s);
      for (const c of chunks) {
        expect(c.length).toBeGreaterThan(0);
        expect([...c].length).toBeLessThanOrEqual(MAX_CHUNK);
        expect(c.charCodeAt(0) >= 0xdc00 && c.charCodeAt(0) <= 0xdfff).toBe(false);
      }
    }
  });
});

describe('trainBpe', () => {
  it('hand-checked: "aaabdaaabac"', () => {
    // One chunk (all letters): bytes a a a b d a a a b a c.
    // Counts: aa 4, ab 2, others 1          -> 256 = a+a; left to right: [256 a b d 256 a b a c]
    // Counts: 256a 2, ab 2 (tie: (97, 98) < (256, 97)) -> 257 = a+b: [256 257 d 256 257 a c]
    // Counts: (256, 257) 2                  -> 258; then every pair occurs once: stop at 259.
    const r = trainBpe('aaabdaaabac', 300);
    expect(r.tokenizer.toJSON().merges).toEqual([[97, 97], [97, 98], [256, 257]]);
    expect(r.vocabSize).toBe(259);
    expect(r.requestedVocabSize).toBe(300);
    expect(r.note).toBe('BPE stopped at 259 tokens: no pair occurs twice in the text (asked for 300)');
    expect(Array.from(r.tokenizer.encode('aaabdaaabac'))).toEqual([258, 100, 258, 97, 99]);
    expect(Array.from(r.tokenizer.encode('aaaab'))).toEqual([256, 256, 98]); // rank order: a+a takes both pairs before a+b (rank 1) can
  });

  it('hand-checked: "low lower lowest"', () => {
    // Chunks "low", " lower", " lowest". Counts: lo 3, ow 3 (tie: l+o first), " l" 2, we 2.
    // 256 = l+o; then 256+w 3 -> 257; then " "+257 2 and 257+e 2 (tie: (32, 257) first) -> 258;
    // then 258+e 2 -> 259 (" lowe"); then every pair occurs once.
    const r = trainBpe('low lower lowest', 1024);
    expect(r.tokenizer.toJSON().merges).toEqual([[108, 111], [256, 119], [32, 257], [258, 101]]);
    expect(r.vocabSize).toBe(260);
    expect(r.tokenizer.decode([259])).toBe(' lowe');
    expect(Array.from(r.tokenizer.encode('low lower lowest'))).toEqual([257, 259, 114, 259, 115, 116]);
    expect(Array.from(r.tokenizer.encode('slow'))).toEqual([115, 257]); // never seen, still the learned pieces
  });

  it('stops early with a note and never throws for a poor text', () => {
    expect(trainBpe('ab\nab', 1000).note).toBe('BPE stopped at 257 tokens: every chunk of the text is already a single token (asked for 1000)');
    expect(trainBpe('a\nb', 1000).note).toBe('BPE stopped at 256 tokens: every chunk of the text is already a single token (asked for 1000)');
    expect(trainBpe('abcdef', 1000).note).toBe('BPE stopped at 256 tokens: no pair occurs twice in the text (asked for 1000)');
    const empty = trainBpe('', 512);
    expect(empty.note).toBe('BPE stopped at 256 tokens: the text is empty (asked for 512)');
    expect(empty.vocabSize).toBe(256);
    expect(empty.tokenizer.encode('any text, 😀').length).toBe(bytesOf('any text, 😀').length);
    const exact = trainBpe('aaabdaaabac', 258);
    expect(exact.note).toBeUndefined(); // asked for 2 merges, made 2
    expect(exact.vocabSize).toBe(258);
    expect(trainBpe('abc', 256)).toMatchObject({ vocabSize: 256, note: undefined });
  });

  it('validates the vocabulary size', () => {
    for (const v of [255, 8193, 1000.5, Number.NaN, -1]) {
      expect(() => trainBpe('abc', v)).toThrow(`BPE vocabulary size must be an integer in 256..8192 (256 byte tokens plus merges), got ${v}`);
    }
  });

  it('matches a naive trainer (recount everything each step) on random texts, and encode reproduces its segmentation', () => {
    const rng = new Rng(2, 'naive');
    for (let k = 0; k < 12; k++) {
      const words = Array.from({ length: 3 + rng.int(10) }, () => randomString(rng, 4));
      let text = '';
      for (let i = 0; i < 150; i++) text += words[rng.int(words.length)] + (rng.uniform() < 0.7 ? ' ' : '');
      const V = 256 + 5 + rng.int(120);
      const ref = naiveTrain(text, V);
      const r = trainBpe(text, V);
      expect(r.tokenizer.toJSON().merges).toEqual(ref.merges);
      expect(r.vocabSize).toBe(256 + ref.merges.length);
      for (const [chunk, seg] of ref.segments) expect(Array.from(r.tokenizer.encode(chunk))).toEqual(seg);
    }
  });

  it('is deterministic and reports progress cheaply, ending at (total, total)', () => {
    const rng = new Rng(3, 'progress');
    let text = '';
    for (let i = 0; i < 20000; i++) text += ' ' + String.fromCharCode(...Array.from({ length: 1 + rng.int(7) }, () => 97 + rng.int(26)));
    const calls: [number, number][] = [];
    const a = trainBpe(text, 1256, { onProgress: (d, t) => calls.push([d, t]) });
    const b = trainBpe(text, 1256);
    expect(b.tokenizer.toJSON()).toEqual(a.tokenizer.toJSON());
    expect(a.vocabSize).toBe(1256);
    expect(calls[0]).toEqual([0, 1000]);
    expect(calls[calls.length - 1]).toEqual([1000, 1000]);
    expect(calls.length).toBeGreaterThanOrEqual(50);
    expect(calls.length).toBeLessThanOrEqual(102); // about every 1%
    for (let i = 1; i < calls.length; i++) expect(calls[i][0]).toBeGreaterThan(calls[i - 1][0]);
    // Early stop: the last call still completes the bar.
    const early: [number, number][] = [];
    trainBpe('abcabc', 400, { onProgress: (d, t) => early.push([d, t]) });
    expect(early[early.length - 1]).toEqual([144, 144]);
  });
});

describe('BpeTokenizer', () => {
  const rng = new Rng(4, 'roundtrip');
  let corpus = '';
  for (let i = 0; i < 2000; i++) corpus += randomString(rng, 3) + ' ';
  // Trained on the random pieces: its merges split and join multi-byte characters.
  const onPieces = trainBpe(corpus, 700).tokenizer;
  const onAscii = trainBpe('the cat sat on the mat; the rat ate 42 oats. '.repeat(20), 300).tokenizer;

  it('round-trips random Unicode strings; encodings are canonical; offsets point at the right characters', () => {
    expect(onPieces.vocabSize).toBe(463); // the pieces allow no more merges
    expect(onPieces.note).toBe('BPE stopped at 463 tokens: no pair occurs twice in the text (asked for 700)');
    // Some tokens start inside a character (a UTF-8 continuation byte 10xxxxxx).
    const midChar = Array.from({ length: 463 - 256 }, (_, i) => onPieces.tokenToBytes(256 + i)).filter((b) => b[0] >> 6 === 2);
    expect(midChar.length).toBeGreaterThan(0);
    const strings = ['', ' ', '\ufeff', '\ufeffa', '\u0000', 'e\u0301', '😀', '  \n\t ', ...Array.from({ length: 300 }, () => randomString(rng, 30))];
    for (const tok of [onPieces, onAscii]) {
      for (const s of strings) {
        const ids = tok.encode(s);
        expect(tok.decode(ids)).toBe(s);
        expect(Array.from(tok.encode(tok.decode(ids)))).toEqual(Array.from(ids));
        const { ids: ids2, offsets } = tok.encodeWithOffsets(s);
        expect(Array.from(ids2)).toEqual(Array.from(ids));
        expect(Array.from(offsets)).toEqual(referenceOffsets(tok, s, ids));
      }
    }
  });

  it('encodes characters never seen in training as bytes', () => {
    const s = '日本語 😀 ж\u0007';
    const ids = onAscii.encode(s);
    expect(Array.from(ids)).toEqual(bytesOf(s)); // all bytes: no ASCII-only merge applies
    expect(ids.every((id) => id < 256)).toBe(true);
    expect(onAscii.decode(ids)).toBe(s);
    expect(onAscii.encode('the cat').length).toBeLessThan(4); // learned pieces do apply
  });

  it('encodeWithOffsets: hand-checked, with a token that starts inside a character', () => {
    // 😀 = F0 9F 98 80. Token 256 = 98 80, token 257 = 9F 98 80 (starts at the emoji's 2nd byte).
    const tok = new BpeTokenizer([[0x98, 0x80], [0x9f, 256]]);
    const text = 'a😀é b😀';
    const { ids, offsets } = tok.encodeWithOffsets(text);
    // chunks: "a" | "😀" | "é" | " b" | "😀"; é = C3 A9
    expect(Array.from(ids)).toEqual([97, 0xf0, 257, 0xc3, 0xa9, 32, 98, 0xf0, 257]);
    expect(Array.from(offsets)).toEqual([0, 1, 1, 3, 3, 4, 5, 6, 6]);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode([257])).toBe('\ufffd\ufffd\ufffd'); // stray continuation bytes decode to U+FFFD each, no throw
    const empty = tok.encodeWithOffsets('');
    expect([empty.ids.length, empty.offsets.length]).toEqual([0, 0]);
  });

  it('round-trips through JSON and rejects malformed merges', () => {
    const json = onPieces.toJSON();
    expect(json).toMatchObject({ kind: 'bpe', split: BPE_SPLIT, requestedVocabSize: 700 });
    expect(json.merges.length).toBe(207);
    const back = tokenizerFromJSON(JSON.stringify(json));
    expect(back.kind).toBe('bpe');
    expect(back.vocabSize).toBe(463);
    expect(back.toJSON()).toEqual(json);
    const s = randomString(rng, 50);
    expect(Array.from(back.encode(s))).toEqual(Array.from(onPieces.encode(s)));
    expect(tokenizerFromJSON({ kind: 'bpe', merges: [[97, 98]] }).vocabSize).toBe(257); // the minimal form
    const early = trainBpe('abcabc', 400).tokenizer;
    expect(tokenizerFromJSON(JSON.stringify(early.toJSON()))).toMatchObject({ requestedVocabSize: 400, vocabSize: 258, note: early.note });

    const bad = (merges: unknown, extra: object = {}) => () => tokenizerFromJSON({ kind: 'bpe', merges, ...extra });
    expect(bad('x')).toThrow('tokenizer JSON: "merges" must be an array of [left, right] id pairs');
    expect(bad([[97, 256]])).toThrow('tokenizer JSON: BpeTokenizer: merge 0 (token 256) is [97,256]; its ids must be integers in [0, 256)');
    expect(bad([[97, 98], [257, 1]])).toThrow('merge 1 (token 257) is [257,1]; its ids must be integers in [0, 257)');
    expect(bad([[-1, 98]])).toThrow('merge 0 (token 256) is [-1,98]');
    expect(bad([[1.5, 98]])).toThrow('merge 0 (token 256) is [1.5,98]');
    expect(bad([['a', 98]])).toThrow('merge 0 (token 256) is ["a",98]');
    expect(bad([[97]])).toThrow('merge 0 must be a pair [left, right], got [97]');
    expect(bad([97])).toThrow('merge 0 must be a pair [left, right], got 97');
    expect(bad([[97, 98], [1, 2], [97, 98]])).toThrow('merge 2 repeats merge 0 [97,98]');
    expect(bad(Array.from({ length: 7937 }, (_, i) => [i + 255, 0]))).toThrow('7937 merges give more than 8192 tokens');
    expect(bad([], { split: 'gpt2' })).toThrow('BPE pre-split rule "gpt2" is not supported (this code splits by "nitp-v1")');
    expect(bad([[97, 98]], { requestedVocabSize: 256 })).toThrow('requestedVocabSize 256 must be an integer in 257..8192');
    expect(bad([], { note: 3 })).toThrow('"note" must be a string');
    expect(() => onPieces.decode([463])).toThrow('BpeTokenizer.decode: id 463 at position 0 is outside [0, 463)');
    expect(() => onPieces.decode([1, 0.5])).toThrow('id 0.5 at position 1');
  });

  it('Brown (a slice): the first merges are the usual English ones', async () => {
    const source = nodeCorpusSource(); // builds the asset if missing
    const [train, val] = await Promise.all(['train.txt', 'val.txt'].map((f) => source.readText(`${CORPUS_ASSETS.brown.dir}/${f}`)));
    const r = trainBpe(train.slice(0, 300_000), 512);
    const tok = r.tokenizer;
    const pieces = tok.toJSON().merges.map((_, i) => tok.decode([256 + i]));
    expect(pieces.slice(0, 5)).toEqual([' t', 'he', ' a', 'in', ' the']);
    expect(pieces).toEqual(expect.arrayContaining([' of', ' and', ' to', 'ed', 'ing']));
    const v = val.slice(0, 20_000);
    const ids = tok.encode(v);
    expect(tok.decode(ids)).toBe(v);
    expect(v.length / ids.length).toBeGreaterThan(2); // chars per token (char tokenizer: 1)
  });
});

describe('BPE cache', () => {
  const text = 'low lower lowest newer newest wider widest '.repeat(5);

  it('bpeCacheKey names the split rule, the hash and the size', () => {
    expect(bpeCacheKey('abc123', 1024)).toBe('bpe-nitp-v1-abc123-1024');
    expect(() => bpeCacheKey('', 1024)).toThrow('corpusHash must be a non-empty string');
    expect(() => bpeCacheKey('abc', 100)).toThrow('BPE vocabulary size must be an integer in 256..8192');
  });

  it('trainOrLoadBpe trains on a miss, stores, and loads on a hit', async () => {
    const cache = new MemoryBpeCache();
    const first = await trainOrLoadBpe(text, 'h1', 300, cache);
    expect(first.fromCache).toBe(false);
    expect(first.cacheError).toBeUndefined();
    expect(cache.entries.get(bpeCacheKey('h1', 300))).toEqual(first.tokenizer.toJSON());
    const calls: [number, number][] = [];
    const second = await trainOrLoadBpe('not the text: the hash decides', 'h1', 300, cache, (d, t) => calls.push([d, t]));
    expect(second.fromCache).toBe(true);
    expect(second.tokenizer.toJSON()).toEqual(first.tokenizer.toJSON());
    expect([second.vocabSize, second.requestedVocabSize, second.note]).toEqual([first.vocabSize, 300, first.note]);
    expect(first.note).toMatch(/^BPE stopped at \d+ tokens: no pair occurs twice/);
    expect(calls).toEqual([[44, 44]]);
    const other = await trainOrLoadBpe(text, 'h1', 260, cache); // another size: another entry
    expect(other.fromCache).toBe(false);
    expect(cache.entries.size).toBe(2);
  });

  it('an invalid entry or a failing cache is reported and training goes ahead', async () => {
    const cache = new MemoryBpeCache();
    await cache.set(bpeCacheKey('h2', 300), { kind: 'bpe', merges: [[999, 1]] });
    const r = await trainOrLoadBpe(text, 'h2', 300, cache);
    expect(r.fromCache).toBe(false);
    expect(r.cacheError).toMatch(/^invalid BPE cache entry bpe-nitp-v1-h2-300 \(retrained\): tokenizer JSON: BpeTokenizer: merge 0/);
    expect(cache.entries.get(bpeCacheKey('h2', 300))).toEqual(r.tokenizer.toJSON()); // overwritten
    await cache.set(bpeCacheKey('h3', 300), { ...r.tokenizer.toJSON(), requestedVocabSize: 400 });
    expect((await trainOrLoadBpe(text, 'h3', 300, cache)).cacheError).toMatch(/entry was trained for vocabulary size 400/);

    const broken: BpeCache = {
      get: () => Promise.reject(new Error('no storage')),
      set: () => Promise.reject(new Error('quota')),
    };
    const b = await trainOrLoadBpe(text, 'h4', 300, broken);
    expect(b.tokenizer.toJSON()).toEqual(r.tokenizer.toJSON());
    expect(b.cacheError).toBe('reading BPE cache entry bpe-nitp-v1-h4-300: no storage; writing BPE cache entry bpe-nitp-v1-h4-300: quota');
  });

  it('FileBpeCache: files under its directory, atomic writes, misses and corrupt files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpe-cache-'));
    tmpDirs.push(dir);
    const cache = new FileBpeCache(join(dir, 'nested'));
    expect(await cache.get('missing')).toBeUndefined();
    const value: BpeJSON = { kind: 'bpe', merges: [[97, 98]], split: BPE_SPLIT, requestedVocabSize: 300, note: 'n' };
    await cache.set('k/1', value);
    expect(cache.path('k/1')).toBe(join(dir, 'nested', 'k%2F1.json'));
    expect(await cache.get('k/1')).toEqual(value);
    const r1 = await trainOrLoadBpe(text, 'h5', 300, cache);
    const r2 = await trainOrLoadBpe(text, 'h5', 300, new FileBpeCache(join(dir, 'nested')));
    expect([r1.fromCache, r2.fromCache]).toEqual([false, true]);
    expect(r2.tokenizer.toJSON()).toEqual(r1.tokenizer.toJSON());
    writeFileSync(cache.path('bad'), '{"kind":');
    await expect(cache.get('bad')).rejects.toThrow(`${cache.path('bad')} is not JSON`);
  });
});
