// pcaColors.test.ts: part-of-speech colours (distinct in CIELAB) and the scatter's point colours.
import { describe, expect, it } from 'vitest';
import * as d3 from 'd3';
import { POS_COUNT, POS_ID, POS_TAGS } from '../../data/pos.ts';
import {
  POS_COLORS, UNKNOWN_COLOR, posColor, posName, scatterColors, sequentialColor, type ScatterLabels,
} from './pcaColors.ts';

/** CIELAB ΔE (CIE76) between two CSS colours. */
function deltaE(a: string, b: string): number {
  const p = d3.lab(a);
  const q = d3.lab(b);
  return Math.hypot(p.l - q.l, p.a - q.a, p.b - q.b);
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
