import { describe, expect, it } from 'vitest';
import { bandOf } from './bands.ts';

const series = (pairs: [number, number][]) => pairs.map(([step, value]) => ({ step, value }));

describe('bands over runs', () => {
  const runs = [series([[0, 1], [10, 2], [20, 3]]), series([[0, 3], [10, 4], [20, NaN]]), series([[0, 2], [10, 6]])];

  it('mean and min–max at the steps every run has', () => {
    const { mean, band } = bandOf(runs, 'minmax');
    expect(mean).toEqual(series([[0, 2], [10, 4]]));
    expect(band).toEqual([{ step: 0, lo: 1, hi: 3 }, { step: 10, lo: 2, hi: 6 }]);
  });

  it('±1 sample sd; one run gives a band of zero width', () => {
    const { band } = bandOf(runs, 'sd');
    expect(band[0]).toEqual({ step: 0, lo: 1, hi: 3 }); // values 1, 3, 2: sd 1
    expect(band[1].hi - band[1].lo).toBeCloseTo(4, 12); // values 2, 4, 6: sd 2
    expect(bandOf([runs[0]], 'sd').band[2]).toEqual({ step: 20, lo: 3, hi: 3 });
    expect(bandOf([], 'sd')).toEqual({ mean: [], band: [] });
  });
});
