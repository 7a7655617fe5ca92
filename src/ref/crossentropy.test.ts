import { describe, expect, it } from 'vitest';
import { crossentropyForward, crossentropyForwardBackward } from './crossentropy.ts';
import { Rng } from '../util/rng.ts';
import { randomArray, randomTokens } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

describe('ref crossentropy', () => {
  it('backward matches finite differences', () => {
    const rng = new Rng(1, 'test');
    const [N, V, dscale] = [3, 7, 0.7];
    const logits = randomArray(rng, N * V, 2);
    const targets = randomTokens(rng, N, V);
    const losses = new Float64Array(N);
    const loss = () => {
      crossentropyForward(losses, logits, targets, N, V);
      return dscale * losses.reduce((s, l) => s + l, 0);
    };
    const dlogits = new Float64Array(N * V);
    crossentropyForwardBackward(losses, dlogits, logits, targets, N, V, dscale);
    expectClose(dlogits, numericGradient(logits, loss), { atol: 1e-8, rtol: 1e-6 }, 'dlogits');
  });

  it('is -log of the target probability, stable for large logits, and works in place', () => {
    const V = 5;
    const logits = new Float64Array([0, 0, 0, 0, 0, 1000, 1001, 999, 1000, 1000]);
    const targets = new Int32Array([2, 1]);
    const losses = new Float64Array(2);
    crossentropyForward(losses, logits, targets, 2, V);
    expect(losses[0]).toBeCloseTo(Math.log(V), 12);
    const e = [0, 1, -1, 0, 0].map(Math.exp);
    expect(losses[1]).toBeCloseTo(-Math.log(e[1] / e.reduce((s, x) => s + x)), 12);

    const separate = new Float64Array(logits.length);
    const lossesB = new Float64Array(2);
    crossentropyForwardBackward(lossesB, separate, logits, targets, 2, V, 0.5);
    const inPlace = logits.slice();
    crossentropyForwardBackward(lossesB, inPlace, inPlace, targets, 2, V, 0.5);
    expect(Array.from(inPlace)).toEqual(Array.from(separate));
    expect(Array.from(lossesB)).toEqual(Array.from(losses));
    expect(separate[2]).toBeCloseTo(0.5 * (1 / V - 1), 12);
  });
});

describe('ref crossentropy on padded rows (Vp > V)', () => {
  it('ignores the padded columns and writes their gradient as 0', () => {
    const rng = new Rng(2, 'padded');
    const [N, V, Vp, dscale] = [4, 5, 8, 0.3];
    const logits = randomArray(rng, N * V, 2);
    const targets = randomTokens(rng, N, V);
    // the same rows with three columns of large logits after each: counted, they would dominate
    const padded = new Float64Array(N * Vp);
    for (let n = 0; n < N; n++) {
      padded.set(logits.subarray(n * V, (n + 1) * V), n * Vp);
      for (let v = V; v < Vp; v++) padded[n * Vp + v] = 40 + v;
    }
    const [losses, lossesP] = [new Float64Array(N), new Float64Array(N)];
    const dlogits = new Float64Array(N * V);
    const dlogitsP = new Float64Array(N * Vp).fill(7); // '=': start from garbage
    crossentropyForwardBackward(losses, dlogits, logits, targets, N, V, dscale);
    crossentropyForwardBackward(lossesP, dlogitsP, padded, targets, N, V, dscale, Vp);
    expect(Array.from(lossesP)).toEqual(Array.from(losses));
    for (let n = 0; n < N; n++) {
      expect(Array.from(dlogitsP.subarray(n * Vp, n * Vp + V))).toEqual(Array.from(dlogits.subarray(n * V, (n + 1) * V)));
      expect(Array.from(dlogitsP.subarray(n * Vp + V, (n + 1) * Vp))).toEqual([0, 0, 0]);
    }
    const forward = new Float64Array(N);
    crossentropyForward(forward, padded, targets, N, V, Vp);
    expect(Array.from(forward)).toEqual(Array.from(losses));
  });
});
