// dataset.ts: what a run trains on, whatever its source (a corpus, an upload, a synthetic task):
// a vocabulary, a tokenizer for display, seeded batch streams per split, optional part-of-speech
// tags aligned with the tokens, and the exact loss floor where the source knows it.
import { BatchSampler } from './batches.ts';
import type { Tokenizer } from './tokenizer.ts';

export type Split = 'train' | 'val';

/** B windows of T+1 tokens, and their tags where the source has them. */
export interface Batch {
  tokens: Int32Array; // (B, T+1)
  tags: Uint8Array | null; // (B, T+1) part-of-speech class ids, or null
}

export interface BatchSource {
  next(): Batch;
}

export interface Dataset {
  /** e.g. "brown", or an upload's file name */
  readonly name: string;
  readonly vocabSize: number;
  readonly tokenizer: Tokenizer;
  readonly trainTokens: number;
  readonly valTokens: number;
  /** whether batches carry part-of-speech tags */
  readonly tagged: boolean;
  /** one line for people: what the data is and how it is split */
  readonly summary: string;
  /** Batches of a split, deterministic in (seed, stream): one stream per purpose (training, evaluation). */
  batches(split: Split, B: number, T: number, seed: number, stream: string): BatchSource;
  /** The exact expected loss (nats/token) of an ideal predictor on T-token windows, or null if unknown. */
  lossFloor(T: number): number | null;
}

/** A dataset of two token streams (train, validation) sampled at random offsets. */
export class TextDataset implements Dataset {
  readonly vocabSize: number;
  readonly tagged: boolean;

  constructor(
    readonly name: string,
    readonly tokenizer: Tokenizer,
    private readonly train: Int32Array,
    private readonly val: Int32Array,
    private readonly tags: { train: Uint8Array; val: Uint8Array } | null = null,
    summary?: string,
  ) {
    this.vocabSize = tokenizer.vocabSize;
    this.tagged = tags !== null;
    const count = (n: number) => n.toLocaleString('en-US');
    this.summary = `${summary ?? name}; ${count(train.length)} training / ${count(val.length)} validation tokens (${tokenizer.kind} tokenizer, vocabulary ${tokenizer.vocabSize})`;
  }

  readonly summary: string;

  get trainTokens(): number {
    return this.train.length;
  }

  get valTokens(): number {
    return this.val.length;
  }

  /** The token stream of a split (for statistics such as the unigram entropy). */
  tokens(split: Split): Int32Array {
    return split === 'train' ? this.train : this.val;
  }

  batches(split: Split, B: number, T: number, seed: number, stream: string): BatchSource {
    const sampler = new BatchSampler(this.tokens(split), B, T, seed, stream, this.tags?.[split] ?? null);
    return {
      next: () => {
        const tokens = sampler.next();
        return { tokens, tags: sampler.lastTags() };
      },
    };
  }

  lossFloor(): number | null {
    return null;
  }
}
