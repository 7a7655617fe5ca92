// The ablation experiments: stable ids apart from the presets', a sentence each on the paper and on
// this scale, and every grid point valid (sweepPlan resolves them all), with an NTP baseline.
import { describe, expect, it } from 'vitest';
import { ABLATIONS, PRESETS, ablationById } from './presets.ts';
import { sweepPlan } from '../share/sweep.ts';

describe('ablations', () => {
  it('resolve at every grid point, each with a λ = 0 baseline', () => {
    expect(ABLATIONS.map((a) => a.id)).toEqual(['abl-target-layer', 'abl-shift', 'abl-stopgrad', 'abl-head', 'abl-loss', 'abl-lambda', 'abl-generic', 'abl-bpe']);
    expect(PRESETS.map((p) => p.id)).toEqual(['tiny', 'teaching', 'paper']); // the gallery's presets stay as they are
    for (const a of ABLATIONS) {
      expect(ablationById(a.id)).toBe(a);
      expect(a.paper.length, a.id).toBeGreaterThan(40);
      expect(a.expect.length, a.id).toBeGreaterThan(40);
      const runs = sweepPlan(a.config, a.vary, 3);
      expect(runs.some((r) => r.config.nitp.lambda === 0), a.id).toBe(true);
      expect(new Set(runs.map((r) => r.config.train.seed)).size, a.id).toBe(3);
    }
    expect(sweepPlan(ablationById('abl-lambda')!.config, ablationById('abl-lambda')!.vary, 1).map((r) => r.config.nitp.lambda)).toContain(3);
    expect(ablationById('tiny')).toBeNull();
  });
});
