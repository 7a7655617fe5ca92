// crossentropy.ts (reference): softmax cross-entropy per row and its gradient, float64 loops.

/**
 * losses[n] = -log softmax(logits[n])[targets[n]] (=), with the row max subtracted.
 * @param losses (N)
 * @param logits (N, V)
 * @param targets (N) in [0, V)
 */
export function crossentropyForward(losses: Float64Array, logits: Float64Array, targets: Int32Array, N: number, V: number): void {
  for (let n = 0; n < N; n++) losses[n] = logSumExp(logits, n * V, V) - logits[n * V + targets[n]];
}

/** log Σ exp(x[o..o+V)), with the max subtracted for stability. */
function logSumExp(x: Float64Array, o: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, x[o + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(x[o + v] - max);
  return Math.log(sum) + max;
}

/**
 * losses as crossentropyForward (=); dlogits = (softmax(logits) - onehot(targets)) * dscale (=).
 * dlogits may be the same array as logits (each row is read before it is overwritten).
 * @param losses (N)
 * @param dlogits (N, V)
 * @param logits (N, V)
 * @param targets (N) in [0, V)
 */
export function crossentropyForwardBackward(
  losses: Float64Array, dlogits: Float64Array, logits: Float64Array, targets: Int32Array, N: number, V: number, dscale: number,
): void {
  crossentropyForward(losses, logits, targets, N, V);
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const lse = logSumExp(logits, o, V); // computed before the row is overwritten (in place)
    for (let v = 0; v < V; v++) {
      const prob = Math.exp(logits[o + v] - lse);
      dlogits[o + v] = (prob - (v === targets[n] ? 1 : 0)) * dscale;
    }
  }
}
