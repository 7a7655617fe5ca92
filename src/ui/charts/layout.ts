// layout.ts: where legend entries and tooltip boxes go inside a chart, computed without a DOM so
// the charts render in one pass and the rules are testable.

/** Where one legend entry goes: its left edge, its row (0 = top) and its estimated width. */
export interface LegendSlot {
  x: number;
  row: number;
  width: number;
}

/** Width a chart's legend leaves free: the left margin and, at the right, the SVG/PNG export buttons. */
export const LEGEND_RESERVE = 140;

/**
 * Lay legend entries out left to right, wrapping to a new row when the next one would pass
 * `maxWidth`. Text width is estimated (no DOM to measure): `charWidth` px per character.
 * @param labels (n) entry texts
 * @param maxWidth room available in px
 * @param swatch px for the colour mark before each text
 * @param gap px between entries
 * @param charWidth estimated px per character (6.2 fits the 11px system-ui legend text)
 * @returns (n) slots and the number of rows used (0 for no labels)
 */
export function legendLayout(labels: readonly string[], maxWidth: number, swatch = 24, gap = 14, charWidth = 6.2): { slots: LegendSlot[]; rows: number } {
  const slots: LegendSlot[] = [];
  let x = 0;
  let row = 0;
  for (const label of labels) {
    const width = swatch + label.length * charWidth;
    if (x > 0 && x + width > maxWidth) {
      row += 1;
      x = 0;
    }
    slots.push({ x, row, width });
    x += width + gap;
  }
  return { slots, rows: labels.length === 0 ? 0 : row + 1 };
}

/**
 * Left edge of a tooltip box beside a vertical anchor line: to the right of it when the box fits
 * before `maxX`, otherwise to the left; never left of `minX`.
 * @param anchorX x of the anchor (e.g. the cursor rule)
 * @param boxWidth width of the box
 * @param minX leftmost allowed left edge
 * @param maxX rightmost allowed right edge
 * @param offset gap between anchor and box
 */
export function placeTooltip(anchorX: number, boxWidth: number, minX: number, maxX: number, offset = 8): number {
  const right = anchorX + offset;
  if (right + boxWidth <= maxX) return right;
  return Math.max(minX, anchorX - offset - boxWidth);
}
