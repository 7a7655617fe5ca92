// pair.ts: the NTP/NITP pair the lab trains, built the same way by every host (the browser worker,
// the gallery script in Node): the NTP run is the config with λ = 0, both runs get a trainer and an
// evaluator, and the page's description of the pair (PairInfo) comes from one function.
import type { GpuContext } from '../gpu/device.ts';
import type { RunConfig } from '../model/config.ts';
import { TextDataset, type Dataset } from '../data/dataset.ts';
import { Trainer } from './trainer.ts';
import { Evaluator } from './evaluator.ts';
import type { LoopRun } from './loop.ts';
import type { Pair, PairInfo, RunName } from './protocol.ts';

export function mapPair<T>(f: (name: RunName) => T): Pair<T> {
  return { ntp: f('ntp'), nitp: f('nitp') };
}

/** Both runs of `config` on `data`: NTP (λ = 0) and the config as given. */
export function buildPair(gpu: GpuContext, config: RunConfig, data: Dataset): Pair<LoopRun> {
  const configs: Pair<RunConfig> = { ntp: { ...config, nitp: { ...config.nitp, lambda: 0 } }, nitp: config };
  return mapPair((name) => {
    const trainer = new Trainer(gpu, configs[name], data);
    return { trainer, evaluator: new Evaluator(trainer) };
  });
}

export function destroyPair(runs: Pair<LoopRun>): void {
  for (const run of [runs.ntp, runs.nitp]) {
    run.evaluator.destroy();
    run.trainer.destroy();
  }
}

/** (V) relative token frequencies of the training text (or of the evaluation set for generated data). */
function tokenFrequency(data: Dataset, V: number, evalTokens: Int32Array): Float64Array {
  const tokens = data instanceof TextDataset ? data.tokens('train') : evalTokens;
  const counts = new Float64Array(V);
  for (let i = 0; i < tokens.length; i++) counts[tokens[i]]++;
  for (let v = 0; v < V; v++) counts[v] /= tokens.length;
  return counts;
}

/** What the page shows about the pair besides its metrics. */
export function pairInfo(runs: Pair<LoopRun>, data: Dataset, adapter: string): PairInfo {
  const trainer = runs.nitp.trainer;
  const config = trainer.config;
  const V = trainer.shape.V;
  const evalSet = trainer.evaluationSet;
  return {
    config,
    adapter,
    parameters: mapPair((name) => runs[name].trainer.layout.count),
    vocabSize: V,
    vocab: Array.from({ length: V }, (_, id) => data.tokenizer.decode([id])),
    tokenFrequency: tokenFrequency(data, V, evalSet.tokens),
    evalBatch: { B: config.eval.sequences, T: trainer.shape.T, tokens: evalSet.tokens, tags: evalSet.tags },
    tokensPerStep: trainer.model.B * trainer.shape.T,
    trainTokens: data.trainTokens,
    valTokens: data.valTokens,
    dataSummary: data.summary,
    tagged: data.tagged,
    lossFloor: data.lossFloor(config.model.contextLength),
    tokenizerNote: (data.tokenizer as { note?: string }).note ?? null,
  };
}
