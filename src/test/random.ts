// random.ts: seeded random inputs for tests.
import { Rng } from '../util/rng.ts';

export function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  return rng.fillNormal(new Float64Array(n), scale);
}

/** Rounds to float32 so CPU reference and GPU see the same inputs. */
export function toF32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

export function toF64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}

export function randomTokens(rng: Rng, n: number, vocab: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(vocab);
  return out;
}
