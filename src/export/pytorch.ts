// pytorch.ts: `npm run export:pytorch -- --run DIR --out PYDIR [--text FILE] [--synthetic-tokens N]`
// carries a `npm run train` run out of the lab into PyTorch. DIR is a CLI output folder
// (config.json, init.safetensors, batches.safetensors when saved). PYDIR gets:
//   train.py             the training script, copied as it is from src/export/train.py (nothing generated)
//   config.json          the run's config, as the CLI wrote it
//   init.safetensors     the run's initial weights
//   batches.safetensors  the run's batches, when it saved them (train.py --batches)
//   train.bin, val.bin, tokenizer.json, data.json   the run's token streams (export/data.ts)
//   eval.safetensors     the fixed evaluation set, tensor "tokens" I32 [E, T+1] (E = eval.sequences,
//                        data.batches('val', E, T, seed, 'eval') as the Trainer draws it), and the
//                        anisotropy pairs, "pairs" I32 [4096, 2] (drawPairs(E·T, 4096, seed, T) as
//                        the Evaluator draws them); metadata seed, contextLength, sequences.
// The data is rebuilt from the config as the CLI builds it (loadDataset); its tokenizer must be the
// one in init.safetensors. A run on an uploaded text needs that text again (--text FILE).
// Synthetic tasks have no token stream: train.bin and val.bin are one long window of the task's
// generator each (--synthetic-tokens, default 1,000,000 and a tenth of it for validation).
import { runAsCommand, walkArgs } from '../cli/args.ts';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTextCorpus, resolveConfig } from '../model/config.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';
import { FileBpeCache } from '../data/bpeCacheNode.ts';
import { MAX_UPLOAD_BYTES, validateUpload } from '../data/upload.ts';
import { TextDataset } from '../data/dataset.ts';
import { DEFAULT_PAIRS, drawPairs } from '../metrics/anisotropy.ts';
import { writeTokenData, type DataInfo } from './data.ts';

/** The training script, as it is in the repository. */
export const TRAIN_PY = fileURLToPath(new URL('./train.py', import.meta.url));

export interface ExportOptions {
  run: string;
  out: string;
  /** the uploaded text of a data.corpus "upload" run */
  text?: string | null;
  /** tokens of the generated training stream of a synthetic task (validation: a tenth) */
  syntheticTokens?: number;
}

const USAGE = 'usage: npm run export:pytorch -- --run DIR --out PYDIR [--text FILE] [--synthetic-tokens N]';

export function parseExportArgs(argv: string[]): ExportOptions {
  const o: ExportOptions = { run: '', out: '', text: null, syntheticTokens: 1_000_000 };
  walkArgs(argv, USAGE, (a, value) => {
    if (a === '--run') o.run = value();
    else if (a === '--out') o.out = value();
    else if (a === '--text') o.text = value();
    else if (a === '--synthetic-tokens') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1000) throw new Error(`--synthetic-tokens must be an integer ≥ 1000, got "${v}"`);
      o.syntheticTokens = n;
    } else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  });
  if (!o.run || !o.out) throw new Error(`--run and --out are required\n${USAGE}`);
  return o;
}

/** Writes PYDIR (see the file header); returns what data.json says about the streams. */
export async function exportPytorch(options: ExportOptions): Promise<DataInfo> {
  const { run, out } = options;
  const file = (name: string) => join(run, name);
  for (const name of ['config.json', 'init.safetensors']) {
    if (!existsSync(file(name))) throw new Error(`${file(name)} does not exist; is ${run} a \`npm run train\` output folder?`);
  }
  const config = resolveConfig(JSON.parse(readFileSync(file('config.json'), 'utf8')));
  const init = readSafetensors(readFileSync(file('init.safetensors')));
  let uploadText: string | undefined;
  if (config.data.corpus === 'upload') {
    const u = config.data.upload!;
    if (!options.text) throw new Error(`this run trained on the uploaded file "${u.name}" (SHA-256 ${u.sha256}): give it with --text FILE`);
    const upload = await validateUpload(new Uint8Array(readFileSync(options.text)), basename(options.text), { maxBytes: MAX_UPLOAD_BYTES, minTokens: 0 });
    if (upload.sha256 !== u.sha256) throw new Error(`${options.text} is not the file this run trained on: its SHA-256 is ${upload.sha256}, the run's "${u.name}" has ${u.sha256}`);
    uploadText = upload.text;
  }
  const data = await loadDataset(config, nodeCorpusSource(), { uploadText, bpeCache: new FileBpeCache() });
  const tokenizerJson = JSON.stringify(data.tokenizer.toJSON());
  if (init.metadata.tokenizer !== undefined && init.metadata.tokenizer !== tokenizerJson) {
    throw new Error(`the tokenizer rebuilt from ${file('config.json')} differs from the one in ${file('init.safetensors')}: the corpus or the BPE cache changed since the run`);
  }
  const { seed } = config.train;
  const T = config.model.contextLength;
  let streams: { train: Int32Array; val: Int32Array; sampling: 'lab' | 'stream' };
  if (data instanceof TextDataset) {
    streams = { train: data.tokens('train'), val: data.tokens('val'), sampling: 'lab' };
  } else {
    const n = options.syntheticTokens ?? 1_000_000;
    const generate = (split: 'train' | 'val', length: number) => data.batches(split, 1, length - 1, seed, 'export').next().tokens;
    streams = { train: generate('train', n), val: generate('val', Math.max(Math.ceil(n / 10), 10 * (T + 1))), sampling: 'stream' };
  }

  mkdirSync(out, { recursive: true });
  copyFileSync(TRAIN_PY, join(out, 'train.py'));
  copyFileSync(file('config.json'), join(out, 'config.json'));
  copyFileSync(file('init.safetensors'), join(out, 'init.safetensors'));
  const info = writeTokenData(out, {
    ...streams, tokenizer: data.tokenizer, data: config.data,
    source: isTextCorpus(config.data.corpus) ? data.name : `synthetic ${data.name}`,
  });

  // The fixed evaluation set and anisotropy pairs, drawn as the Trainer and the Evaluator draw them.
  const E = config.eval.sequences;
  const evalTokens = data.batches('val', E, T, seed, 'eval').next().tokens;
  const pairs = drawPairs(E * T, DEFAULT_PAIRS, seed, T);
  if (existsSync(file('batches.safetensors'))) {
    const saved = readSafetensors(readFileSync(file('batches.safetensors'))).tensors.get('eval');
    if (saved && (saved.data.length !== evalTokens.length || saved.data.some((x, i) => x !== evalTokens[i]))) {
      throw new Error(`the evaluation set drawn again differs from the one in ${file('batches.safetensors')}`);
    }
    copyFileSync(file('batches.safetensors'), join(out, 'batches.safetensors'));
  }
  writeFileSync(join(out, 'eval.safetensors'), writeSafetensors([
    { name: 'tokens', dtype: 'I32', shape: [E, T + 1], data: evalTokens },
    { name: 'pairs', dtype: 'I32', shape: [DEFAULT_PAIRS, 2], data: new Int32Array(pairs) },
  ], { seed: String(seed), contextLength: String(T), sequences: String(E) }));
  return info;
}

export async function main(argv: string[]): Promise<number> {
  const options = parseExportArgs(argv);
  const info = await exportPytorch(options);
  const count = (n: number) => n.toLocaleString('en-US');
  console.log(`wrote ${options.out}: train.py, config.json, init.safetensors, eval.safetensors, ` +
    `${existsSync(join(options.out, 'batches.safetensors')) ? 'batches.safetensors, ' : ''}` +
    `train.bin (${count(info.trainTokens)} tokens), val.bin (${count(info.valTokens)}), ${info.dtype}, V=${info.vocabSize}`);
  console.log(`next: python3 ${join(options.out, 'train.py')} --out ${join(options.out, 'run')}` +
    `   (or torchrun --standalone --nproc_per_node=K ${join(options.out, 'train.py')} --out ...)`);
  return 0;
}

runAsCommand(import.meta.url, main);
