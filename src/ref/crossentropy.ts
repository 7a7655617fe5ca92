// crossentropy.ts (reference): softmax cross-entropy per row and its gradient, float64 loops.
// Rows may be padded (llm.c's Vp): a row holds Vp >= V logits, of which only the first V are
// classes. The padded columns never count: the softmax runs over the V real classes, and their
// gradient is written as 0.

/**
 * losses[n] = -log softmax(logits[n, 0..V))[targets[n]] (=), with the row max subtracted.
 * @param losses (N)
 * @param logits (N, Vp): V classes, then Vp - V padded columns that are ignored
 * @param targets (N) in [0, V)
 * @param Vp row stride of logits, >= V (default V: no padding)
 */
export function crossentropyForward(losses: Float64Array, logits: Float64Array, targets: Int32Array, N: number, V: number, Vp = V): void {
  for (let n = 0; n < N; n++) losses[n] = logSumExp(logits, n * Vp, V) - logits[n * Vp + targets[n]];
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
 * losses as crossentropyForward (=); dlogits = (softmax(logits) - onehot(targets)) * dscale (=)
 * over the V classes, and 0 in the padded columns V..Vp-1.
 * dlogits may be the same array as logits (each row is read before it is overwritten).
 * @param losses (N)
 * @param dlogits (N, Vp)
 * @param logits (N, Vp)
 * @param targets (N) in [0, V)
 * @param Vp row stride of logits and dlogits, >= V (default V: no padding)
 */
export function crossentropyForwardBackward(
  losses: Float64Array, dlogits: Float64Array, logits: Float64Array, targets: Int32Array, N: number, V: number, dscale: number, Vp = V,
): void {
  crossentropyForward(losses, logits, targets, N, V, Vp);
  for (let n = 0; n < N; n++) {
    const o = n * Vp;
    const lse = logSumExp(logits, o, V); // computed before the row is overwritten (in place)
    for (let v = 0; v < V; v++) {
      const prob = Math.exp(logits[o + v] - lse);
      dlogits[o + v] = (prob - (v === targets[n] ? 1 : 0)) * dscale;
    }
    for (let v = V; v < Vp; v++) dlogits[o + v] = 0;
  }
}
