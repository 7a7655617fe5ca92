// calibration-table.ts: the README's calibration table of the teaching preset, computed from the
// runs that scripts/calibrate-teaching.sh wrote (DIR/tie-*/seed-*/lambda-*/metrics.jsonl).
//   node --import tsx scripts/calibration-table.ts DIR
// Per run, for the final hidden state h and for the last block's output (before the final
// LayerNorm): the effective-rank minimum and its step, the anisotropy peak and its step, and the
// final rank, anisotropy and validation loss.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Layer { layer: number | 'final'; erank: number; anisotropy: number }
interface Evaluation { step: number; layers: Layer[]; valNtp: number }

function evaluations(dir: string): Evaluation[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.eval).map((r) => ({ step: r.step, ...r.eval }));
}

/** The summary of one layer's trajectory. */
function summary(evals: Evaluation[], pick: (e: Evaluation) => Layer) {
  const series = evals.map((e) => ({ step: e.step, ...pick(e) }));
  const min = series.reduce((a, b) => (b.erank < a.erank ? b : a));
  const peak = series.reduce((a, b) => (b.anisotropy > a.anisotropy ? b : a));
  const last = series[series.length - 1];
  return { start: series[0].erank, min, peak, last };
}

const root = process.argv[2] ?? 'runs/calibrate-teaching';
const rows: string[] = [];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
for (const tie of ['true', 'false']) {
  for (const seed of readdirSync(join(root, `tie-${tie}`)).sort()) {
    for (const lambda of ['0', '1']) {
      const dir = join(root, `tie-${tie}`, seed, `lambda-${lambda}`);
      if (!existsSync(join(dir, 'metrics.jsonl'))) continue;
      const evals = evaluations(dir);
      if (evals.length === 0) continue;
      const L = Math.max(...evals[0].layers.map((l) => (typeof l.layer === 'number' ? l.layer : 0)));
      const h = summary(evals, (e) => e.layers.find((l) => l.layer === 'final')!);
      const block = summary(evals, (e) => e.layers.find((l) => l.layer === L)!);
      rows.push([
        tie === 'true' ? 'tied' : 'untied', seed.replace('seed-', ''), lambda === '0' ? 'NTP' : 'NITP',
        `${f1(h.start)} → ${f1(h.min.erank)} @ ${h.min.step}`, `${f2(h.peak.anisotropy)} @ ${h.peak.step}`,
        f1(h.last.erank), f2(h.last.anisotropy),
        `${f1(block.min.erank)} @ ${block.min.step}`, f1(block.last.erank),
        evals[evals.length - 1].valNtp.toFixed(3), String(evals[evals.length - 1].step),
      ].join(' | '));
    }
  }
}
console.log([
  '| embeddings | seed | run | rank of h: start → min @ step | anisotropy of h: peak @ step | final rank of h | final anisotropy of h | rank of last block: min @ step | final rank of last block | final val loss | steps |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r} |`),
].join('\n'));
