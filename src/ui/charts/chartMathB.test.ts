// chartMathB.test.ts: the chartMath helpers of the PCA scatter, alignment histogram and probe
// chart (helper B's section of chartMath.ts). Node environment, no DOM.
import { describe, expect, it } from 'vitest';
import * as d3 from 'd3';
import { POS_COUNT, POS_ID, POS_TAGS } from '../../data/pos.ts';
import { histogram } from '../../metrics/anisotropy.ts';
import {
  POS_COLORS, UNKNOWN_COLOR, commonValue, contextRange, histogramMean, layerLabel, orderLayers, pointIndex, posColor,
  posName, robustSymmetricDomain, scatterColors, sequentialColor, tokenContext, visibleText, widenDomain,
  type ScatterLabels,
} from './chartMath.ts';

/** CIELAB ΔE (CIE76) between two CSS colours. */
function deltaE(a: string, b: string): number {
  const p = d3.lab(a);
  const q = d3.lab(b);
  return Math.hypot(p.l - q.l, p.a - q.a, p.b - q.b);
}

/** A small deterministic generator (mulberry32) so the tests do not depend on Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('part-of-speech colours', () => {
  it('give every class, SPACE included, a valid and distinct colour', () => {
    expect(POS_COLORS.length).toBe(POS_COUNT);
    expect(POS_COUNT).toBe(13);
    expect(new Set(POS_COLORS).size).toBe(POS_COUNT);
    for (let i = 0; i < POS_COUNT; i++) {
      expect(POS_COLORS[i]).toMatch(/^#[0-9a-f]{6}$/);
      expect(posColor(i)).toBe(POS_COLORS[i]);
      expect(posName(i)).toBe(POS_TAGS[i]);
    }
    expect(POS_COLORS).not.toContain(UNKNOWN_COLOR);
  });

  it('keep every pair of classes apart (ΔE > 20) and NOUN, VERB, PUNCT, SPACE far apart (ΔE > 40)', () => {
    for (let i = 0; i < POS_COUNT; i++) {
      for (let j = i + 1; j < POS_COUNT; j++) {
        expect(deltaE(POS_COLORS[i], POS_COLORS[j]), `${POS_TAGS[i]} vs ${POS_TAGS[j]}`).toBeGreaterThan(20);
      }
    }
    const key = [POS_ID.NOUN, POS_ID.VERB, POS_ID.PUNCT, POS_ID.SPACE];
    for (const i of key) for (const j of key) {
      if (i < j) expect(deltaE(POS_COLORS[i], POS_COLORS[j]), `${POS_TAGS[i]} vs ${POS_TAGS[j]}`).toBeGreaterThan(40);
    }
  });

  it('map ids outside the table to the unknown colour', () => {
    expect(posColor(-1)).toBe(UNKNOWN_COLOR);
    expect(posColor(POS_COUNT)).toBe(UNKNOWN_COLOR);
    expect(posColor(1.5)).toBe(UNKNOWN_COLOR);
    expect(posName(99)).toBe('?');
  });
});

describe('scatterColors', () => {
  const labels: ScatterLabels = {
    pos: Uint8Array.from([POS_ID.NOUN, POS_ID.VERB, POS_ID.SPACE, POS_ID.PUNCT]),
    frequency: Float64Array.from([0, 9, 99, 999]),
    position: Uint16Array.from([0, 1, 2, 3]),
  };

  it('colours by tag through the batch rows, not the point index', () => {
    const c = scatterColors(Uint32Array.from([3, 0]), 'pos', labels);
    expect(c.mode).toBe('pos');
    expect(c.fellBack).toBe(false);
    expect(c.colors).toEqual([POS_COLORS[POS_ID.PUNCT], POS_COLORS[POS_ID.NOUN]]);
    expect(c.domain).toBeNull();
  });

  it('falls back to position when the data has no tags', () => {
    const c = scatterColors(Uint32Array.from([0, 3]), 'pos', { ...labels, pos: null });
    expect(c.mode).toBe('position');
    expect(c.fellBack).toBe(true);
    expect(c.domain).toEqual([0, 3]);
    expect(c.colors[0]).toBe(sequentialColor(0));
    expect(c.colors[1]).toBe(sequentialColor(1));
  });

  it('puts frequencies on a symlog scale: equal steps per decade above 1', () => {
    const c = scatterColors(Uint32Array.from([0, 1, 2, 3]), 'frequency', labels);
    expect(c.domain).toEqual([0, 999]);
    const u = (v: number) => Math.log1p(v) / Math.log1p(999); // d3.scaleSymlog with constant 1
    for (let i = 0; i < 4; i++) expect(c.colors[i]).toBe(sequentialColor(u(labels.frequency[i])));
  });

  it('marks rows beyond the label arrays instead of inventing a label', () => {
    const c = scatterColors(Uint32Array.from([1, 7]), 'pos', labels);
    expect(c.colors[1]).toBe(UNKNOWN_COLOR);
  });

  it('sequentialColor clamps and never reaches the lightest yellow', () => {
    expect(sequentialColor(-1)).toBe(sequentialColor(0));
    expect(sequentialColor(2)).toBe(sequentialColor(1));
    expect(sequentialColor(1)).toBe(d3.interpolateViridis(0.9));
  });
});

describe('robustSymmetricDomain', () => {
  it('is symmetric, set by the 99th percentile of |coordinate|, and ignores a few outliers', () => {
    const n = 1000;
    const points = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      points[3 * i] = ((i % 100) - 49.5) / 49.5; // x in [-1, 1]
      points[3 * i + 1] = 0.5 * (((i * 7) % 100) - 49.5) / 49.5; // y in [-0.5, 0.5]
      points[3 * i + 2] = 3;
    }
    points[0] = 1000; // two outliers
    points[4] = -500;
    const d = robustSymmetricDomain([{ points }], [0, 1], { pad: 1 });
    expect(d.x[0]).toBe(-d.x[1]);
    expect(d.y[0]).toBe(-d.y[1]);
    expect(d.x[1]).toBeGreaterThan(0.97);
    expect(d.x[1]).toBeLessThanOrEqual(1.0001);
    expect(d.y[1]).toBeGreaterThan(0.48);
    expect(d.y[1]).toBeLessThanOrEqual(0.5001);
    // the third axis when asked for, and the default padding
    const d13 = robustSymmetricDomain([{ points }], [0, 2]);
    expect(d13.y[1]).toBeCloseTo(3.3, 5);
  });

  it('covers several snapshots (both runs) with one domain', () => {
    const a = Float32Array.from([1, 1, 0, -1, -1, 0]);
    const b = Float32Array.from([4, 2, 0, -4, -2, 0]);
    const d = robustSymmetricDomain([{ points: a }, { points: b }], [0, 1], { quantile: 1, pad: 1 });
    expect(d).toEqual({ x: [-4, 4], y: [-2, 2] });
  });

  it('adds the per-snapshot offsets of the raw view, and can square the domain', () => {
    const a = Float32Array.from([1, 1, 0, -1, -1, 0]);
    const d = robustSymmetricDomain([{ points: a }], [0, 1], { quantile: 1, pad: 1, offsets: [[5, 0, 0]] });
    expect(d.x).toEqual([-6, 6]);
    expect(d.y).toEqual([-1, 1]);
    expect(robustSymmetricDomain([{ points: a }], [0, 1], { quantile: 1, pad: 1, offsets: [[5, 0, 0]], square: true }).y).toEqual([-6, 6]);
  });

  it('falls back to [-1, 1] with no finite or only zero coordinates', () => {
    expect(robustSymmetricDomain([], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
    expect(robustSymmetricDomain([{ points: new Float32Array(6) }], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
    expect(robustSymmetricDomain([{ points: Float32Array.from([NaN, NaN, NaN]) }], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
  });

  it('widenDomain grows and never shrinks', () => {
    const a = { x: [-2, 2] as [number, number], y: [-1, 1] as [number, number] };
    const b = { x: [-1, 1] as [number, number], y: [-3, 3] as [number, number] };
    expect(widenDomain(null, a)).toEqual(a);
    expect(widenDomain(a, b)).toEqual({ x: [-2, 2], y: [-3, 3] });
  });
});

describe('pointIndex', () => {
  it('finds the same nearest point as a brute-force search, within the radius only', () => {
    const r = rng(7);
    const n = 2000;
    const xs = Float32Array.from({ length: n }, () => r() * 500);
    const ys = Float32Array.from({ length: n }, () => r() * 400);
    xs[5] = Number.NaN; // left out, as the scatter does for points outside the view
    const index = pointIndex(xs, ys);
    for (let q = 0; q < 300; q++) {
      const x = r() * 520 - 10;
      const y = r() * 420 - 10;
      const radius = 12;
      let bestD = Infinity; // NaN distances (point 5) never win
      for (let i = 0; i < n; i++) {
        const d = Math.hypot(xs[i] - x, ys[i] - y);
        if (d < bestD) bestD = d;
      }
      const got = index.nearest(x, y, radius);
      if (bestD > radius) expect(got).toBe(-1);
      else expect(Math.hypot(xs[got] - x, ys[got] - y)).toBeCloseTo(bestD, 9); // same distance (ties may differ)
      expect(got).not.toBe(5);
    }
  });

  it('returns -1 for no points', () => {
    expect(pointIndex([], []).nearest(0, 0, 100)).toBe(-1);
  });
});

describe('token context', () => {
  const T = 8;
  const text = (row: number) => `<${row}>`;

  it('stays inside the token’s own sequence', () => {
    expect(contextRange(8, T, 3)).toEqual({ b: 1, t: 0, start: 8, end: 12 }); // first token of sequence 1
    expect(contextRange(15, T, 3)).toEqual({ b: 1, t: 7, start: 12, end: 16 }); // last token
    expect(contextRange(11, T, 2)).toEqual({ b: 1, t: 3, start: 9, end: 14 });
    expect(contextRange(3, T, 0)).toEqual({ b: 0, t: 3, start: 3, end: 4 });
  });

  it('joins the neighbours before and after, the token apart', () => {
    expect(tokenContext(11, T, 2, text)).toEqual({ before: '<9><10>', token: '<11>', after: '<12><13>' });
    expect(tokenContext(8, T, 2, text)).toEqual({ before: '', token: '<8>', after: '<9><10>' });
    expect(tokenContext(7, T, 2, text)).toEqual({ before: '<5><6>', token: '<7>', after: '' });
  });

  it('shows invisible characters', () => {
    expect(visibleText('a\nb\tc\r\n')).toBe('a⏎b⇥c⏎');
    expect(visibleText(' the')).toBe(' the');
    expect(visibleText(' the', true)).toBe('␣the');
    expect(visibleText('  ', true)).toBe('␣␣');
  });
});

describe('histogramMean', () => {
  it('is within half a bin of the exact mean', () => {
    const r = rng(3);
    const values = Array.from({ length: 5000 }, () => Math.tanh(2 * (r() - 0.3)));
    const h = histogram(values, 40);
    const exact = values.reduce((s, v) => s + v, 0) / values.length;
    const m = histogramMean(h)!;
    expect(Math.abs(m - exact)).toBeLessThanOrEqual(0.5 * (2 / 40));
  });

  it('weights bin centres by counts, and is null for an empty histogram', () => {
    const h = { edges: Float64Array.from([-1, 0, 1]), counts: Uint32Array.from([1, 3]) };
    expect(histogramMean(h)).toBeCloseTo((-0.5 + 3 * 0.5) / 4, 12);
    expect(histogramMean(histogram([], 10))).toBeNull();
  });
});

describe('probe chart helpers', () => {
  it('orders layers by depth with final last, across runs', () => {
    const a = [{ layer: 'final' as const }, { layer: 2 }, { layer: 0 }];
    const b = [{ layer: 1 }, { layer: 2 }];
    expect(orderLayers([a, b])).toEqual([0, 1, 2, 'final']);
    expect(orderLayers([])).toEqual([]);
  });

  it('names layers', () => {
    expect(layerLabel(0)).toBe('embed');
    expect(layerLabel(3)).toBe('block 3');
    expect(layerLabel('final')).toBe('final h');
  });

  it('finds a common chance level, or none', () => {
    expect(commonValue([0.18, 0.18, 0.18])).toBe(0.18);
    expect(commonValue([0.18, 0.19])).toBeNull();
    expect(commonValue([])).toBeNull();
    expect(commonValue([0.1, Number.NaN])).toBeNull();
  });
});
