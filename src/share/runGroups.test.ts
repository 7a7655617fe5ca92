// Groups for the lab's sweep and comparison views: a sweep folder's files read into variants (the
// same summary as summary.json), saved pairs grouped by a field, and the "diff only" table.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RunConfig } from '../model/config.ts';
import type { LoadedRun, SavedRunMeta } from '../store/runStore.ts';
import type { EvalRecord } from '../train/protocol.ts';
import { diffOnly, groupSavedRuns, readSweepFolder, variantLabel } from './runGroups.ts';
import { summarizeSweep } from './sweep.ts';

const config = (lambda: number, seed: number, extra: object = {}) =>
  resolveConfig({ model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 }, nitp: { lambda }, train: { steps: 10, warmupSteps: 2, seed }, ...extra });
const evalLine = (step: number, erank: number) => JSON.stringify({ step, eval: { valNtp: 4 - erank / 10, valNitp: null, layers: [0, 1, 2, 'final'].map((layer) => ({ layer, erank, anisotropy: 0.5, norm: 1 })) } });
const metrics = (erank: number) => [evalLine(0, 8), JSON.stringify({ step: 10, lr: 0, loss: 3, ntp: 3, nitp: null, gradNorm: 1 }), evalLine(10, erank)].join('\n') + '\n';

describe('run groups', () => {
  it('reads a sweep folder into variants with the summary of its runs', () => {
    const runs = [[0, 1, 4], [0, 2, 6], [1, 1, 7], [1, 2, 9]] as const;
    const files = runs.flatMap(([lam, seed, erank]) => [
      { path: `lam=${lam}_seed${seed}/config.json`, text: JSON.stringify(config(lam, seed)) },
      { path: `lam=${lam}_seed${seed}/metrics.jsonl`, text: metrics(erank) },
    ]);
    const view = readSweepFolder([...files, { path: 'sweep.json', text: JSON.stringify({ varied: ['nitp.lambda'], runs: runs.map(([l, s]) => ({ dir: `lam=${l}_seed${s}` })) }) }], 'sw');
    expect(view.groups.map((g) => [g.label, g.runs.map((r) => r.dir)])).toEqual([
      ['nitp.lambda = 0 (NTP)', ['lam=0_seed1', 'lam=0_seed2']],
      ['nitp.lambda = 1', ['lam=1_seed1', 'lam=1_seed2']],
    ]);
    expect(view.summary.rows[1].metrics.erank_final.mean).toBe(8);
    expect(view.summary.rows[1].diff!.erank_final).toMatchObject({ mean: 3, n: 2, agree: 2 });
    // without sweep.json the varied fields are those that differ (the seed aside)
    expect(readSweepFolder(files, 'sw').varied).toEqual(['nitp.lambda']);
    // a summary.json alone: its table, no charts
    const alone = readSweepFolder([{ path: 'summary.json', text: JSON.stringify(view.summary) }], 'sw');
    expect(alone.groups).toEqual([]);
    expect(alone.summary).toEqual(view.summary);
    expect(alone.note).toMatch(/no bands/);
    expect(() => readSweepFolder([], 'empty')).toThrow(/no run folders/);
    expect(variantLabel({})).toBe('all runs');
  });

  const meta = (id: string, c: RunConfig): SavedRunMeta => ({
    format: 1, id, name: id, created: 0, updated: 0, config: c, adapter: 'test', step: 10, checkpointStep: null, evalSteps: [0, 10],
    summary: { ntpLoss: null, nitpLoss: null, valNtp: { ntp: null, nitp: null }, erank: { ntp: null, nitp: null }, anisotropy: { ntp: null, nitp: null } },
  });

  it('shows only the config fields that differ', () => {
    expect(diffOnly([meta('a', config(1, 7)), meta('b', config(1, 8))])).toEqual({
      fields: ['train.seed'], rows: [{ meta: expect.objectContaining({ id: 'a' }), values: [7] }, { meta: expect.objectContaining({ id: 'b' }), values: [8] }],
    });
    expect(diffOnly([meta('a', config(1, 7)), meta('b', config(0.5, 7, { eval: { every: 5 } }))]).fields).toEqual(['nitp.lambda', 'eval.every']);
  });

  it('groups saved pairs by a field, NTP and NITP models apart, paired by seed', () => {
    const evals = (erank: number): EvalRecord[] => [10].map((step) => ({
      step, valNtp: 3, valAux: null, alignment: null, pca: { points: new Float32Array(), rows: new Uint32Array(), explained: [], meanProjection: [] },
      layers: [2, 'final' as const].map((layer) => ({ layer, erank, anisotropy: 0.5, norm: 1, spectrum: [], tail: 0 })),
    }));
    const saved = (id: string, lambda: number, seed: number, ntp: number, nitp: number): LoadedRun => ({
      meta: meta(id, config(lambda, seed)), history: { ntp: [], nitp: [] }, evals: { ntp: evals(ntp), nitp: evals(nitp) }, checkpoint: null,
    });
    const g = groupSavedRuns([saved('a', 1, 7, 4, 6), saved('b', 1, 8, 5, 8), saved('c', 3, 7, 4, 9)], 'nitp.lambda');
    expect(g.groups.map((x) => [x.label, x.runs.length])).toEqual([['nitp.lambda = 0 (NTP)', 3], ['nitp.lambda = 1', 2], ['nitp.lambda = 3', 1]]);
    expect(g.summary.rows[1].diff!.erank_final).toMatchObject({ mean: 2.5, n: 2, agree: 2 });
    expect(g.summary).toEqual(summarizeSweep(['nitp.lambda'], g.groups.flatMap((x) => x.runs)));
    expect(groupSavedRuns([saved('a', 1, 7, 4, 6)], 'train.seed').varied).toEqual(['nitp.lambda', 'train.seed']);
  });
});
