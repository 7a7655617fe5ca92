// tokenizer.ts: text <-> token ids. Ids are Int32Array, one per token, in [0, vocabSize).
// Two kinds: "char" (CharTokenizer below) and "bpe" (byte-level BPE, src/data/bpe.ts).
// encodeWithOffsets also gives, per token, the UTF-16 index in the text of the character
// holding the token's first byte (a per-token word tag is the tag of the word it starts in).
// CharTokenizer: one token per Unicode code point (not per UTF-16 unit, so "😀" is one token).
// Its vocabulary is the sorted (by code point) set of characters of the texts it was built from;
// id i is the i-th smallest code point. Built from train + validation text, every corpus
// character has an id; any other character is an error, never a silent <unk>.
// toJSON() is what checkpoints store as metadata "tokenizer"; tokenizerFromJSON rebuilds it.

import { BpeTokenizer, trainBpe, trainBpeAsync, type BpeJSON } from './bpe.ts';
import { trainOrLoadBpe, type BpeCache } from './bpeCache.ts';

export type TokenizerKind = 'char' | 'bpe';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number; // V
  /** @returns (n) token ids */
  encode(text: string): Int32Array;
  /** @returns ids (n) as encode(text), offsets (n): UTF-16 index in text of the character holding token t's first byte */
  encodeWithOffsets(text: string): { ids: Int32Array; offsets: Int32Array };
  /** @param ids (n) token ids in [0, V) */
  decode(ids: ArrayLike<number>): string;
  toJSON(): TokenizerJSON;
}

export interface CharTokenizerJSON {
  kind: 'char';
  vocab: string[]; // vocab[id] = one character (code point), strictly increasing
}

export type TokenizerJSON = CharTokenizerJSON | BpeJSON;

/** The most characters a char vocabulary may have: BPE's largest vocabulary (data.vocabSize), 8192. */
export const MAX_CHAR_VOCAB = 8192;
const DENSE_LIMIT = 0x10000; // code points below this map through a table, the rest through a Map

function describeChar(cp: number): string {
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly vocabSize: number;
  private readonly chars: string[]; // (V) id -> character
  private readonly dense: Int32Array; // code point -> id, -1 if absent (code points < DENSE_LIMIT)
  private readonly sparse = new Map<number, number>(); // code point -> id (code points >= DENSE_LIMIT)

  /** @param vocab (V) one character per id, strictly increasing by code point */
  constructor(vocab: readonly string[]) {
    if (vocab.length === 0) throw new Error('CharTokenizer: empty vocabulary');
    const cps = vocab.map((ch, i) => {
      const cp = typeof ch === 'string' ? ch.codePointAt(0) : undefined;
      if (cp === undefined || String.fromCodePoint(cp) !== ch) {
        throw new Error(`CharTokenizer: vocabulary entry ${i} (${JSON.stringify(ch)}) is not exactly one character`);
      }
      if (i > 0 && cp <= vocab[i - 1].codePointAt(0)!) {
        throw new Error(`CharTokenizer: vocabulary is not strictly increasing by code point at entry ${i} ${describeChar(cp)}`);
      }
      return cp;
    });
    this.vocabSize = vocab.length;
    this.chars = [...vocab];
    this.dense = new Int32Array(Math.min(DENSE_LIMIT, cps[cps.length - 1] + 1)).fill(-1);
    cps.forEach((cp, id) => {
      if (cp < DENSE_LIMIT) this.dense[cp] = id;
      else this.sparse.set(cp, id);
    });
  }

  /** The vocabulary of all characters in these texts (e.g. [train, val]). */
  static fromTexts(texts: readonly string[]): CharTokenizer {
    const seen = new Set<number>();
    for (const text of texts) for (const ch of text) seen.add(ch.codePointAt(0)!);
    // every character is a row of the embedding and a column of the logits (B·T·V floats)
    if (seen.size > MAX_CHAR_VOCAB) {
      throw new Error(`the text has ${seen.size.toLocaleString('en-US')} distinct characters; the char tokenizer takes at most ` +
        `${MAX_CHAR_VOCAB.toLocaleString('en-US')}: choose the BPE tokenizer (byte-level, any text) or a text with fewer distinct symbols`);
    }
    // Sort numerically by code point: a UTF-16 string sort would put astral characters before U+E000..U+FFFF.
    return new CharTokenizer([...seen].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp)));
  }

  private encodeImpl(text: string, offsets: Int32Array | null): Int32Array {
    const out = new Int32Array(text.length); // code points <= UTF-16 units
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const start = i;
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      const id = cp < this.dense.length ? this.dense[cp] : cp >= DENSE_LIMIT ? (this.sparse.get(cp) ?? -1) : -1;
      if (id < 0) {
        throw new Error(`CharTokenizer.encode: character ${describeChar(cp)} at position ${n} (code points from 0) is not in the vocabulary of ${this.vocabSize} characters`);
      }
      if (offsets !== null) offsets[n] = start;
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  encode(text: string): Int32Array {
    return this.encodeImpl(text, null);
  }

  encodeWithOffsets(text: string): { ids: Int32Array; offsets: Int32Array } {
    const offsets = new Int32Array(text.length);
    const ids = this.encodeImpl(text, offsets);
    return { ids, offsets: ids.length === offsets.length ? offsets : offsets.slice(0, ids.length) };
  }

  decode(ids: ArrayLike<number>): string {
    const parts: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`CharTokenizer.decode: id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      }
      parts[i] = this.chars[id];
    }
    return parts.join('');
  }

  toJSON(): CharTokenizerJSON {
    return { kind: 'char', vocab: [...this.chars] };
  }
}

/** Rebuilds a tokenizer from toJSON() output, or from that output as a JSON string. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new Error(`tokenizer JSON: not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null) throw new Error(`tokenizer JSON: expected an object, got ${JSON.stringify(value)}`);
  const { kind, vocab } = value as Record<string, unknown>;
  if (kind === 'char') {
    if (!Array.isArray(vocab) || !vocab.every((c) => typeof c === 'string')) throw new Error('tokenizer JSON: "vocab" must be an array of strings');
    return new CharTokenizer(vocab as string[]);
  }
  if (kind === 'bpe') return BpeTokenizer.fromJSON(value);
  throw new Error(`tokenizer JSON: unknown kind ${JSON.stringify(kind)} (known: "char", "bpe")`);
}

export interface TokenizerOptions {
  vocabSize?: number; // bpe: requested V in 256..8192 (required)
  onProgress?: (done: number, total: number) => void; // bpe: merges done / asked, every ~1%
}

export interface AsyncTokenizerOptions extends TokenizerOptions {
  shouldStop?: () => boolean; // bpe: asked between slices of training; true cancels it (CancelledError)
  cache?: BpeCache; // bpe: reuse merges trained before on the same text; needs corpusHash
  corpusHash?: string; // bpe: content hash of corpus.train (Brown: meta.sha256.train)
}

function bpeVocabSize(options: TokenizerOptions): number {
  if (options.vocabSize === undefined) throw new Error('tokenizer "bpe" needs a vocabulary size (options.vocabSize, 256..8192)');
  return options.vocabSize;
}

/**
 * The tokenizer a run uses, built from its corpus. char: the characters of train + validation,
 * so every character has an id. bpe: merges trained on the training split only (byte level:
 * validation characters never seen in training still encode). The BpeTokenizer carries
 * requestedVocabSize and note (set when the text allowed fewer merges than asked).
 */
export function buildTokenizer(kind: TokenizerKind, corpus: { train: string; val: string }, options: TokenizerOptions = {}): Tokenizer {
  if (kind === 'char') return CharTokenizer.fromTexts([corpus.train, corpus.val]);
  if (kind === 'bpe') return trainBpe(corpus.train, bpeVocabSize(options), { onProgress: options.onProgress }).tokenizer;
  throw new Error(`unknown tokenizer kind "${String(kind)}" (known: "char", "bpe")`);
}

/** buildTokenizer, with the BPE merges taken from (and stored in) options.cache when given. */
export async function buildTokenizerAsync(kind: TokenizerKind, corpus: { train: string; val: string }, options: AsyncTokenizerOptions = {}): Promise<Tokenizer> {
  if (kind === 'bpe' && options.cache === undefined) {
    return (await trainBpeAsync(corpus.train, bpeVocabSize(options), { onProgress: options.onProgress, shouldStop: options.shouldStop })).tokenizer;
  }
  if (kind !== 'bpe' || options.cache === undefined) return buildTokenizer(kind, corpus, options);
  if (options.corpusHash === undefined) throw new Error('tokenizer "bpe" with a cache needs options.corpusHash (the content hash of the training text)');
  const result = await trainOrLoadBpe(corpus.train, options.corpusHash, bpeVocabSize(options), options.cache, options.onProgress, options.shouldStop);
  if (result.cacheError !== undefined) console.warn(result.cacheError);
  return result.tokenizer;
}
