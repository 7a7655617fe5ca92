// chartMath.test.ts: the pure chart helpers against hand-computed values (node, no DOM).
import { describe, expect, it } from 'vitest';
import * as d3 from 'd3';
import {
  cellEdges, clampForLog, COLOR_SCHEMES, dataDomain, emaSmooth, formatValue, heatmapDomain,
  legendLayout, logDomainValues, logTicks, nearestStep, niceTicks, placeTooltip, snapToData, stepBeside,
} from './chartMath.ts';

const pts = (values: number[], from = 1) => values.map((value, i) => ({ step: from + i, value }));

describe('emaSmooth', () => {
  it('matches hand values with debiasing (w = 0.5)', () => {
    // last: 0.5, 1.25, 2.125; debias: 0.5, 0.75, 0.875
    const s = emaSmooth(pts([1, 2, 3]), 0.5);
    expect(s.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(s[0].value).toBeCloseTo(1, 12);
    expect(s[1].value).toBeCloseTo(1.25 / 0.75, 12);
    expect(s[2].value).toBeCloseTo(2.125 / 0.875, 12);
    // the same number as a weighted mean with weights w^(n-1-i)
    expect(s[2].value).toBeCloseTo((0.25 * 1 + 0.5 * 2 + 1 * 3) / 1.75, 12);
  });

  it('first smoothed value equals the first raw value (debiasing removes the pull to 0)', () => {
    for (const w of [0.1, 0.6, 0.9, 0.99]) expect(emaSmooth(pts([7.5, 1]), w)[0].value).toBeCloseTo(7.5, 10);
  });

  it('weight 0 is the identity, and weights clamp to [0, 0.99]', () => {
    const raw = pts([3, 1, 4, 1, 5]);
    expect(emaSmooth(raw, 0)).toEqual(raw);
    expect(emaSmooth(raw, -2)).toEqual(raw);
    expect(emaSmooth(raw, 5)).toEqual(emaSmooth(raw, 0.99));
    expect(emaSmooth(raw, Number.NaN)).toEqual(raw);
  });

  it('passes non-finite values through and leaves them out of the average', () => {
    const s = emaSmooth(pts([2, Number.NaN, 4]), 0.5);
    expect(s[1].value).toBeNaN();
    // second finite value is the 2nd accumulated: last = 0.5*1 + 0.5*4 = 2.5; debias 0.75
    expect(s[2].value).toBeCloseTo(2.5 / 0.75, 12);
  });

  it('keeps a constant series exact and does not mutate its input', () => {
    const raw = pts([0.3, 0.3, 0.3, 0.3]);
    const copy = raw.map((p) => ({ ...p }));
    expect(emaSmooth(raw, 0.9).map((p) => p.value)).toEqual([0.3, 0.3, 0.3, 0.3]);
    expect(raw).toEqual(copy);
    expect(emaSmooth([], 0.9)).toEqual([]);
  });
});

describe('log-domain clamping', () => {
  it('clampForLog turns non-positive and non-finite values into NaN, keeps steps', () => {
    const c = clampForLog(pts([1, 0, -2, Number.POSITIVE_INFINITY, 1e-9]));
    expect(c.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(c[0].value).toBe(1);
    expect(c[1].value).toBeNaN();
    expect(c[2].value).toBeNaN();
    expect(c[3].value).toBeNaN();
    expect(c[4].value).toBe(1e-9);
  });

  it('logDomainValues keeps only positive finite values, in order', () => {
    expect(logDomainValues([0.5, 0, -1, Number.NaN, 2, Number.NEGATIVE_INFINITY, 3])).toEqual([0.5, 2, 3]);
  });
});

describe('nearestStep / snapToData', () => {
  const p = [{ step: 0 }, { step: 10 }, { step: 20 }, { step: 40 }];
  it('finds the nearest point', () => {
    expect(nearestStep(p, 12)).toBe(1);
    expect(nearestStep(p, 31)).toBe(3);
    expect(nearestStep(p, -5)).toBe(0);
    expect(nearestStep(p, 1000)).toBe(3);
    expect(nearestStep(p, 20)).toBe(2);
  });
  it('breaks ties toward the smaller step, and on equal steps the first point', () => {
    expect(nearestStep(p, 5)).toBe(0);
    expect(nearestStep(p, 30)).toBe(2);
    expect(nearestStep([{ step: 30 }, { step: 20 }, { step: 20 }], 25)).toBe(1); // unsorted input
    expect(nearestStep([{ step: 7 }, { step: 7 }], 7)).toBe(0);
  });
  it('returns -1 for no points or a non-finite target', () => {
    expect(nearestStep([], 3)).toBe(-1);
    expect(nearestStep(p, Number.NaN)).toBe(-1);
  });
  it('snapToData takes the nearest step over several series', () => {
    expect(snapToData([[{ step: 0 }, { step: 50 }], [{ step: 22 }]], 30)).toBe(22);
    expect(snapToData([[{ step: 10 }], [{ step: 20 }]], 15)).toBe(10); // tie: smaller step
    expect(snapToData([[], []], 3)).toBeNull();
  });
});

describe('heatmap domain', () => {
  it('dataDomain spans the finite values of all arrays', () => {
    expect(dataDomain([[3, 1, Number.NaN], [7, Number.POSITIVE_INFINITY]])).toEqual([1, 7]);
  });
  it('widens a degenerate domain and falls back when nothing is finite', () => {
    expect(dataDomain([[2, 2]])).toEqual([1.5, 2.5]);
    expect(dataDomain([[100]])).toEqual([90, 110]);
    expect(dataDomain([[Number.NaN], []], [0, 4])).toEqual([0, 4]);
  });
  it('heatmapDomain shares one domain across runs and skips nulls', () => {
    const ntp = [{ step: 0, values: [1.5, 3, null] }, { step: 50, values: [2, 4.5, 6] }];
    const nitp = [{ step: 0, values: [1.2, null, 2] }, { step: 50, values: [2.5, 9, Number.NaN] }];
    expect(heatmapDomain([ntp, nitp])).toEqual([1.2, 9]);
    expect(heatmapDomain([[], []])).toEqual([0, 1]);
  });
});

describe('tick choice', () => {
  it('niceTicks agrees with d3.ticks', () => {
    const cases: [number, number, number][] = [[0, 1, 5], [0, 500, 6], [1.37, 4.91, 5], [-3, 17, 4], [0.001, 0.0042, 5], [0, 37, 10], [2, 2.2, 5]];
    for (const [a, b, n] of cases) expect(niceTicks(a, b, n)).toEqual(d3.ticks(a, b, n));
    expect(niceTicks(10, 0, 5)).toEqual([10, 8, 6, 4, 2, 0]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(4, 4, 5)).toEqual([4]);
  });
  it('logTicks uses decades when three or more fit', () => {
    expect(logTicks(1e-4, 1)).toEqual([1e-4, 1e-3, 1e-2, 0.1, 1]);
    expect(logTicks(3e-5, 0.6)).toEqual([1e-4, 1e-3, 1e-2, 0.1]);
    expect(logTicks(1e-12, 1, 5)).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1]); // 13 decades, every 3rd
  });
  it('logTicks falls back to 1-2-5 multiples, then to linear ticks', () => {
    expect(logTicks(0.01, 0.6)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logTicks(1.5, 5)).toEqual([2, 3, 4, 5]); // under a decade: linear round ticks
    expect(logTicks(5, 1.5)).toEqual([2, 3, 4, 5]); // order of the ends does not matter
  });
  it('logTicks rejects domains a log axis cannot have', () => {
    expect(logTicks(0, 1)).toEqual([]);
    expect(logTicks(-1, 10)).toEqual([]);
    expect(logTicks(1, Number.POSITIVE_INFINITY)).toEqual([]);
  });
});

describe('formatValue', () => {
  it('gives short labels', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(2.34567)).toBe('2.35');
    expect(formatValue(0.012345)).toBe('0.0123');
    expect(formatValue(123.6)).toBe('124');
    expect(formatValue(0.00012)).toBe('1.2e-4');
    expect(formatValue(250000)).toBe('2.5e5');
    expect(formatValue(Number.NaN)).toBe('–');
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
      expect(d3.color(f(0))).not.toBeNull();
      expect(f(0)).not.toBe(f(1));
    }
  });
});

describe('legendLayout', () => {
  it('places entries left to right and wraps when the next would overflow', () => {
    // widths: 24 + 3*6 = 42, 24 + 4*6 = 48, 24 + 10*6 = 84; gap 10
    const { slots, rows } = legendLayout(['NTP', 'NITP', 'difference'], 120, 24, 10, 6);
    expect(slots).toEqual([{ x: 0, row: 0, width: 42 }, { x: 52, row: 0, width: 48 }, { x: 0, row: 1, width: 84 }]);
    expect(rows).toBe(2);
  });
  it('keeps an entry wider than the room on a row of its own and handles no entries', () => {
    const { slots, rows } = legendLayout(['a very long legend entry', 'b'], 50, 24, 10, 6);
    expect(slots.map((s) => s.row)).toEqual([0, 1]);
    expect(rows).toBe(2);
    expect(legendLayout([], 100)).toEqual({ slots: [], rows: 0 });
  });
});

describe('placeTooltip', () => {
  it('goes right of the anchor when it fits, else left, never past minX', () => {
    expect(placeTooltip(100, 80, 40, 600)).toBe(108);
    expect(placeTooltip(550, 80, 40, 600)).toBe(462);
    expect(placeTooltip(60, 580, 40, 600)).toBe(40);
  });
});

describe('stepBeside (arrow-key cursor)', () => {
  const a = [{ step: 0 }, { step: 10 }, { step: 20 }];
  const b = [{ step: 5 }, { step: 50 }];
  it('moves to the neighbouring data step over all series', () => {
    expect(stepBeside([a, b], 10, 1)).toBe(20);
    expect(stepBeside([a, b], 10, -1)).toBe(5);
    expect(stepBeside([a, b], 7, 1)).toBe(10);
    expect(stepBeside([a, b], 20, 1)).toBe(50);
  });
  it('starts at the first or last step and stays at the ends', () => {
    expect(stepBeside([a, b], null, 1)).toBe(0);
    expect(stepBeside([a, b], null, -1)).toBe(50);
    expect(stepBeside([a, b], 50, 1)).toBe(50);
    expect(stepBeside([a, b], 0, -1)).toBe(0);
    expect(stepBeside([], null, 1)).toBeNull();
  });
});
