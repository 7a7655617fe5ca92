import { describe, expect, it } from 'vitest';
import { layernormBackward, layernormForward } from './layernorm.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

describe('ref layernorm', () => {
  it('forward normalises each row to mean 0, variance 1 (before weight and bias)', () => {
    const rng = new Rng(3, 'test');
    const [N, C] = [4, 9];
    const inp = randomArray(rng, N * C, 3);
    const out = new Float64Array(N * C);
    const mean = new Float64Array(N);
    const rstd = new Float64Array(N);
    layernormForward(out, mean, rstd, inp, new Float64Array(C).fill(1), new Float64Array(C), N, C);
    for (let n = 0; n < N; n++) {
      const row = out.subarray(n * C, (n + 1) * C);
      const m = row.reduce((s, x) => s + x, 0) / C;
      const v = row.reduce((s, x) => s + (x - m) ** 2, 0) / C;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(v).toBeCloseTo(1 - 1e-5 * rstd[n] ** 2, 12); // var/(var + eps): eps shrinks it slightly
    }
  });

  it('backward matches finite differences (and accumulates)', () => {
    const rng = new Rng(1, 'test');
    const [N, C] = [3, 7];
    const inp = randomArray(rng, N * C, 2);
    const weight = randomArray(rng, C);
    const bias = randomArray(rng, C);
    const w = randomArray(rng, N * C); // loss = sum(w * out)
    const out = new Float64Array(N * C);
    const mean = new Float64Array(N);
    const rstd = new Float64Array(N);
    const loss = () => {
      layernormForward(out, mean, rstd, inp, weight, bias, N, C);
      return out.reduce((s, o, i) => s + o * w[i], 0);
    };
    loss();
    // start from non-zero values to check +=
    const dinp0 = randomArray(rng, N * C);
    const dweight0 = randomArray(rng, C);
    const dbias0 = randomArray(rng, C);
    const dinp = dinp0.slice();
    const dweight = dweight0.slice();
    const dbias = dbias0.slice();
    layernormBackward(dinp, dweight, dbias, w, inp, weight, mean, rstd, N, C);
    const tol = { atol: 1e-8, rtol: 1e-6 };
    expectClose(dinp.map((g, i) => g - dinp0[i]), numericGradient(inp, loss), tol, 'dinp');
    expectClose(dweight.map((g, i) => g - dweight0[i]), numericGradient(weight, loss), tol, 'dweight');
    expectClose(dbias.map((g, i) => g - dbias0[i]), numericGradient(bias, loss), tol, 'dbias');
  });
});
