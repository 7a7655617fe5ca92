// prepare.ts: `npm run prepare-data -- --text FILE --tokenizer char|bpe [--vocab N] --out DATADIR`
// tokenizes a text with the lab's own tokenizers into a data folder for train.py --data DATADIR
// (train.bin, val.bin, tokenizer.json, data.json: export/data.ts). (Not `npm run prepare`: npm
// runs a script of that name on every `npm install` and `npm ci`.)
//
// Exactly what `npm run train -- --text FILE` trains on: the text checked and normalised by
// validateUpload (UTF-8, line ends "\n"; no size limit here), split 90/10 by position
// (splitUpload), the char tokenizer built from both parts or BPE trained on the first 90% (cached
// in .cache/bpe under the file's SHA-256, like the CLI), each part encoded whole. data.json's
// data section is the lab config's for that file: corpus "upload" with its name, size and SHA-256.
// Limit: the text must fit in one JavaScript string (about 500 million UTF-16 units).
import { runAsCommand, walkArgs } from '../cli/args.ts';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildTokenizerAsync, type TokenizerKind } from '../data/tokenizer.ts';
import { FileBpeCache } from '../data/bpeCacheNode.ts';
import { validateUpload } from '../data/upload.ts';
import { splitUpload } from '../data/runData.ts';
import { BPE_MAX_VOCAB, BPE_MIN_VOCAB } from '../data/bpe.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { writeTokenData, type DataInfo } from './data.ts';

export interface PrepareOptions {
  text: string;
  tokenizer: TokenizerKind;
  /** BPE vocabulary size (the lab's data.vocabSize) */
  vocab: number | null;
  out: string;
}

const USAGE = 'usage: npm run prepare-data -- --text FILE --tokenizer char|bpe [--vocab N] --out DATADIR';

export function parsePrepareArgs(argv: string[]): PrepareOptions {
  const o: PrepareOptions = { text: '', tokenizer: 'char', vocab: null, out: '' };
  let tokenizer: string | null = null;
  walkArgs(argv, USAGE, (a, value) => {
    if (a === '--text') o.text = value();
    else if (a === '--tokenizer') tokenizer = value();
    else if (a === '--vocab') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < BPE_MIN_VOCAB || n > BPE_MAX_VOCAB) throw new Error(`--vocab must be an integer in ${BPE_MIN_VOCAB}..${BPE_MAX_VOCAB}, got "${v}"`);
      o.vocab = n;
    } else if (a === '--out') o.out = value();
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  });
  if (!o.text || !o.out || tokenizer === null) throw new Error(`--text, --tokenizer and --out are required\n${USAGE}`);
  if (tokenizer !== 'char' && tokenizer !== 'bpe') throw new Error(`--tokenizer must be char or bpe, got "${tokenizer}"`);
  o.tokenizer = tokenizer;
  if (o.vocab !== null && tokenizer === 'char') throw new Error('--vocab applies to --tokenizer bpe (the char vocabulary is the text\'s characters)');
  return o;
}

export async function prepareData(o: PrepareOptions, onProgress?: (done: number, total: number) => void): Promise<DataInfo> {
  const bytes = new Uint8Array(readFileSync(o.text));
  const name = basename(o.text);
  const upload = await validateUpload(bytes, name, { maxBytes: Number.MAX_SAFE_INTEGER, minTokens: 2 });
  const texts = splitUpload(upload.text);
  const vocabSize = o.vocab ?? DEFAULT_CONFIG.data.vocabSize;
  const tokenizer = await buildTokenizerAsync(o.tokenizer, texts, {
    vocabSize, cache: new FileBpeCache(), corpusHash: upload.sha256, onProgress,
  });
  return writeTokenData(o.out, {
    train: tokenizer.encode(texts.train),
    val: tokenizer.encode(texts.val),
    tokenizer,
    data: { ...DEFAULT_CONFIG.data, corpus: 'upload', tokenizer: o.tokenizer, vocabSize, upload: { name, size: upload.size, sha256: upload.sha256 } },
    source: name,
    sampling: 'lab',
  });
}

export async function main(argv: string[]): Promise<number> {
  const o = parsePrepareArgs(argv);
  const started = performance.now();
  let shown = -1;
  const info = await prepareData(o, (done, total) => {
    const pct = Math.floor((100 * done) / Math.max(total, 1));
    if (pct >= shown + 10) {
      shown = pct;
      console.log(`BPE merges ${done}/${total}`);
    }
  });
  const count = (n: number) => n.toLocaleString('en-US');
  console.log(`wrote ${o.out}: train.bin ${count(info.trainTokens)} tokens, val.bin ${count(info.valTokens)} tokens, ${info.dtype}, ` +
    `${o.tokenizer} tokenizer V=${info.vocabSize} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`train on it: python3 PYDIR/train.py --data ${o.out} --out OUT   (PYDIR from npm run export:pytorch)`);
  return 0;
}

runAsCommand(import.meta.url, main);
