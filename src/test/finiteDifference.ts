// finiteDifference.ts: central differences of a scalar function of one array, for checking
// reference backward passes in float64.

/** dL/dx[i] ≈ (L(x + h e_i) - L(x - h e_i)) / 2h for every i (x is restored afterwards). */
export function numericGradient(x: Float64Array, loss: () => number, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const plus = loss();
    x[i] = saved - h;
    const minus = loss();
    x[i] = saved;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}
