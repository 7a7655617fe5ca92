// runData.ts: the token streams a run trains and evaluates on, from its data config.
// One place for "config → corpus → tokenizer → token ids", shared by the worker and the CLI.
import type { RunConfig } from '../model/config.ts';
import { loadCorpus, type CorpusSource } from './corpus.ts';
import { buildTokenizer, type Tokenizer } from './tokenizer.ts';

export interface RunData {
  train: Int32Array; // token ids of the training split
  val: Int32Array; // token ids of the held-out split
  vocabSize: number;
  tokenizer: Tokenizer;
}

export async function loadRunData(config: RunConfig, source: CorpusSource): Promise<RunData> {
  const corpus = await loadCorpus(config.data.corpus, source);
  const tokenizer = buildTokenizer(config.data.tokenizer, corpus);
  const data = { train: tokenizer.encode(corpus.train), val: tokenizer.encode(corpus.val), vocabSize: tokenizer.vocabSize, tokenizer };
  const need = config.model.contextLength + 1;
  if (data.val.length < need || data.train.length < need) {
    throw new Error(`corpus "${config.data.corpus}" is too short for model.contextLength ${config.model.contextLength}: ` +
      `${data.train.length} training and ${data.val.length} validation tokens, need at least ${need} each`);
  }
  return data;
}
