// ticks.test.ts: log-axis ticks, the d3 linear ticks they fall back to, and number labels.
import { describe, expect, it } from 'vitest';
import { ticks } from 'd3';
import { formatValue, logTicks } from './ticks.ts';

describe('tick choice', () => {
  it('logTicks under a decade is d3.ticks, which keeps the behaviour the hand-rolled niceTicks pinned', () => {
    const domains: [number, number][] = [[1.5, 5], [2, 2.2], [0.0012, 0.0042], [37, 90]];
    for (const [a, b] of domains) expect(logTicks(a, b)).toEqual(ticks(a, b, 4));
    expect(ticks(10, 0, 5)).toEqual([10, 8, 6, 4, 2, 0]); // reversed domain: descending
    expect(ticks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]); // no 0.30000000000000004
    expect(ticks(4, 4, 5)).toEqual([4]);
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
  it('formats through d3-format: trailing zeros trimmed, whole numbers from 100, typographic minus', () => {
    expect(formatValue(1e5)).toBe('1e5');
    expect(formatValue(0.0001)).toBe('1e-4');
    expect(formatValue(1234.4)).toBe('1234');
    expect(formatValue(99999.6)).toBe('100000');
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(-0.5)).toBe('\u22120.5');
  });
});
