// ticks.ts: tick values for log axes (decades, else 1-2-5 multiples, else linear ticks, so a
// few readable labels whatever the span) and the short number labels of axes and tooltips.
// Linear axes use d3's ticks directly.

import { format, ticks } from 'd3';

/**
 * Tick values for a log10 axis over [lo, hi] (both > 0):
 * - the powers of ten inside, when there are at least three (thinned to every k-th decade so at
 *   most `maxTicks` remain);
 * - otherwise the 1-2-5 multiples of powers of ten inside, when there are three to `maxTicks`;
 * - otherwise (a domain under about one decade) round linear ticks from d3's ticks, which a log
 *   axis shows just as well.
 * @param lo domain start (> 0)
 * @param hi domain end (> 0)
 * @param maxTicks most ticks wanted (>= 3)
 * @returns ascending tick values, all inside [lo, hi]; [] for an invalid domain
 */
export function logTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  if (a === b) return [a];
  // a relative tolerance, so 1e-3 computed as 10^-3 still counts as inside [1e-3, ...]
  const inside = (v: number) => v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9);
  const k0 = Math.floor(Math.log10(a));
  const k1 = Math.ceil(Math.log10(b));
  const powers: number[] = [];
  for (let k = k0; k <= k1; k++) {
    const v = Number(Math.pow(10, k).toPrecision(12));
    if (inside(v)) powers.push(v);
  }
  if (powers.length >= 3) {
    const stride = Math.ceil(powers.length / Math.max(maxTicks, 1));
    return powers.filter((_, i) => i % stride === 0);
  }
  const mult: number[] = [];
  for (let k = k0; k <= k1; k++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, k)).toPrecision(12));
      if (inside(v)) mult.push(v);
    }
  }
  if (mult.length >= 3 && mult.length <= maxTicks) return mult;
  if (mult.length > maxTicks) return powers;
  return ticks(a, b, Math.min(4, maxTicks)).filter((v) => v > 0);
}

const formatSignificant = format('.3~g');
const formatInteger = format('d');
const formatExponent = format('.1~e');

/**
 * A short label for a number on an axis or in a tooltip: up to 3 significant digits, whole numbers
 * from 100, exponent notation below 1e-3 or from 1e5 (so labels stay a few characters wide).
 * Negative values carry d3's typographic minus sign (U+2212).
 * @param v the value
 */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return formatExponent(v).replace('e+', 'e');
  if (a >= 100) return formatInteger(v);
  return formatSignificant(v);
}
