// fingerprint.ts: a short hash of a finished run's losses, carried by a shared link so that the
// person who opens it can see whether their re-run reproduced the shared one bit for bit. The
// engine is deterministic on a given adapter; another GPU may differ in the last bits of a float,
// and then the fingerprints differ although the curves look the same.
import type { StepMetrics } from '../train/protocol.ts';

export interface Fingerprint {
  /** the last step hashed (the run's final step) */
  step: number;
  /** 12 hex digits */
  hash: string;
}

/** Steps hashed: every FINGERPRINT_EVERY-th step up to the last, and the last one. */
export const FINGERPRINT_EVERY = 10;

/**
 * The fingerprint of the pair's training losses (the exact float32 bits of both runs' loss at
 * steps 10, 20, … and `step`), or null when a hashed step is missing from either history.
 */
export async function fingerprint(runs: readonly (readonly StepMetrics[])[], step: number): Promise<Fingerprint | null> {
  const steps: number[] = [];
  for (let s = FINGERPRINT_EVERY; s < step; s += FINGERPRINT_EVERY) steps.push(s);
  steps.push(step);
  const values = new Float32Array(steps.length * runs.length);
  let i = 0;
  for (const history of runs) {
    const byStep = new Map(history.map((m) => [m.step, m.loss]));
    for (const s of steps) {
      const loss = byStep.get(s);
      if (loss === undefined) return null;
      values[i++] = loss;
    }
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', values));
  const hash = Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
  return { step, hash };
}

/** "500.1a2b3c4d5e6f" → {step 500, hash}; null when malformed. */
export function parseFingerprint(text: string): Fingerprint | null {
  const m = /^(\d{1,9})\.([0-9a-f]{12})$/.exec(text);
  if (!m || Number(m[1]) < 1) return null;
  return { step: Number(m[1]), hash: m[2] };
}
