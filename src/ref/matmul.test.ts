import { describe, expect, it } from 'vitest';
import { matmul, matmulBackward, matmulBackwardBias, matmulForward } from './matmul.ts';
import { Rng } from '../util/rng.ts';
import { randomArray } from '../test/random.ts';
import { numericGradient } from '../test/finiteDifference.ts';
import { expectClose } from '../test/compare.ts';

const FD = { atol: 1e-8, rtol: 1e-6 };
const EXACT = { atol: 1e-12, rtol: 1e-12 };

function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

const dot = (x: Float64Array, w: Float64Array) => x.reduce((s, v, i) => s + v * w[i], 0);

describe('ref matmul', () => {
  it('backward matches finite differences (dinp, dweight, dbias all +=)', () => {
    const rng = new Rng(1, 'matmul');
    const [N, C, OC] = [3, 4, 5];
    const inp = randomArray(rng, N * C);
    const weight = randomArray(rng, OC * C);
    const bias = randomArray(rng, OC);
    const w = randomArray(rng, N * OC); // loss = sum(w * out)
    const out = new Float64Array(N * OC);
    const loss = () => {
      matmulForward(out, inp, weight, bias, N, C, OC);
      return dot(out, w);
    };
    const start = [randomArray(rng, N * C), randomArray(rng, OC * C), randomArray(rng, OC)];
    const [dinp, dweight, dbias] = start.map((s) => s.slice());
    matmulBackward(dinp, dweight, dbias, w, inp, weight, N, C, OC);
    const minus = (x: Float64Array, s: Float64Array) => x.map((v, i) => v - s[i]);
    expectClose(minus(dinp, start[0]), numericGradient(inp, loss), FD, 'dinp');
    expectClose(minus(dweight, start[1]), numericGradient(weight, loss), FD, 'dweight');
    expectClose(minus(dbias, start[2]), numericGradient(bias, loss), FD, 'dbias');
    const dbias2 = start[2].slice();
    matmulBackwardBias(dbias2, w, N, OC);
    expectClose(dbias2, dbias, EXACT, 'matmulBackwardBias');
  });

  it('general matmul: transpositions, bias, addend and accumulate agree with matmulForward', () => {
    const rng = new Rng(2, 'matmul');
    const [M, N, K] = [3, 5, 4];
    const A = randomArray(rng, M * K); // (M, K)
    const Bt = randomArray(rng, N * K); // (N, K) = Bᵀ
    const bias = randomArray(rng, N);
    const addend = randomArray(rng, M * N);
    const expected = new Float64Array(M * N);
    matmulForward(expected, A, Bt, bias, M, K, N);
    for (let i = 0; i < M * N; i++) expected[i] += addend[i];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = transA ? transpose(A, M, K) : A;
        const b = transB ? Bt : transpose(Bt, N, K);
        const out = randomArray(rng, M * N);
        matmul({ out, a, b, M, N, K, transA, transB, bias, addend });
        expectClose(out, expected, EXACT, `transA=${transA} transB=${transB}`);
        const before = out.slice();
        matmul({ out, a, b, M, N, K, transA, transB, bias, addend, accumulate: true });
        expectClose(out, before.map((v, i) => v + expected[i]), EXACT, 'accumulate');
      }
    }
  });

  it('gelu epilogue and geluBackward match finite differences', () => {
    // pre = x·W1ᵀ + b1 (gelu epilogue: post = gelu(pre)); y = post·W2ᵀ; loss = sum(w * y)
    const rng = new Rng(3, 'matmul');
    const [N, C, H] = [3, 4, 6];
    const x = randomArray(rng, N * C);
    const W1 = randomArray(rng, H * C);
    const b1 = randomArray(rng, H);
    const W2 = randomArray(rng, C * H);
    const w = randomArray(rng, N * C);
    const pre = new Float64Array(N * H);
    const post = new Float64Array(N * H);
    const y = new Float64Array(N * C);
    const loss = () => {
      matmul({ out: pre, a: x, b: W1, M: N, N: H, K: C, transA: false, transB: true, bias: b1, epilogue: { kind: 'gelu', post } });
      matmulForward(y, post, W2, null, N, H, C);
      return dot(y, w);
    };
    loss();
    // dpre = (w·W2) * geluGrad(pre); dx = dpre·W1
    const dpre = new Float64Array(N * H);
    matmul({ out: dpre, a: w, b: W2, M: N, N: H, K: C, transA: false, transB: false, epilogue: { kind: 'geluBackward', pre } });
    const dx = new Float64Array(N * C);
    matmul({ out: dx, a: dpre, b: W1, M: N, N: C, K: H, transA: false, transB: false });
    expectClose(dx, numericGradient(x, loss), FD, 'dx');
    const db1 = new Float64Array(H);
    matmulBackwardBias(db1, dpre, N, H);
    expectClose(db1, numericGradient(b1, loss), FD, 'db1');
  });

  it('swiglu epilogue and swigluBackward match finite differences', () => {
    // up = x·W2ᵀ (swiglu epilogue: post = silu(gate) * up); y = post·W3ᵀ; loss = sum(w * y)
    const rng = new Rng(4, 'matmul');
    const [N, C, H] = [3, 4, 6];
    const x = randomArray(rng, N * C);
    const gate = randomArray(rng, N * H);
    const W2 = randomArray(rng, H * C);
    const W3 = randomArray(rng, C * H);
    const w = randomArray(rng, N * C);
    const up = new Float64Array(N * H);
    const post = new Float64Array(N * H);
    const y = new Float64Array(N * C);
    const loss = () => {
      matmul({ out: up, a: x, b: W2, M: N, N: H, K: C, transA: false, transB: true, epilogue: { kind: 'swiglu', gate, post } });
      matmulForward(y, post, W3, null, N, H, C);
      return dot(y, w);
    };
    loss();
    const dGate = new Float64Array(N * H);
    const dUp = new Float64Array(N * H);
    matmul({ out: dGate, a: w, b: W3, M: N, N: H, K: C, transA: false, transB: false, epilogue: { kind: 'swigluBackward', gate, up, dUp } });
    expectClose(dGate, numericGradient(gate, loss), FD, 'dGate');
    const dx = new Float64Array(N * C);
    matmul({ out: dx, a: dUp, b: W2, M: N, N: C, K: H, transA: false, transB: false });
    expectClose(dx, numericGradient(x, loss), FD, 'dx via dUp');
    expect(dUp.some((v) => v !== 0)).toBe(true);
  });
});
