// histogram.ts: the mean of a binned distribution (the alignment histogram's dashed rule), from
// the bins alone, since the chart receives counts and not the values.

/**
 * The mean of a histogram's values estimated from bin centres: Σ centre_b · count_b / Σ count_b.
 * Within half a bin width of the true mean of the values that fell in the bins.
 * @param h edges (bins + 1), counts (bins)
 * @returns the mean, or null when every bin is empty
 */
export function histogramMean(h: { edges: ArrayLike<number>; counts: ArrayLike<number> }): number | null {
  let total = 0;
  let sum = 0;
  for (let b = 0; b < h.counts.length; b++) {
    total += h.counts[b];
    sum += h.counts[b] * 0.5 * (h.edges[b] + h.edges[b + 1]);
  }
  return total > 0 ? sum / total : null;
}
