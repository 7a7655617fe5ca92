// runData.ts: the dataset a run trains and evaluates on, from its data config.
// One place for "config → corpus → tokenizer → token ids", shared by the worker and the CLI.
// A tagged corpus (Brown) gives per-token part-of-speech tags: each token takes the class of the
// word it starts (tokenTags, src/data/pos.ts). Uploads have no tags (Dataset.tagged = false).
import type { RunConfig } from '../model/config.ts';
import { loadCorpus, type CorpusSource } from './corpus.ts';
import { buildTokenizer } from './tokenizer.ts';
import { TextDataset, type Dataset } from './dataset.ts';
import { tokenTags } from './pos.ts';

export async function loadDataset(config: RunConfig, source: CorpusSource): Promise<Dataset> {
  const corpus = await loadCorpus(config.data.corpus, source);
  const tokenizer = buildTokenizer(config.data.tokenizer, corpus);
  let data: TextDataset;
  if (corpus.tags !== null) {
    const train = tokenizer.encodeWithOffsets(corpus.train);
    const val = tokenizer.encodeWithOffsets(corpus.val);
    data = new TextDataset(config.data.corpus, tokenizer, train.ids, val.ids, {
      train: tokenTags(corpus.tags.train, train.offsets),
      val: tokenTags(corpus.tags.val, val.offsets),
    });
  } else {
    data = new TextDataset(config.data.corpus, tokenizer, tokenizer.encode(corpus.train), tokenizer.encode(corpus.val));
  }
  const need = config.model.contextLength + 1;
  if (data.valTokens < need || data.trainTokens < need) {
    throw new Error(`corpus "${config.data.corpus}" is too short for model.contextLength ${config.model.contextLength}: ` +
      `${data.trainTokens} training and ${data.valTokens} validation tokens, need at least ${need} each`);
  }
  return data;
}
