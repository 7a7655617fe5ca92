// bpe.ts: byte-level BPE tokenizer (GPT-2 style): training, encoding with offsets, JSON.
// Ids 0..255 are the byte values; id 256 + i is merges[i] = [left, right], the concatenation of
// the bytes of left and right. V = 256 + merges.length, in BPE_MIN_VOCAB..BPE_MAX_VOCAB.
//
// Text is first pre-split into chunks (splitChunks, "nitp-v1" below); no token crosses a chunk
// boundary. Training counts distinct chunks, then repeatedly merges the most frequent adjacent
// pair (ties: the smallest (left, right)) with incremental pair counts. Encoding applies merges
// in rank order within each chunk, so training text encodes exactly as training segmented it.
// Invariants: decode(encode(s)) === s for every well-formed string s (any character encodes,
// seen in training or not: it is bytes at worst); a token may hold part of a character's UTF-8
// bytes, so decode joins all bytes before decoding UTF-8 (TextDecoder, fatal: false).
// Browser-safe: no node: imports.

import type { Tokenizer } from './tokenizer.ts';

export const BPE_MIN_VOCAB = 256;
export const BPE_MAX_VOCAB = 8192;
/** Name of the pre-split rule; stored in JSON so a changed rule cannot silently re-tokenize a checkpoint. */
export const BPE_SPLIT = 'nitp-v1';
/** Longest chunk, in code points: bounds the quadratic per-chunk encode and the chunk cache. */
export const MAX_CHUNK = 64;

export interface BpeJSON {
  kind: 'bpe';
  merges: [number, number][]; // merges[i] = [left, right] -> id 256 + i, both ids < 256 + i
  split?: string; // pre-split rule, BPE_SPLIT; absent means BPE_SPLIT
  requestedVocabSize?: number; // the vocabulary size training was asked for (>= 256 + merges.length)
  note?: string; // why training stopped early, if it did
}

// ---------------------------------------------------------------------------------------------
// Pre-split ("nitp-v1"), after GPT-2's ` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
// without the contraction rules: a chunk is a run of letters (\p{L} or combining marks \p{M}),
// of digits (\p{N}), of other non-space characters, or of whitespace (\s). A single U+0020
// before a non-space run joins that run (" the"), also when it ends a longer whitespace run.
// Runs longer than MAX_CHUNK code points are cut every MAX_CHUNK code points.

const SPACE = 0;
const LETTER = 1;
const DIGIT = 2;
const OTHER = 3;

const ASCII_CLASS = new Uint8Array(128).map((_, c) => classifySlow(c));
const classCache = new Map<number, number>();

function classifySlow(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (/^\s$/u.test(ch)) return SPACE;
  if (/^[\p{L}\p{M}]$/u.test(ch)) return LETTER;
  if (/^\p{N}$/u.test(ch)) return DIGIT;
  return OTHER; // includes lone surrogates
}

function classOf(cp: number): number {
  if (cp < 128) return ASCII_CLASS[cp];
  let c = classCache.get(cp);
  if (c === undefined) {
    c = classifySlow(cp);
    classCache.set(cp, c);
  }
  return c;
}

/** Code point at UTF-16 index i (a lone surrogate is its own code unit). */
function codePointAt(text: string, i: number): number {
  const hi = text.charCodeAt(i);
  if (hi >= 0xd800 && hi <= 0xdbff && i + 1 < text.length) {
    const lo = text.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) return (hi - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
  }
  return hi;
}

/**
 * Calls emit(start, end) for each chunk text.slice(start, end), in order; chunks tile the text.
 * @param emit start/end are UTF-16 indices
 */
export function forEachChunk(text: string, emit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const first = codePointAt(text, i);
    let cls = classOf(first);
    let count = 0; // code points in this chunk
    if (first === 0x20 && i + 1 < n) {
      const next = classOf(codePointAt(text, i + 1));
      if (next !== SPACE) {
        // " word": the space joins the run that follows
        i++;
        count++;
        cls = next;
      }
    }
    let lastWasSpace = false; // the run's last code point is U+0020
    while (i < n && count < MAX_CHUNK) {
      const cp = codePointAt(text, i);
      if (classOf(cp) !== cls) break;
      lastWasSpace = cp === 0x20;
      i += cp >= 0x10000 ? 2 : 1;
      count++;
    }
    // A whitespace run ended by a non-space leaves its final U+0020 to prefix what follows.
    if (cls === SPACE && i < n && count > 1 && lastWasSpace && classOf(codePointAt(text, i)) !== SPACE) i--;
    emit(start, i);
  }
}

/** The chunks of a text (for tests and inspection; training and encoding use forEachChunk). */
export function splitChunks(text: string): string[] {
  const out: string[] = [];
  forEachChunk(text, (s, e) => out.push(text.slice(s, e)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Training

import { runAtOnce, runSliced, type Cancellation } from '../util/cooperative.ts';

const KEY = BPE_MAX_VOCAB; // pair key = left * KEY + right < 2^26

export interface BpeTrainOptions {
  /** Called every ~1% of the merges with (merges done, merges asked); the last call is (total, total), also after an early stop. */
  onProgress?(done: number, total: number): void;
}

export interface BpeTrainResult {
  tokenizer: BpeTokenizer;
  requestedVocabSize: number;
  vocabSize: number; // actual: 256 + merges made
  note?: string; // set when training stopped before requestedVocabSize
  chunkTypes: number; // distinct chunks in the text
  ms: number; // wall time of training
}

export function checkBpeVocabSize(vocabSize: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize < BPE_MIN_VOCAB || vocabSize > BPE_MAX_VOCAB) {
    throw new Error(`BPE vocabulary size must be an integer in ${BPE_MIN_VOCAB}..${BPE_MAX_VOCAB} (256 byte tokens plus merges), got ${vocabSize}`);
  }
}

/** Max-heap of (count, key): higher count first, then smaller key (= smaller (left, right)). Entries go stale; callers check. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i];
    const cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i];
    this.counts[i] = this.counts[j];
    this.counts[j] = c;
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  topCount(): number {
    return this.counts[0];
  }

  topKey(): number {
    return this.keys[0];
  }

  pop(): void {
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.above(l, m)) m = l;
      if (r < last && this.above(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

function stopNote(vocab: number, asked: number, reason: string): string {
  return `BPE stopped at ${vocab} tokens: ${reason} (asked for ${asked})`;
}

/**
 * Trains byte-level BPE on a text. Never throws for a text that allows too few merges: the
 * result then has vocabSize < requestedVocabSize and a note saying why.
 * @param vocabSize requested V in 256..8192
 */
export function trainBpe(text: string, vocabSize: number, options: BpeTrainOptions = {}): BpeTrainResult {
  return runAtOnce(trainBpeSteps(text, vocabSize, options));
}

/** trainBpe in slices: the event loop gets a turn every few ms, and `shouldStop` cancels it (util/cooperative.ts). */
export function trainBpeAsync(text: string, vocabSize: number, options: BpeTrainOptions & Cancellation = {}): Promise<BpeTrainResult> {
  return runSliced(trainBpeSteps(text, vocabSize, options), 'BPE training', options);
}

/** Distinct chunks of `text` (forEachChunk) with their counts, in slices. */
function* countChunks(text: string, chunkCounts: Map<string, number>): Generator<void, void> {
  // In pieces of ~1M UTF-16 units, each starting at a chunk boundary of the whole text: chunks
  // depend only on the text from their start and look one code point past their end, and are at
  // most 2·MAX_CHUNK units long, so those starting before PIECE in a slice of PIECE + 256 units are
  // exactly the whole text's (the next piece starts at the first chunk past PIECE).
  const PIECE = 1 << 20;
  for (let from = 0; from < text.length; ) {
    const end = Math.min(text.length, from + PIECE + 256);
    const piece = text.slice(from, end);
    let next = end;
    forEachChunk(piece, (s, e) => {
      if (next !== end) return;
      if (end < text.length && s >= PIECE) {
        next = from + s;
        return;
      }
      const chunk = piece.slice(s, e);
      chunkCounts.set(chunk, (chunkCounts.get(chunk) ?? 0) + 1);
    });
    from = next;
    yield;
  }
}

/** Distinct chunks of `text` with their counts (as trainBpe counts them). */
export function chunkCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  runAtOnce(countChunks(text, counts));
  return counts;
}

/** trainBpe as a generator that yields between small units of work. */
function* trainBpeSteps(text: string, vocabSize: number, options: BpeTrainOptions): Generator<void, BpeTrainResult> {
  checkBpeVocabSize(vocabSize);
  const start = performance.now();
  const total = vocabSize - BPE_MIN_VOCAB;
  const onProgress = options.onProgress;
  onProgress?.(0, total);

  // Distinct chunks with their counts; a chunk becomes a word of byte ids.
  const chunkCounts = new Map<string, number>();
  yield* countChunks(text, chunkCounts);
  const encoder = new TextEncoder();
  const words: Int32Array[] = []; // (W) symbols of each word, valid up to wordLen
  const wordLen: number[] = []; // (W)
  const wordCount: number[] = []; // (W) occurrences in the text
  for (const [chunk, count] of chunkCounts) {
    const bytes = encoder.encode(chunk);
    if (bytes.length < 2) continue; // no pair, never changes
    words.push(Int32Array.from(bytes));
    wordLen.push(bytes.length);
    wordCount.push(count);
    if (words.length % 4096 === 0) yield;
  }

  const pairCount = new Map<number, number>(); // pair key -> weighted occurrences
  const pairWords = new Map<number, number[]>(); // pair key -> words that contain (or once contained) it
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < wordLen[w]; i++) {
      const key = word[i] * KEY + word[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + wordCount[w]);
      const list = pairWords.get(key);
      if (list === undefined) pairWords.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
    if (w % 4096 === 0) yield;
  }
  const heap = new PairHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  const merges: [number, number][] = [];
  const seen = new Int32Array(words.length).fill(-1); // last merge that visited each word
  const delta = new Map<number, number>(); // pair key -> count change during one merge
  const progressEvery = Math.max(1, Math.floor(total / 100));
  let note: string | undefined;
  while (merges.length < total) {
    // Drop stale heap entries: a pair's current count is in pairCount.
    while (heap.size > 0 && pairCount.get(heap.topKey()) !== heap.topCount()) heap.pop();
    if (heap.size === 0) {
      note = stopNote(BPE_MIN_VOCAB + merges.length, vocabSize, text.length === 0 ? 'the text is empty' : 'every chunk of the text is already a single token');
      break;
    }
    if (heap.topCount() < 2) {
      note = stopNote(BPE_MIN_VOCAB + merges.length, vocabSize, 'no pair occurs twice in the text');
      break;
    }
    const key = heap.topKey();
    heap.pop();
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const id = BPE_MIN_VOCAB + merges.length;
    merges.push([a, b]);

    delta.clear();
    for (const w of pairWords.get(key)!) {
      if (seen[w] === id) continue;
      seen[w] = id;
      const word = words[w];
      const len = wordLen[w];
      const c = wordCount[w];
      let has = false;
      for (let i = 0; i + 1 < len; i++) {
        if (word[i] === a && word[i + 1] === b) {
          has = true;
          break;
        }
      }
      if (!has) continue; // stale: an earlier merge removed the pair from this word
      for (let i = 0; i + 1 < len; i++) {
        const k = word[i] * KEY + word[i + 1];
        delta.set(k, (delta.get(k) ?? 0) - c);
      }
      // Merge left to right, non-overlapping (so "aaa" with (a, a) gives [id, a]).
      let j = 0;
      for (let i = 0; i < len; ) {
        if (i + 1 < len && word[i] === a && word[i + 1] === b) {
          word[j++] = id;
          i += 2;
        } else {
          word[j++] = word[i++];
        }
      }
      wordLen[w] = j;
      for (let i = 0; i + 1 < j; i++) {
        const k = word[i] * KEY + word[i + 1];
        delta.set(k, (delta.get(k) ?? 0) + c);
        // Only pairs with the new id are new to this word; the others are indexed already.
        if (word[i] === id || word[i + 1] === id) {
          const list = pairWords.get(k);
          if (list === undefined) pairWords.set(k, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
    }
    pairWords.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const count = (pairCount.get(k) ?? 0) + d;
      if (count > 0) {
        pairCount.set(k, count);
        heap.push(count, k);
      } else {
        pairCount.delete(k);
      }
    }
    if (onProgress && merges.length % progressEvery === 0 && merges.length < total) onProgress(merges.length, total);
    yield;
  }
  onProgress?.(total, total);
  const tokenizer = new BpeTokenizer(merges, { requestedVocabSize: vocabSize, note });
  return { tokenizer, requestedVocabSize: vocabSize, vocabSize: tokenizer.vocabSize, note, chunkTypes: chunkCounts.size, ms: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

const CHUNK_CACHE_LIMIT = 1 << 18; // distinct chunks cached; cleared when full

/** UTF-8 length of a code point (a lone surrogate encodes as U+FFFD: 3 bytes, as TextEncoder does). */
function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number; // V = 256 + merges.length
  readonly requestedVocabSize: number;
  readonly note: string | undefined;
  private readonly merges: [number, number][]; // (V - 256) [left, right]
  private readonly ranks = new Map<number, number>(); // pair key -> merge index
  private readonly tokenBytes: Uint8Array[]; // (V) bytes of each token
  private readonly chunkCache = new Map<string, Int32Array>(); // chunk -> its token ids
  private readonly utf8 = new TextEncoder();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }) // keep a leading U+FEFF;

  /**
   * @param merges (V - 256) [left, right]; both ids < 256 + i for merges[i]; no pair twice
   * @param info.requestedVocabSize default V; info.note why training stopped early
   */
  constructor(merges: readonly (readonly [number, number])[], info: { requestedVocabSize?: number; note?: string } = {}) {
    if (merges.length > BPE_MAX_VOCAB - BPE_MIN_VOCAB) {
      throw new Error(`BpeTokenizer: ${merges.length} merges give more than ${BPE_MAX_VOCAB} tokens (at most ${BPE_MAX_VOCAB - BPE_MIN_VOCAB} merges)`);
    }
    this.vocabSize = BPE_MIN_VOCAB + merges.length;
    this.tokenBytes = [];
    for (let b = 0; b < 256; b++) this.tokenBytes.push(Uint8Array.of(b));
    merges.forEach((pair, i) => {
      const id = BPE_MIN_VOCAB + i;
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`BpeTokenizer: merge ${i} must be a pair [left, right], got ${JSON.stringify(pair)}`);
      for (const t of pair) {
        if (!Number.isInteger(t) || t < 0 || t >= id) {
          throw new Error(`BpeTokenizer: merge ${i} (token ${id}) is ${JSON.stringify(pair)}; its ids must be integers in [0, ${id})`);
        }
      }
      const key = pair[0] * KEY + pair[1];
      const earlier = this.ranks.get(key);
      if (earlier !== undefined) throw new Error(`BpeTokenizer: merge ${i} repeats merge ${earlier} ${JSON.stringify(pair)}`);
      this.ranks.set(key, i);
      const l = this.tokenBytes[pair[0]];
      const r = this.tokenBytes[pair[1]];
      const bytes = new Uint8Array(l.length + r.length);
      bytes.set(l);
      bytes.set(r, l.length);
      this.tokenBytes.push(bytes);
    });
    this.merges = merges.map(([l, r]) => [l, r]);
    this.requestedVocabSize = info.requestedVocabSize ?? this.vocabSize;
    if (!Number.isInteger(this.requestedVocabSize) || this.requestedVocabSize < this.vocabSize || this.requestedVocabSize > BPE_MAX_VOCAB) {
      throw new Error(`BpeTokenizer: requestedVocabSize ${info.requestedVocabSize} must be an integer in ${this.vocabSize}..${BPE_MAX_VOCAB}`);
    }
    this.note = info.note;
  }

  /** Rebuilds from toJSON() output; throws a clear error for a malformed value. */
  static fromJSON(value: unknown): BpeTokenizer {
    if (typeof value !== 'object' || value === null) throw new Error(`tokenizer JSON: expected an object, got ${JSON.stringify(value)}`);
    const { kind, merges, split, requestedVocabSize, note } = value as Record<string, unknown>;
    if (kind !== 'bpe') throw new Error(`tokenizer JSON: expected kind "bpe", got ${JSON.stringify(kind)}`);
    if (!Array.isArray(merges)) throw new Error('tokenizer JSON: "merges" must be an array of [left, right] id pairs');
    if (split !== undefined && split !== BPE_SPLIT) {
      throw new Error(`tokenizer JSON: BPE pre-split rule ${JSON.stringify(split)} is not supported (this code splits by "${BPE_SPLIT}")`);
    }
    if (requestedVocabSize !== undefined && typeof requestedVocabSize !== 'number') throw new Error('tokenizer JSON: "requestedVocabSize" must be a number');
    if (note !== undefined && typeof note !== 'string') throw new Error('tokenizer JSON: "note" must be a string');
    try {
      return new BpeTokenizer(merges as [number, number][], { requestedVocabSize, note });
    } catch (e) {
      throw new Error(`tokenizer JSON: ${(e as Error).message}`);
    }
  }

  /** Token ids of one chunk, merges applied in rank order (cached per chunk string). */
  private encodeChunk(chunk: string): Int32Array {
    const hit = this.chunkCache.get(chunk);
    if (hit !== undefined) return hit;
    const bytes = this.utf8.encode(chunk);
    let sym = Int32Array.from(bytes);
    let n = sym.length;
    for (;;) {
      // The adjacent pair merged earliest in training goes first; all its occurrences at once.
      let best = -1;
      for (let i = 0; i + 1 < n; i++) {
        const r = this.ranks.get(sym[i] * KEY + sym[i + 1]);
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best];
      const id = BPE_MIN_VOCAB + best;
      let j = 0;
      for (let i = 0; i < n; ) {
        if (i + 1 < n && sym[i] === a && sym[i + 1] === b) {
          sym[j++] = id;
          i += 2;
        } else {
          sym[j++] = sym[i++];
        }
      }
      n = j;
    }
    if (n < sym.length) sym = sym.slice(0, n);
    if (this.chunkCache.size >= CHUNK_CACHE_LIMIT) this.chunkCache.clear();
    this.chunkCache.set(chunk, sym);
    return sym;
  }

  private encodeImpl(text: string, withOffsets: boolean): { ids: Int32Array; offsets: Int32Array } {
    let ids = new Int32Array(Math.max(16, text.length));
    let offsets = withOffsets ? new Int32Array(ids.length) : ids;
    let n = 0;
    forEachChunk(text, (start, end) => {
      const tokens = this.encodeChunk(text.slice(start, end));
      if (n + tokens.length > ids.length) {
        // Tokens <= UTF-8 bytes <= 3 UTF-16 units each: grows at most a few times.
        const grown = new Int32Array(Math.max(2 * ids.length, n + tokens.length));
        grown.set(ids.subarray(0, n));
        ids = grown;
        if (withOffsets) {
          const g = new Int32Array(grown.length);
          g.set(offsets.subarray(0, n));
          offsets = g;
        }
      }
      ids.set(tokens, n);
      if (withOffsets) {
        // Walk characters and tokens together: token t starts at byte tb; the character holding
        // it spans bytes [cb, cb + its UTF-8 length) and starts at UTF-16 index ci.
        let ci = start;
        let cb = 0;
        let cpLen = utf8Length(codePointAt(text, ci));
        let tb = 0;
        for (let t = 0; t < tokens.length; t++) {
          while (tb >= cb + cpLen) {
            cb += cpLen;
            ci += cpLen === 4 ? 2 : 1;
            cpLen = utf8Length(codePointAt(text, ci));
          }
          offsets[n + t] = ci;
          tb += this.tokenBytes[tokens[t]].length;
        }
      }
      n += tokens.length;
    });
    return { ids: ids.slice(0, n), offsets: withOffsets ? offsets.slice(0, n) : new Int32Array(0) };
  }

  /** @returns (n) token ids */
  encode(text: string): Int32Array {
    return this.encodeImpl(text, false).ids;
  }

  /** @returns ids (n) and offsets (n): offsets[t] = UTF-16 index in text of the character holding token t's first byte */
  encodeWithOffsets(text: string): { ids: Int32Array; offsets: Int32Array } {
    return this.encodeImpl(text, true);
  }

  /** @param ids (n) token ids in [0, V); invalid UTF-8 (a split character) decodes to U+FFFD */
  decode(ids: ArrayLike<number>): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`BpeTokenizer.decode: id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      }
      total += this.tokenBytes[id].length;
    }
    const bytes = new Uint8Array(total);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokenBytes[ids[i]];
      bytes.set(t, o);
      o += t.length;
    }
    return this.utf8Decoder.decode(bytes);
  }

  /** The bytes of token id (a copy). */
  tokenToBytes(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`BpeTokenizer.tokenToBytes: id ${id} is outside [0, ${this.vocabSize})`);
    return this.tokenBytes[id].slice();
  }

  toJSON(): BpeJSON {
    const json: BpeJSON = { kind: 'bpe', merges: this.merges.map(([l, r]) => [l, r]), split: BPE_SPLIT, requestedVocabSize: this.requestedVocabSize };
    if (this.note !== undefined) json.note = this.note;
    return json;
  }
}
