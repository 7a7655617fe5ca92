import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from './attention.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

describe('ref attention', () => {
  it('forward: causal rows of probabilities, first position copies v', () => {
    const rng = new Rng(2, 'test');
    const [B, T, C, NH] = [2, 5, 8, 2];
    const hs = C / NH;
    const inp = randomArray(rng, B * T * 3 * C);
    const out = new Float64Array(B * T * C);
    const preatt = new Float64Array(B * NH * T * T).fill(7); // = semantics: garbage is overwritten
    const att = new Float64Array(B * NH * T * T).fill(7);
    attentionForward(out, preatt, att, inp, B, T, C, NH);
    for (let bh = 0; bh < B * NH; bh++) {
      for (let t = 0; t < T; t++) {
        const row = att.subarray((bh * T + t) * T, (bh * T + t + 1) * T);
        expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
        for (let s = t + 1; s < T; s++) {
          expect(row[s]).toBe(0);
          expect(preatt[(bh * T + t) * T + s]).toBe(0);
        }
      }
    }
    // b = 1, h = 1, t = 3, s = 2: preatt = q·k / sqrt(hs)
    let dot = 0;
    for (let i = 0; i < hs; i++) dot += inp[(1 * T + 3) * 3 * C + hs + i] * inp[(1 * T + 2) * 3 * C + C + hs + i];
    expect(preatt[((1 * NH + 1) * T + 3) * T + 2]).toBeCloseTo(dot / Math.sqrt(hs), 12);
    // t = 0 attends only to itself: out = v[0]
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) expect(out[b * T * C + c]).toBeCloseTo(inp[b * T * 3 * C + 2 * C + c], 12);
    }
  });

  it('backward matches finite differences (and overwrites)', () => {
    const rng = new Rng(1, 'test');
    const [B, T, C, NH] = [2, 5, 8, 2];
    const inp = randomArray(rng, B * T * 3 * C);
    const w = randomArray(rng, B * T * C); // loss = sum(w * out)
    const out = new Float64Array(B * T * C);
    const preatt = new Float64Array(B * NH * T * T);
    const att = new Float64Array(B * NH * T * T);
    const loss = () => {
      attentionForward(out, preatt, att, inp, B, T, C, NH);
      return out.reduce((s, o, i) => s + o * w[i], 0);
    };
    loss();
    const dinp = randomArray(rng, B * T * 3 * C); // garbage: the backward overwrites
    const dpreatt = randomArray(rng, B * NH * T * T);
    const datt = randomArray(rng, B * NH * T * T);
    attentionBackward(dinp, dpreatt, datt, w, inp, att, B, T, C, NH);
    expectClose(dinp, numericGradient(inp, loss), { atol: 1e-8, rtol: 1e-6 }, 'dinp');
    for (let r = 0; r < B * NH * T; r++) {
      const t = r % T;
      // softmax is shift-invariant, so each row of dpreatt sums to zero
      let sum = 0;
      for (let s = 0; s < T; s++) sum += dpreatt[r * T + s];
      expect(Math.abs(sum)).toBeLessThan(1e-12);
      for (let s = t + 1; s < T; s++) {
        expect(dpreatt[r * T + s]).toBe(0);
        expect(datt[r * T + s]).toBe(0);
      }
    }
  });
});
