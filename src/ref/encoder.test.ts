import { describe, it } from 'vitest';
import { encoderBackward, encoderForward } from './encoder.ts';
import { Rng } from '../util/rng.ts';
import { randomArray, randomTokens } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

describe('ref encoder', () => {
  it('backward matches finite differences', () => {
    const rng = new Rng(1, 'test');
    const [B, T, C, V] = [2, 3, 5, 7];
    const inp = randomTokens(rng, B * T, V);
    const wte = randomArray(rng, V * C);
    const wpe = randomArray(rng, T * C);
    const w = randomArray(rng, B * T * C); // loss = sum(w * out)
    const out = new Float64Array(B * T * C);
    const loss = () => {
      encoderForward(out, inp, wte, wpe, B, T, C);
      return out.reduce((s, o, i) => s + o * w[i], 0);
    };
    const dwte = new Float64Array(V * C);
    const dwpe = new Float64Array(T * C);
    encoderBackward(dwte, dwpe, w, inp, B, T, C);
    expectClose(dwte, numericGradient(wte, loss), { atol: 1e-8, rtol: 1e-6 }, 'dwte');
    expectClose(dwpe, numericGradient(wpe, loss), { atol: 1e-8, rtol: 1e-6 }, 'dwpe');
  });
});
