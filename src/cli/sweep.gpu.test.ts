// npm run sweep: a 2 × 2 grid leaves 4 train folders and a 2-row summary that this test recomputes
// from the runs' metrics.jsonl by hand; started again after a lost final file (resumed from its
// checkpoint) and after a run killed before its first checkpoint (trained again), the summary is
// the same, and finished runs are skipped.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from './sweep.ts';

const ARGS = ['--config', 'examples/tiny.json', '--vary', 'nitp.lambda=0,1', '--seeds', '2', '--steps', '20',
  '--set', 'eval.sequences=8', '--set', 'eval.every=10', '--checkpoint-every', '10'];
const quiet = () => undefined;

/** A run's values at its last evaluation, straight from metrics.jsonl. */
function lastEval(dir: string) {
  const records = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const e = records.filter((r) => 'eval' in r).at(-1);
  expect(e.step).toBe(20);
  const layer = (id: number | string) => e.eval.layers.find((l: { layer: unknown }) => l.layer === id);
  return [e.eval.valNtp, layer('final').erank, layer('final').anisotropy, layer(2).erank, layer(2).anisotropy] as number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const METRICS = ['val_ntp', 'erank_final', 'anisotropy_final', 'erank_last', 'anisotropy_last'] as const;

describe('npm run sweep', () => {
  it('runs the grid, summarises it, and a killed sweep ends with the same summary', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nitp-sweep-')), 'sweep');
    const first = await runSweep([...ARGS, '--out', out], quiet);
    const dirs = ['lam=0_seed7', 'lam=1_seed7', 'lam=0_seed8', 'lam=1_seed8'];
    expect(first.trained).toEqual(dirs);
    expect(readdirSync(out).sort()).toEqual([...dirs, 'summary.csv', 'summary.json', 'sweep.json'].sort());
    for (const d of dirs) {
      // laid out as npm run train writes a run
      for (const f of ['config.json', 'init.safetensors', 'metrics.jsonl', 'checkpoint.safetensors', 'final.safetensors']) expect(existsSync(join(out, d, f)), `${d}/${f}`).toBe(true);
      expect(JSON.parse(readFileSync(join(out, d, 'config.json'), 'utf8')).train.seed).toBe(d.endsWith('7') ? 7 : 8);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.varied).toEqual(['nitp.lambda']);
    expect(summary.rows).toHaveLength(2);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    // recomputed from metrics.jsonl
    const values = Object.fromEntries(dirs.map((d) => [d, lastEval(join(out, d))]));
    METRICS.forEach((m, i) => {
      for (const [row, lam] of [[0, 0], [1, 1]] as const) {
        const xs = [values[`lam=${lam}_seed7`][i], values[`lam=${lam}_seed8`][i]];
        expect(summary.rows[row].metrics[m].mean, `${m} λ=${lam}`).toBeCloseTo(mean(xs), 12);
        expect(summary.rows[row].metrics[m].sd, `${m} λ=${lam}`).toBeCloseTo(sd(xs), 12);
      }
      const diffs = [7, 8].map((s) => values[`lam=1_seed${s}`][i] - values[`lam=0_seed${s}`][i]);
      expect(summary.rows[1].diff[m].mean, m).toBeCloseTo(mean(diffs), 12);
      expect(summary.rows[1].diff[m].sd, m).toBeCloseTo(sd(diffs), 12);
      expect(summary.rows[1].diff[m].agree, m).toBe(diffs.filter((d) => Math.sign(d) === Math.sign(mean(diffs))).length);
    });
    expect(summary.rows[0].diff).toBeNull();
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');

    // killed: one run lost its final file (its checkpoint of step 10 remains), another was cut
    // short before its first checkpoint; both summary files are gone
    rmSync(join(out, 'lam=1_seed7', 'final.safetensors'));
    rmSync(join(out, 'lam=0_seed8', 'final.safetensors'));
    rmSync(join(out, 'lam=0_seed8', 'checkpoint.safetensors'));
    const metrics = join(out, 'lam=0_seed8', 'metrics.jsonl');
    writeFileSync(metrics, readFileSync(metrics, 'utf8').split('\n').slice(0, 5).join('\n'));
    rmSync(join(out, 'summary.json'));
    rmSync(join(out, 'summary.csv'));
    const untouched = statSync(join(out, 'lam=0_seed7', 'metrics.jsonl')).mtimeMs;
    const again = await runSweep([...ARGS, '--out', out], quiet);
    expect(again.skipped).toEqual(['lam=0_seed7', 'lam=1_seed8']);
    expect(again.resumed).toEqual(['lam=1_seed7']);
    expect(again.trained).toEqual(['lam=0_seed8']);
    expect(statSync(join(out, 'lam=0_seed7', 'metrics.jsonl')).mtimeMs).toBe(untouched);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(csv);

    // another grid in the same folder is refused, nothing mixed
    await expect(runSweep([...ARGS.slice(0, 3), 'nitp.lambda=0,2', ...ARGS.slice(4), '--out', out], quiet)).rejects.toThrow(/holds another sweep/);
  });
});
