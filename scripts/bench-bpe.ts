// bench-bpe.ts: BPE training time on the Brown training split (vocabulary 1024 and 4096, or the
// sizes given), then tokens per split (train/val) and compression (characters per token) for
// the char tokenizer and each BPE size, with encode times. No cache: every size is trained.
// Run: node --import tsx scripts/bench-bpe.ts [--vocab 1024,4096,8192]
import { trainBpe } from '../src/data/bpe.ts';
import { CORPUS_ASSETS, countCodePoints } from '../src/data/corpus.ts';
import { nodeCorpusSource } from '../src/data/nodeSource.ts';
import { CharTokenizer, type Tokenizer } from '../src/data/tokenizer.ts';

const arg = process.argv.indexOf('--vocab');
const sizes = arg >= 0 ? process.argv[arg + 1].split(',').map(Number) : [1024, 4096];

const source = nodeCorpusSource(); // builds the asset if missing
const [train, val] = await Promise.all(['train.txt', 'val.txt'].map((f) => source.readText(`${CORPUS_ASSETS.brown.dir}/${f}`)));
const chars = { train: countCodePoints(train), val: countCodePoints(val) };
console.log(`Brown: train ${chars.train} characters, val ${chars.val} characters`);

function report(name: string, tok: Tokenizer): void {
  const t0 = performance.now();
  const ids = { train: tok.encode(train), val: tok.encode(val) };
  const ms = performance.now() - t0;
  if (tok.decode(ids.val) !== val) throw new Error(`${name}: validation text does not round-trip`);
  const cpt = (s: 'train' | 'val') => (chars[s] / ids[s].length).toFixed(3);
  console.log(
    `${name.padEnd(9)} V ${String(tok.vocabSize).padStart(5)}  tokens train ${String(ids.train.length).padStart(8)}  val ${String(ids.val.length).padStart(7)}  ` +
      `chars/token train ${cpt('train')}  val ${cpt('val')}  encode both ${ms.toFixed(0)} ms`,
  );
}

report('char', CharTokenizer.fromTexts([train, val]));
for (const V of sizes) {
  let progressCalls = 0;
  const r = trainBpe(train, V, { onProgress: () => progressCalls++ });
  console.log(`bpe-${V}: trained in ${r.ms.toFixed(0)} ms (${r.chunkTypes} distinct chunks, ${progressCalls} progress calls)${r.note ? `; ${r.note}` : ''}`);
  report(`bpe-${V}`, r.tokenizer);
}
