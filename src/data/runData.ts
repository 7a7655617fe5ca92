// runData.ts: the dataset a run trains and evaluates on, from its data config — one place for
// "config → corpus → tokenizer → token ids", shared by the worker and the CLI.
// - brown: the prepared assets, with part-of-speech tags (each token takes the class of the word
//   it starts: tokenTags, src/data/pos.ts);
// - upload: the user's text (validated by validateUpload), split 90/10 by position, no tags;
// - markov, copy, reverse, modadd: generated, with an exact loss floor; the task's Markov chain is
//   drawn from the run's seed, so the two runs of an NTP/NITP pair see the same chain.
import { isTextCorpus, type RunConfig } from '../model/config.ts';
import { corpusSummary, loadCorpus, type CorpusSource } from './corpus.ts';
import { buildTokenizerAsync } from './tokenizer.ts';
import { TextDataset, type Dataset } from './dataset.ts';
import { tokenTags } from './pos.ts';
import { syntheticDataset } from './synthetic.ts';
import { UPLOAD_TRAIN_FRACTION } from './upload.ts';
import type { BpeCache } from './bpeCache.ts';

export interface DatasetOptions {
  /** The text of the file the config's data.upload names (already through validateUpload). */
  uploadText?: string;
  /** Where trained BPE merges are kept (IndexedDB in the browser, .cache/bpe in Node). */
  bpeCache?: BpeCache;
  /** BPE training progress, merges done of total. */
  onProgress?: (done: number, total: number) => void;
  /** asked between slices of BPE training: true cancels it */
  shouldStop?: () => boolean;
}

/** Splits an upload 90/10 by position, never inside a surrogate pair. */
export function splitUpload(text: string): { train: string; val: string } {
  let cut = Math.floor(text.length * UPLOAD_TRAIN_FRACTION);
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut++; // keep a high surrogate with its low half
  return { train: text.slice(0, cut), val: text.slice(cut) };
}

export async function loadDataset(config: RunConfig, source: CorpusSource, options: DatasetOptions = {}): Promise<Dataset> {
  const d = config.data;
  if (!isTextCorpus(d.corpus)) return syntheticDataset(d.task!, config.train.seed);

  let texts: { train: string; val: string };
  let tags: { train: Uint8Array; val: Uint8Array } | null = null;
  let corpusHash: string;
  let name: string;
  let summary: string;
  if (d.corpus === 'upload') {
    const u = d.upload!;
    if (options.uploadText === undefined) {
      throw new Error(`this run trains on the uploaded file "${u.name}" (${u.size.toLocaleString('en-US')} bytes, sha256 ${u.sha256.slice(0, 12)}…): supply that file`);
    }
    texts = splitUpload(options.uploadText);
    corpusHash = u.sha256;
    name = u.name;
    summary = `Uploaded "${u.name}": ${u.size.toLocaleString('en-US')} bytes, first 90% for training, last 10% for validation, no part-of-speech tags`;
  } else {
    const corpus = await loadCorpus('brown', source);
    texts = corpus;
    tags = corpus.tags;
    corpusHash = corpus.meta.sha256.train;
    name = 'brown';
    summary = corpusSummary(corpus.meta);
  }
  const tokenizer = await buildTokenizerAsync(d.tokenizer, texts, {
    vocabSize: d.vocabSize, cache: options.bpeCache, corpusHash, onProgress: options.onProgress, shouldStop: options.shouldStop,
  });
  let data: TextDataset;
  if (tags !== null) {
    const train = tokenizer.encodeWithOffsets(texts.train);
    const val = tokenizer.encodeWithOffsets(texts.val);
    data = new TextDataset(name, tokenizer, train.ids, val.ids, {
      train: tokenTags(tags.train, train.offsets),
      val: tokenTags(tags.val, val.offsets),
    }, summary);
  } else {
    data = new TextDataset(name, tokenizer, tokenizer.encode(texts.train), tokenizer.encode(texts.val), null, summary);
  }
  const need = config.model.contextLength + 1;
  if (data.valTokens < need || data.trainTokens < need) {
    throw new Error(`corpus "${name}" is too short for model.contextLength ${config.model.contextLength}: ` +
      `${data.trainTokens} training and ${data.valTokens} validation tokens, need at least ${need} each`);
  }
  return data;
}
