// stepCursor.test.ts: snapping the step cursor to data and moving it with arrow keys.
import { describe, expect, it } from 'vitest';
import { nearestStep, snapToData, stepBeside } from './stepCursor.ts';

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
