// layout.test.ts: legend wrapping and tooltip placement in px.
import { describe, expect, it } from 'vitest';
import { legendLayout, placeTooltip } from './layout.ts';

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
