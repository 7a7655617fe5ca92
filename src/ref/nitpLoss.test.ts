import { describe, expect, it } from 'vitest';
import { nitpLossForwardBackward, nitpPairsPerSequence } from './nitpLoss.ts';
import type { NitpLossKind, NitpShift } from '../model/config.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

const SHIFTS: NitpShift[] = ['next', 'current'];
const KINDS: NitpLossKind[] = ['cosine', 'mse', 'smoothl1'];

describe('ref nitpLoss', () => {
  for (const shift of SHIFTS) {
    for (const kind of KINDS) {
      it(`backward matches finite differences, shift=${shift} kind=${kind}`, () => {
        const rng = new Rng(KINDS.indexOf(kind) * 2 + SHIFTS.indexOf(shift), 'nitp-ref');
        const [B, T, C, dscale] = [2, 4, 3, 0.6];
        const NP = nitpPairsPerSequence(T, shift);
        const p = randomArray(rng, B * T * C, 1.2); // scale 1.2: smoothl1 sees |e| on both sides of 1
        const z = randomArray(rng, B * T * C, 1.2);
        const losses = new Float64Array(B * NP);
        const loss = () => {
          nitpLossForwardBackward(losses, new Float64Array(B * T * C), null, p, z, B, T, C, shift, kind, dscale);
          return dscale * losses.reduce((s, l) => s + l, 0);
        };
        const dp = randomArray(rng, B * T * C); // '=': must be overwritten, zero rows included
        const dz = randomArray(rng, B * T * C);
        nitpLossForwardBackward(losses, dp, dz, p, z, B, T, C, shift, kind, dscale);
        const tol = { atol: 1e-8, rtol: 1e-6 };
        expectClose(dp, numericGradient(p, loss), tol, 'dp');
        expectClose(dz, numericGradient(z, loss), tol, 'dz');

        // += when accumulateDp, and dz omitted
        const dp0 = randomArray(rng, B * T * C);
        const acc = dp0.slice();
        nitpLossForwardBackward(losses, acc, undefined, p, z, B, T, C, shift, kind, dscale, true);
        expectClose(acc.map((v, i) => v - dp0[i]), dp, tol, 'dp accumulated');
      });
    }
  }

  it('gives the stated losses on hand-made pairs', () => {
    // one sequence, T = 2, C = 2, "current": pairs (p0, z0) and (p1, z1)
    const p = new Float64Array([1, 0, 3, 4]);
    const z = new Float64Array([2, 0, 0, 1.5]);
    const losses = new Float64Array(2);
    const dp = new Float64Array(4);
    nitpLossForwardBackward(losses, dp, null, p, z, 1, 2, 2, 'current', 'cosine', 1);
    expect(losses[0]).toBeCloseTo(0, 14);
    expect(losses[1]).toBeCloseTo(1 - 4 / 5, 14);
    nitpLossForwardBackward(losses, dp, null, p, z, 1, 2, 2, 'current', 'mse', 1);
    expect(Array.from(losses)).toEqual([0.5, (9 + 6.25) / 2]);
    nitpLossForwardBackward(losses, dp, null, p, z, 1, 2, 2, 'current', 'smoothl1', 1);
    expect(Array.from(losses)).toEqual([0.25, (2.5 + 2) / 2]);
    // "next" pairs p0 with z1: (1,0)·(0,1.5) = 0
    const one = new Float64Array(1);
    nitpLossForwardBackward(one, dp, null, p, z, 1, 2, 2, 'next', 'cosine', 1);
    expect(one[0]).toBeCloseTo(1, 14);
  });
});
