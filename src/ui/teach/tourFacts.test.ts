// The tour's facts come from the evaluations alone: start, minimum, whether the collapse is over, the delay.
import { describe, expect, it } from 'vitest';
import { runFacts, tourFacts } from './tourFacts.ts';
import type { EvalRecord } from '../../train/protocol.ts';

/** Evaluations whose final-layer rank follows `ranks` at steps 0, 2, 4, … (anisotropy 1 − rank/40). */
function records(ranks: number[]): EvalRecord[] {
  return ranks.map((erank, i) => ({
    step: 2 * i, valNtp: 3 - i / 100, valAux: null, alignment: null,
    pca: { points: new Float32Array(), rows: new Uint32Array(), explained: [], meanProjection: [] },
    layers: [{ layer: 4, erank: erank + 1, anisotropy: 0, norm: 1, spectrum: [], tail: 0 }, { layer: 'final', erank, anisotropy: 1 - erank / 40, norm: 1, spectrum: [], tail: 0 }],
  }));
}

describe('tour facts', () => {
  it('find the start, the minimum and the anisotropy peak', () => {
    const f = runFacts(records([32, 34, 20, 6, 3, 4, 9]), 'final');
    expect(f.start).toEqual({ erank: 32, anisotropy: 1 - 32 / 40 });
    expect(f.minimum).toEqual({ step: 8, erank: 3, anisotropy: 1 - 3 / 40 });
    expect(f.peak).toEqual({ step: 8, anisotropy: 1 - 3 / 40 });
    expect(f.latest?.step).toBe(12);
    expect(f.minimumReached).toBe(true);
  });

  it('count a minimum as reached only after a real fall and a clear rise', () => {
    expect(runFacts(records([32, 20, 6, 3]), 'final').minimumReached).toBe(false); // still falling
    expect(runFacts(records([32, 20, 6, 3, 3.2]), 'final').minimumReached).toBe(false); // a wobble, not a rise
    expect(runFacts(records([32, 20, 6, 3, 3.6]), 'final').minimumReached).toBe(true); // 3 + max(0.5, 0.45)
    expect(runFacts(records([32, 36, 38]), 'final').minimumReached).toBe(false); // rose first: step 0 is no collapse
    expect(runFacts(records([32, 28, 26, 31]), 'final').minimumReached).toBe(false); // fell less than 25%
  });

  it('follow the chosen layer, and give the delay once both minima are reached', () => {
    const ntp = records([32, 10, 3, 5, 8]);
    const nitp = records([32, 20, 12, 6, 9]);
    const f = tourFacts({ ntp, nitp }, 'final');
    expect(f.runs.ntp.minimum?.step).toBe(4);
    expect(f.runs.nitp.minimum?.step).toBe(6);
    expect(f.delay).toBe(2);
    expect(tourFacts({ ntp, nitp }, 4).runs.ntp.minimum?.erank).toBe(4); // the last block's values
    expect(tourFacts({ ntp, nitp: records([32, 20, 12]) }, 'final').delay).toBeNull();
    expect(runFacts([], 'final')).toMatchObject({ start: null, minimumReached: false });
  });
});
