// batches.ts: training batches from a token stream, and the unigram baseline loss.
// A batch is (B, T+1) token ids: B windows of T+1 consecutive tokens at uniformly random offsets
// in [0, n - T - 1], drawn from the run's seeded "batches" stream (src/util/rng.ts), so an NTP
// and an NITP run with one seed see the same batches. inputs = window[0..T-1] and
// targets = window[1..T] give the T (input, next-token) pairs of each window.

import { Rng } from '../util/rng.ts';

function checkBT(B: number, T: number): void {
  if (!Number.isSafeInteger(B) || B < 1) throw new Error(`batch size B must be a positive integer, got ${B}`);
  if (!Number.isSafeInteger(T) || T < 1) throw new Error(`context length T must be a positive integer, got ${T}`);
}

export class BatchSampler {
  private readonly rng: Rng;
  private lastOffsets: Int32Array;

  /**
   * @param tokens (n) token ids, n >= T + 1
   * @param seed the run seed; @param stream the Rng stream name
   * @param tags (n) optional per-token labels (part of speech) aligned with `tokens`
   */
  constructor(
    readonly tokens: Int32Array,
    readonly B: number,
    readonly T: number,
    seed: number,
    stream = 'batches',
    readonly tags: Uint8Array | null = null,
  ) {
    checkBT(B, T);
    if (tokens.length < T + 1) {
      throw new Error(`BatchSampler: the text has ${tokens.length} tokens, fewer than the T + 1 = ${T + 1} one window needs`);
    }
    if (tags && tags.length !== tokens.length) throw new Error(`BatchSampler: ${tags.length} tags for ${tokens.length} tokens`);
    this.rng = new Rng(seed, stream);
    this.lastOffsets = new Int32Array(B);
  }

  /** The tags (B, T+1) of the windows of the last next() call, or null without tags. */
  lastTags(): Uint8Array | null {
    if (!this.tags) return null;
    const W = this.T + 1;
    const out = new Uint8Array(this.B * W);
    for (let b = 0; b < this.B; b++) out.set(this.tags.subarray(this.lastOffsets[b], this.lastOffsets[b] + W), b * W);
    return out;
  }

  /**
   * The next batch: B windows, offsets drawn in order b = 0..B-1.
   * @param out (B, T+1) written (=); default a fresh array
   * @returns out
   */
  next(out: Int32Array = new Int32Array(this.B * (this.T + 1))): Int32Array {
    const W = this.T + 1;
    if (out.length !== this.B * W) throw new Error(`BatchSampler.next: out has ${out.length} elements, expected B*(T+1) = ${this.B * W}`);
    const offsets = this.tokens.length - this.T; // number of valid offsets: 0..n-T-1
    for (let b = 0; b < this.B; b++) {
      const o = this.rng.int(offsets);
      this.lastOffsets[b] = o;
      out.set(this.tokens.subarray(o, o + W), b * W);
    }
    return out;
  }
}

/**
 * Splits (B, T+1) windows into next-token pairs.
 * @param tokens (B, T+1)
 * @param inputs (B, T) written (=): tokens[b, 0..T-1]
 * @param targets (B, T) written (=): tokens[b, 1..T]
 */
export function splitInputsTargets(
  tokens: Int32Array,
  B: number,
  T: number,
  inputs: Int32Array = new Int32Array(B * T),
  targets: Int32Array = new Int32Array(B * T),
): { inputs: Int32Array; targets: Int32Array } {
  checkBT(B, T);
  if (tokens.length !== B * (T + 1)) throw new Error(`splitInputsTargets: tokens has ${tokens.length} elements, expected B*(T+1) = ${B * (T + 1)}`);
  if (inputs.length !== B * T || targets.length !== B * T) {
    throw new Error(`splitInputsTargets: inputs/targets have ${inputs.length}/${targets.length} elements, expected B*T = ${B * T}`);
  }
  for (let b = 0; b < B; b++) {
    const w = b * (T + 1);
    inputs.set(tokens.subarray(w, w + T), b * T);
    targets.set(tokens.subarray(w + 1, w + T + 1), b * T);
  }
  return { inputs, targets };
}

/**
 * Entropy of the token frequencies, H = -sum_v p_v ln p_v (nats): the cross-entropy of the best
 * model that ignores context, so a loss below it shows the model uses context.
 * @param tokens (n) ids in [0, V)
 */
export function unigramEntropy(tokens: Int32Array, V: number): number {
  if (tokens.length === 0) throw new Error('unigramEntropy: no tokens');
  const counts = new Float64Array(V);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t < 0 || t >= V) throw new Error(`unigramEntropy: token ${t} at position ${i} is outside [0, ${V})`);
    counts[t]++;
  }
  let h = 0;
  for (let v = 0; v < V; v++) {
    if (counts[v] > 0) {
      const p = counts[v] / tokens.length;
      h -= p * Math.log(p);
    }
  }
  return h;
}
