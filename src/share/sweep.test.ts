// The sweep grid (values, validation, λ = 0 run once, folder names) and the summary computed from
// run records: means, sample sds, paired differences to the λ = 0 run of the same seed, sign agreement.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RunConfig } from '../model/config.ts';
import type { EvalRecord } from '../train/protocol.ts';
import { differingFields, parseVary, runDirName, splitValues, stat, summarizeSweep, summaryCsv, sweepPlan, type SummaryInput } from './sweep.ts';

describe('sweep grid', () => {
  it('splits value lists at top-level commas only', () => {
    expect(splitValues('0,0.3, 1')).toEqual(['0', '0.3', '1']);
    expect(splitValues('{"every":2,"until":60},null')).toEqual(['{"every":2,"until":60}', 'null']);
  });

  it('parses --vary with the checks of --set', () => {
    expect(parseVary('nitp.lambda=0,0.3,1')).toEqual({ path: 'nitp.lambda', values: [0, 0.3, 1] });
    expect(parseVary('nitp.loss=cosine,mse')).toEqual({ path: 'nitp.loss', values: ['cosine', 'mse'] });
    expect(parseVary('nitp.stopGrad=true,false').values).toEqual([true, false]);
    expect(() => parseVary('nitp.lambda=0,-1')).toThrow(/nitp\.lambda.*\[0, 1000\]/);
    expect(() => parseVary('nitp.loss=cosine,l2')).toThrow(/must be one of/);
    expect(() => parseVary('nitp.lamda=0,1')).toThrow(/unknown field/);
    expect(() => parseVary('nitp.lambda=0,0')).toThrow(/twice/);
    expect(() => parseVary('train.seed=1,2')).toThrow(/--seeds/);
    expect(() => parseVary('nitp.lambda')).toThrow(/section\.field=v1,v2/);
  });

  it('runs the grid at every seed, λ = 0 once however the nitp fields vary', () => {
    const base = { model: { nLayer: 4 }, train: { seed: 10 } };
    const runs = sweepPlan(base, [parseVary('nitp.lambda=0,1'), parseVary('nitp.targetLayer=0,2')], 2);
    expect(runs.map((r) => r.dir)).toEqual([
      'lam=0_seed10', 'lam=1_k=0_seed10', 'lam=1_k=2_seed10', 'lam=0_seed11', 'lam=1_k=0_seed11', 'lam=1_k=2_seed11',
    ]);
    expect(runs[0].variant).toEqual({ 'nitp.lambda': 0, 'nitp.targetLayer': null });
    expect(runs[0].config.nitp.targetLayer).toBe(1); // the base's (derived) value
    expect(runs[1].config.nitp.targetLayer).toBe(0);
    expect(runs.map((r) => r.config.train.seed)).toEqual([10, 10, 10, 11, 11, 11]);
    expect(runDirName({ 'eval.early': { every: 2, until: 60 } }, 3)).toBe('early=-every-2-until-60-_seed3');
  });

  it('refuses a grid point that breaks a rule across fields, naming it', () => {
    expect(() => sweepPlan({ model: { nLayer: 2 } }, [parseVary('nitp.targetLayer=1,3')], 1)).toThrow(/variant nitp\.targetLayer=3: .*nitp\.targetLayer/);
    expect(() => sweepPlan({}, [parseVary('model.nHead=3')], 1)).toThrow(/model\.dModel/);
  });
});

/** A run whose last evaluation (at `at`) has these metrics; layer 2 is the last block of a 2-layer model. */
function run(dir: string, lambda: number, seed: number, m: { val: number; erank: number; aniso: number; erankL: number; anisoL: number }, at = 20): SummaryInput {
  const config: RunConfig = resolveConfig({ model: { nLayer: 2, dModel: 16, nHead: 2 }, nitp: { lambda }, train: { steps: 20, warmupSteps: 5, seed } });
  const layer = (id: number | 'final', erank: number, anisotropy: number) => ({ layer: id, erank, anisotropy, norm: 1, spectrum: [], tail: 0 });
  const evals: EvalRecord[] = [0, at].map((step) => ({
    step, valNtp: step === 0 ? 9 : m.val, valAux: null, pca: { points: new Float32Array(), rows: new Uint32Array(), explained: [], meanProjection: [] }, alignment: null,
    layers: [layer(0, 1, 0), layer(1, 1, 0), layer(2, m.erankL, m.anisoL), layer('final', m.erank, m.aniso)],
  }));
  return { dir, config, steps: [], evals };
}

describe('sweep summary', () => {
  const runs = [
    run('a0', 0, 1, { val: 3.0, erank: 4, aniso: 0.9, erankL: 3, anisoL: 0.8 }),
    run('a1', 0, 2, { val: 3.2, erank: 6, aniso: 0.7, erankL: 5, anisoL: 0.6 }),
    run('b0', 1, 1, { val: 3.1, erank: 7, aniso: 0.5, erankL: 4, anisoL: 0.5 }),
    run('b1', 1, 2, { val: 3.1, erank: 6, aniso: 0.6, erankL: 4, anisoL: 0.7 }),
    run('b2', 1, 3, { val: 3.5, erank: 9, aniso: 0.2, erankL: 9, anisoL: 0.2 }), // no λ = 0 run of seed 3: not paired
    run('b3', 1, 4, { val: 1, erank: 1, aniso: 1, erankL: 1, anisoL: 1 }, 12), // stopped at step 12: left out
  ];

  it('means and sample sds per variant, paired differences and sign agreement', () => {
    const s = summarizeSweep(['nitp.lambda'], runs);
    expect(s.rows.map((r) => r.variant)).toEqual([{ 'nitp.lambda': 0 }, { 'nitp.lambda': 1 }]);
    const [ntp, nitp] = s.rows;
    expect(ntp.diff).toBeNull();
    expect(ntp.metrics.val_ntp.mean).toBeCloseTo(3.1, 12);
    expect(ntp.metrics.val_ntp.sd).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(nitp.seeds).toEqual([1, 2, 3]);
    expect(nitp.unfinished).toEqual(['b3']);
    expect(nitp.metrics.erank_final).toEqual({ mean: 22 / 3, n: 3, sd: expect.closeTo(Math.sqrt(((7 - 22 / 3) ** 2 + (6 - 22 / 3) ** 2 + (9 - 22 / 3) ** 2) / 2), 12) });
    // paired by seed: erank 7 − 4 = 3 and 6 − 6 = 0; anisotropy (last block) 0.5 − 0.8 and 0.7 − 0.6
    expect(nitp.diff!.erank_final).toEqual({ mean: 1.5, sd: expect.closeTo(Math.sqrt(4.5), 12), n: 2, agree: 1 });
    expect(nitp.diff!.anisotropy_last.mean).toBeCloseTo(-0.1, 12);
    expect(nitp.diff!.anisotropy_last.agree).toBe(1);
    expect(nitp.diff!.val_ntp.mean).toBeCloseTo(0, 12);
    expect(nitp.diff!.anisotropy_final).toMatchObject({ n: 2, agree: 2 });
  });

  it('a csv row per variant', () => {
    const csv = summaryCsv(summarizeSweep(['nitp.lambda'], runs)).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0].startsWith('nitp.lambda,seeds,val_ntp_mean,val_ntp_sd,')).toBe(true);
    expect(csv[0].split(',')).toHaveLength(2 + 5 * 2 + 5 * 3);
    expect(csv[1].split(',')[1]).toBe('1 2');
    expect(csv[2]).toContain(',1/2,');
    expect(csv[1].endsWith(',,,')).toBe(true); // no paired differences for the baseline
  });

  it('statistics of few values', () => {
    expect(stat([])).toEqual({ mean: null, sd: null, n: 0 });
    expect(stat([2])).toEqual({ mean: 2, sd: null, n: 1 });
    expect(differingFields(runs.map((r) => r.config))).toEqual(['nitp.lambda', 'train.seed']);
    expect(differingFields(runs.map((r) => r.config), ['train.seed'])).toEqual(['nitp.lambda']);
  });
});
