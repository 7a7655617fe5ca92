import { describe, expect, it } from 'vitest';
import { cosineRegularizerForwardBackward } from './cosineRegularizer.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

describe('ref cosineRegularizer', () => {
  it('backward matches finite differences (dh accumulates)', () => {
    const rng = new Rng(3, 'cosreg-ref');
    const [B, T, C, dscale] = [2, 4, 3, 0.8];
    const h = randomArray(rng, B * T * C);
    const losses = new Float64Array(B);
    const loss = () => {
      cosineRegularizerForwardBackward(losses, new Float64Array(B * T * C), h, B, T, C, dscale);
      return dscale * losses.reduce((s, l) => s + l, 0);
    };
    const dh0 = randomArray(rng, B * T * C);
    const dh = dh0.slice();
    cosineRegularizerForwardBackward(losses, dh, h, B, T, C, dscale);
    expectClose(dh.map((v, i) => v - dh0[i]), numericGradient(h, loss), { atol: 1e-8, rtol: 1e-6 }, 'dh');
  });

  it('is the mean pairwise cosine; T = 1 gives 0 and no gradient', () => {
    // sequence 0: parallel vectors (cos 1); sequence 1: opposite (cos -1)
    const h = new Float64Array([1, 2, 3, 6, 1, 0, -2, 0]);
    const losses = new Float64Array(2);
    const dh = new Float64Array(8);
    cosineRegularizerForwardBackward(losses, dh, h, 2, 2, 2, 1);
    expect(losses[0]).toBeCloseTo(1, 14);
    expect(losses[1]).toBeCloseTo(-1, 14);

    const one = new Float64Array([5]);
    const dh1 = new Float64Array([0.25, -0.5, 1, 2]);
    cosineRegularizerForwardBackward(one, dh1, new Float64Array([1, 2, 3, 4]), 1, 1, 4, 1);
    expect(one[0]).toBe(0);
    expect(Array.from(dh1)).toEqual([0.25, -0.5, 1, 2]);
  });
});
