// bpeCache.ts: trained BPE merges cached by (corpus content hash, vocabulary size), so a corpus
// is trained once per vocabulary size. The browser cache is IndexedDB (idb-keyval, its own
// database "nitp-lab-bpe", opened on first use); Node uses bpeCacheNode.ts (files).
// A cache is an optimisation only: an entry that fails validation, or a cache that throws, is
// reported (cacheError) and the merges are trained again; it never fails a run.
// Browser-safe: no node: imports.

import { createStore, get, set, type UseStore } from 'idb-keyval';
import { BPE_SPLIT, BpeTokenizer, checkBpeVocabSize, trainBpeAsync, type BpeJSON, type BpeTrainResult } from './bpe.ts';

export interface BpeCache {
  get(key: string): Promise<BpeJSON | undefined>;
  set(key: string, value: BpeJSON): Promise<void>;
}

/**
 * The cache key of a training run. It names the pre-split rule, so a new rule never reads old merges.
 * @param corpusHash content hash of the training text (e.g. meta.sha256.train, hex)
 */
export function bpeCacheKey(corpusHash: string, vocabSize: number): string {
  if (typeof corpusHash !== 'string' || corpusHash.length === 0) throw new Error('bpeCacheKey: corpusHash must be a non-empty string');
  checkBpeVocabSize(vocabSize);
  return `bpe-${BPE_SPLIT}-${corpusHash}-${vocabSize}`;
}

/** IndexedDB through idb-keyval. */
export class IdbBpeCache implements BpeCache {
  private store: UseStore | null = null;

  constructor(
    private readonly dbName = 'nitp-lab-bpe',
    private readonly storeName = 'merges',
  ) {}

  private use(): UseStore {
    this.store ??= createStore(this.dbName, this.storeName); // lazy: constructing opens nothing
    return this.store;
  }

  get(key: string): Promise<BpeJSON | undefined> {
    return get<BpeJSON>(key, this.use());
  }

  set(key: string, value: BpeJSON): Promise<void> {
    return set(key, value, this.use());
  }
}

/** In memory (tests; environments without storage). */
export class MemoryBpeCache implements BpeCache {
  readonly entries = new Map<string, BpeJSON>();

  async get(key: string): Promise<BpeJSON | undefined> {
    const v = this.entries.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  async set(key: string, value: BpeJSON): Promise<void> {
    this.entries.set(key, structuredClone(value));
  }
}

export interface BpeLoadResult extends BpeTrainResult {
  fromCache: boolean;
  cacheError?: string; // a cache read/write failure or an invalid entry; training went ahead
}

/**
 * The merges for (text, vocabSize): from the cache when present and valid, otherwise trained
 * and stored. On a hit, ms is the load time, onProgress gets one (total, total) call, and
 * chunkTypes is 0 (not recomputed).
 * @param corpusHash content hash of `text` (the caller's: Brown's meta.sha256.train, an upload's hash)
 */
export async function trainOrLoadBpe(
  text: string,
  corpusHash: string,
  vocabSize: number,
  cache: BpeCache,
  onProgress?: (done: number, total: number) => void,
  shouldStop?: () => boolean,
): Promise<BpeLoadResult> {
  const key = bpeCacheKey(corpusHash, vocabSize);
  const start = performance.now();
  const errors: string[] = [];
  let cached: BpeJSON | undefined;
  try {
    cached = await cache.get(key);
  } catch (e) {
    errors.push(`reading BPE cache entry ${key}: ${(e as Error).message}`);
  }
  if (cached !== undefined) {
    try {
      const tokenizer = BpeTokenizer.fromJSON(cached);
      if (tokenizer.requestedVocabSize !== vocabSize) throw new Error(`entry was trained for vocabulary size ${tokenizer.requestedVocabSize}`);
      const total = vocabSize - 256;
      onProgress?.(total, total);
      return { tokenizer, requestedVocabSize: vocabSize, vocabSize: tokenizer.vocabSize, note: tokenizer.note, chunkTypes: 0, ms: performance.now() - start, fromCache: true };
    } catch (e) {
      errors.push(`invalid BPE cache entry ${key} (retrained): ${(e as Error).message}`);
    }
  }
  // in slices: a worker training BPE still answers, and a new init cancels it
  const result = await trainBpeAsync(text, vocabSize, { onProgress, shouldStop });
  try {
    await cache.set(key, result.tokenizer.toJSON());
  } catch (e) {
    errors.push(`writing BPE cache entry ${key}: ${(e as Error).message}`);
  }
  return { ...result, fromCache: false, ...(errors.length > 0 ? { cacheError: errors.join('; ') } : {}) };
}
