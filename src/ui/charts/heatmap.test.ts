// heatmap.test.ts: the shared heatmap colour domain, cell edges and colour schemes.
import { describe, expect, it } from 'vitest';
import { color } from 'd3';
import { cellEdges, COLOR_SCHEMES, heatmapDomain } from './heatmap.ts';

describe('heatmapDomain', () => {
  it('heatmapDomain shares one domain across runs and skips nulls', () => {
    const ntp = [{ step: 0, values: [1.5, 3, null] }, { step: 50, values: [2, 4.5, 6] }];
    const nitp = [{ step: 0, values: [1.2, null, 2] }, { step: 50, values: [2.5, 9, Number.NaN] }];
    expect(heatmapDomain([ntp, nitp])).toEqual([1.2, 9]);
    expect(heatmapDomain([[], []])).toEqual([0, 1]);
  });
});

describe('cellEdges', () => {
  it('puts edges halfway between centres and mirrors the outer half-gaps', () => {
    expect(cellEdges([0, 50, 100])).toEqual([-25, 25, 75, 125]);
    expect(cellEdges([0, 10, 50])).toEqual([-5, 5, 30, 70]);
    expect(cellEdges([7])).toEqual([6.5, 7.5]);
    expect(cellEdges([])).toEqual([]);
  });
});

describe('COLOR_SCHEMES', () => {
  it('maps [0, 1] to colours', () => {
    for (const f of Object.values(COLOR_SCHEMES)) {
      expect(color(f(0))).not.toBeNull();
      expect(f(0)).not.toBe(f(1));
    }
  });
});
