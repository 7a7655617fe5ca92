import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import {
  ExampleDataset,
  MarkovChain,
  MarkovDataset,
  SYMBOL_POOL,
  SYNTHETIC_DEFAULTS,
  stationaryGTH,
  syntheticDataset,
  validateSyntheticTask,
  type SyntheticTaskConfig,
} from './synthetic.ts';

/** p(window[t+1] | window[0..t]) under a task's generating process, written from its definition. */
type TargetProb = (w: Int32Array, t: number) => number;

function markovTargetProb(d: MarkovDataset): TargetProb {
  const { order: k, symbols: S, transitions, stationary } = d.chain;
  // stationary m-gram marginals of the first m symbols, m = 1..k
  const marginals = [new Float64Array([1])];
  for (let m = 1; m <= k; m++) {
    const p = new Float64Array(S ** m);
    for (let s = 0; s < S ** k; s++) p[Math.floor(s / S ** (k - m))] += stationary[s];
    marginals.push(p);
  }
  const index = (w: Int32Array, from: number, len: number) => {
    let s = 0;
    for (let i = from; i < from + len; i++) s = s * S + w[i];
    return s;
  };
  return (w, t) => {
    if (t + 1 >= k) return transitions[index(w, t + 1 - k, k) * S + w[t + 1]];
    return marginals[t + 2][index(w, 0, t + 2)] / marginals[t + 1][index(w, 0, t + 1)];
  };
}

/** Independent of the implementation: the format spelled out token by token. */
function exampleTargetProb(d: ExampleDataset, task: SyntheticTaskConfig): TargetProb {
  const id = (ch: string) => d.tokenizer.encode(ch)[0];
  if (task.kind === 'modadd') {
    const p = task.modulus;
    const value = (tok: number) => SYMBOL_POOL.indexOf(d.tokenizer.decode([tok])); // residue, or -1 for a separator
    return (w, t) => {
      const i = t + 1;
      const tok = w[i];
      const v = value(tok);
      switch (i % 6) {
        case 0:
        case 2:
          return v >= 0 && v < p ? 1 / p : 0;
        case 1:
          return tok === id('+') ? 1 : 0;
        case 3:
          return tok === id('=') ? 1 : 0;
        case 4:
          return v === (value(w[i - 4]) + value(w[i - 2])) % p ? 1 : 0;
        default:
          return tok === id(';') ? 1 : 0;
      }
    };
  }
  if (task.kind !== 'copy' && task.kind !== 'reverse') throw new Error('not an example task');
  const { length: m, symbols: S } = task;
  const symbols = new Set(Array.from(d.tokenizer.encode(SYMBOL_POOL.slice(0, S).join(''))));
  const L = 2 * m + 2;
  return (w, t) => {
    const i = t + 1;
    const j = i % L;
    const start = i - j;
    if (j < m) return symbols.has(w[i]) ? 1 / S : 0;
    if (j === m) return w[i] === id('|') ? 1 : 0;
    if (j === L - 1) return w[i] === id(';') ? 1 : 0;
    const r = j - m - 1; // index into the output string
    const src = task.kind === 'copy' ? start + r : start + m - 1 - r;
    return w[i] === w[src] ? 1 : 0;
  };
}

/** Mean of -log p over all predicted positions, and its standard error from per-window means. */
function monteCarloLoss(d: MarkovDataset | ExampleDataset, prob: TargetProb, T: number, windows: number): { mean: number; se: number } {
  const B = 100;
  const src = d.batches('train', B, T, 11, 'mc');
  const perWindow: number[] = [];
  while (perWindow.length < windows) {
    const { tokens } = src.next();
    for (let b = 0; b < B; b++) {
      const w = tokens.subarray(b * (T + 1), (b + 1) * (T + 1));
      let s = 0;
      for (let t = 0; t < T; t++) s -= Math.log(prob(w, t));
      perWindow.push(s / T);
    }
  }
  const n = perWindow.length;
  const mean = perWindow.reduce((a, b) => a + b, 0) / n;
  const variance = perWindow.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

describe('validateSyntheticTask', () => {
  it('fills missing fields with the defaults and keeps given ones', () => {
    expect(validateSyntheticTask({ kind: 'markov' })).toEqual(SYNTHETIC_DEFAULTS.markov);
    expect(validateSyntheticTask({ kind: 'copy', length: 3 })).toEqual({ kind: 'copy', length: 3, symbols: 16 });
    expect(validateSyntheticTask({ kind: 'modadd', modulus: 113 })).toEqual({ kind: 'modadd', modulus: 113 });
    for (const task of Object.values(SYNTHETIC_DEFAULTS)) expect(validateSyntheticTask({ ...task })).toEqual(task);
  });

  it('names the bad field and its allowed range', () => {
    expect(() => validateSyntheticTask(null)).toThrow('synthetic task: expected an object with a "kind" field, got null');
    expect(() => validateSyntheticTask({ kind: 'sort' })).toThrow('"kind" must be one of "markov", "copy", "reverse", "modadd", got "sort"');
    expect(() => validateSyntheticTask({})).toThrow('"kind" must be one of');
    expect(() => validateSyntheticTask({ kind: 'markov', ordr: 2 })).toThrow('synthetic task "markov": unknown field "ordr" (fields: order, symbols, alpha)');
    expect(() => validateSyntheticTask({ kind: 'markov', order: 4 })).toThrow('synthetic task "markov": "order" must be an integer in [1, 3], got 4');
    expect(() => validateSyntheticTask({ kind: 'markov', order: 1.5 })).toThrow('"order" must be an integer in [1, 3], got 1.5');
    expect(() => validateSyntheticTask({ kind: 'markov', symbols: 1 })).toThrow('"symbols" must be an integer in [2, 64], got 1');
    expect(() => validateSyntheticTask({ kind: 'markov', alpha: '0.5' })).toThrow('"alpha" must be a number in [0.1, 100], got "0.5"');
    expect(() => validateSyntheticTask({ kind: 'markov', alpha: NaN })).toThrow('"alpha" must be a number in [0.1, 100], got null');
    expect(() => validateSyntheticTask({ kind: 'copy', length: 0 })).toThrow('synthetic task "copy": "length" must be an integer in [1, 256], got 0');
    expect(() => validateSyntheticTask({ kind: 'reverse', symbols: 65 })).toThrow('synthetic task "reverse": "symbols" must be an integer in [2, 64], got 65');
    expect(() => validateSyntheticTask({ kind: 'modadd', modulus: 129 })).toThrow('synthetic task "modadd": "modulus" must be an integer in [2, 128], got 129');
    expect(() => validateSyntheticTask({ kind: 'markov', order: 3, symbols: 11 })).toThrow(
      '"symbols"^"order" = 11^3 = 1331 contexts, more than 1024; order 3 allows "symbols" up to 10',
    );
    expect(validateSyntheticTask({ kind: 'markov', order: 3, symbols: 10 })).toMatchObject({ order: 3, symbols: 10 });
    expect(validateSyntheticTask({ kind: 'markov', order: 2, symbols: 32 })).toMatchObject({ order: 2, symbols: 32 });
    expect(() => syntheticDataset({ kind: 'markov', order: 2, symbols: 33, alpha: 1 }, 1)).toThrow('order 2 allows "symbols" up to 32');
  });
});

describe('MarkovChain', () => {
  it('GTH solves a nearly deterministic two-state chain to full relative precision', () => {
    const [a, b] = [1e-12, 3e-13]; // pi = (b, a) / (a + b)
    const pi = stationaryGTH(Float64Array.from([1 - a, a, b, 1 - b]), 2);
    expect(pi[0]).toBeCloseTo(b / (a + b), 15);
    expect(Math.abs(pi[1] / (a / (a + b)) - 1)).toBeLessThan(1e-14);
  });

  it('GTH handles a periodic chain and refuses a reducible one', () => {
    const cycle = Float64Array.from([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(stationaryGTH(cycle, 3))).toEqual([1 / 3, 1 / 3, 1 / 3].map((x) => expect.closeTo(x, 15)));
    const absorbing = Float64Array.from([1, 0, 0.5, 0.5]); // state 0 never leaves
    expect(() => stationaryGTH(absorbing.slice(), 2)).not.toThrow(); // unique pi = (1, 0): state 1 is transient
    expect(() => stationaryGTH(Float64Array.from([0.5, 0.5, 0, 1]), 2)).toThrow('state 1 cannot reach states 0..0: the chain is not irreducible');
  });

  it('a uniform chain has entropy rate log S at every order, from the first position', () => {
    for (const [k, S] of [[1, 2], [1, 7], [2, 5], [3, 3]]) {
      const chain = new MarkovChain(k, S, new Float64Array(S ** (k + 1)).fill(1 / S));
      expect(chain.entropyRate).toBeCloseTo(Math.log(S), 14);
      for (const p of chain.stationary) expect(p).toBeCloseTo(1 / S ** k, 15);
      for (let c = 0; c <= k + 1; c++) expect(chain.conditionalEntropy(c)).toBeCloseTo(Math.log(S), 13);
    }
  });

  it('rejects rows that are not distributions', () => {
    expect(() => new MarkovChain(1, 2, Float64Array.from([0.5, 0.5, 0.7, 0.2]))).toThrow('row 1 of transitions sums to');
    expect(() => new MarkovChain(1, 2, Float64Array.from([1.5, -0.5, 0.5, 0.5]))).toThrow('transition (0, 1) is -0.5, not a probability');
    expect(() => new MarkovChain(2, 2, new Float64Array(4).fill(0.5))).toThrow('expected S^(k+1) = 8');
  });

  it('the Dirichlet chain is stationary: pi A = pi, every transition > 0, and h = H_{k+1} - H_k', () => {
    for (const task of [SYNTHETIC_DEFAULTS.markov, { kind: 'markov', order: 3, symbols: 10, alpha: 0.1 }, { kind: 'markov', order: 1, symbols: 64, alpha: 100 }] as const) {
      const d = syntheticDataset(task, 5) as MarkovDataset;
      const { order: k, symbols: S, transitions, stationary: pi, contexts: n } = d.chain;
      expect(n).toBe(S ** k);
      expect(Math.min(...transitions)).toBeGreaterThan(0);
      expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      const next = new Float64Array(n);
      for (let s = 0; s < n; s++) for (let y = 0; y < S; y++) next[(s % (n / S)) * S + y] += pi[s] * transitions[s * S + y];
      let residual = 0;
      for (let s = 0; s < n; s++) residual += Math.abs(next[s] - pi[s]);
      expect(residual).toBeLessThan(1e-14);
      // H_{k+1}: entropy of the stationary (k+1)-gram distribution pi(s) P(y | s)
      let hk = 0;
      let hk1 = 0;
      for (let s = 0; s < n; s++) {
        hk -= pi[s] * Math.log(pi[s]);
        for (let y = 0; y < S; y++) {
          const q = pi[s] * transitions[s * S + y];
          if (q > 0) hk1 -= q * Math.log(q);
        }
      }
      expect(d.entropyRate).toBeCloseTo(hk1 - hk, 12);
      expect(d.entropyRate).toBeGreaterThan(0);
      expect(d.entropyRate).toBeLessThan(Math.log(S));
    }
  });
});

describe('synthetic loss floors', () => {
  const markov3 = { kind: 'markov', order: 3, symbols: 4, alpha: 0.5 } as const;
  const cases: [SyntheticTaskConfig, number[]][] = [
    [markov3, [1, 2, 3, 40]], // T < k: only short contexts
    [SYNTHETIC_DEFAULTS.markov, [1, 64]],
    [{ kind: 'markov', order: 1, symbols: 3, alpha: 0.2 }, [5]],
    [SYNTHETIC_DEFAULTS.copy, [1, 8, 9, 64]],
    [{ kind: 'copy', length: 3, symbols: 5 }, [17]],
    [SYNTHETIC_DEFAULTS.reverse, [10, 64]],
    [{ kind: 'reverse', length: 1, symbols: 2 }, [7]],
    [SYNTHETIC_DEFAULTS.modadd, [1, 3, 64]],
    [{ kind: 'modadd', modulus: 7 }, [13]],
  ];
  for (const [task, Ts] of cases) {
    it(`${JSON.stringify(task)}: the floor matches a Monte-Carlo estimate at T = ${Ts.join(', ')}`, () => {
      const d = syntheticDataset(task, 3);
      const prob = d instanceof MarkovDataset ? markovTargetProb(d) : exampleTargetProb(d, task);
      for (const T of Ts) {
        const floor = d.lossFloor(T);
        const { mean, se } = monteCarloLoss(d, prob, T, Math.max(2000, Math.ceil(40000 / T)));
        expect(Number.isFinite(mean), `T=${T}: a target had probability 0 under the task's definition`).toBe(true);
        expect(Math.abs(mean - floor), `T=${T}: floor ${floor}, Monte-Carlo ${mean} ± ${se}`).toBeLessThanOrEqual(4 * se + 1e-10);
        expect(se).toBeLessThan(0.02); // the check has power
      }
    });
  }

  it('markov: positions with >= k tokens of context cost the entropy rate, shorter ones more', () => {
    const d = syntheticDataset({ kind: 'markov', order: 3, symbols: 4, alpha: 0.5 }, 9) as MarkovDataset;
    const f = d.positionFloors(6);
    expect(f[2]).toBe(d.entropyRate);
    expect(f[5]).toBe(d.entropyRate);
    expect(f[0]).toBeGreaterThan(f[1]); // conditioning reduces entropy
    expect(f[1]).toBeGreaterThan(f[2]);
    expect(d.lossFloor(6)).toBeCloseTo((f[0] + f[1] + 4 * d.entropyRate) / 6, 14);
    expect(d.lossFloor(100000)).toBeCloseTo(d.entropyRate, 4);
  });

  it('copy, reverse and modadd floors count the random positions among 1..T', () => {
    const copy = syntheticDataset(SYNTHETIC_DEFAULTS.copy, 1); // m = 8, L = 18: 7 + 8 + 8 + 8 random targets in 1..64
    expect(copy.lossFloor(64)).toBeCloseTo((31 * Math.log(16)) / 64, 14);
    expect(syntheticDataset(SYNTHETIC_DEFAULTS.reverse, 1).lossFloor(64)).toBe(copy.lossFloor(64));
    expect(copy.lossFloor(1)).toBeCloseTo(Math.log(16), 14);
    expect(syntheticDataset({ kind: 'copy', length: 2, symbols: 3 }, 1).lossFloor(2)).toBeCloseTo(Math.log(3) / 2, 14); // "ab|": b random, | fixed
    const modadd = syntheticDataset(SYNTHETIC_DEFAULTS.modadd, 1); // targets i = 1..64 with i % 6 in {0, 2}: 10 + 11
    expect(modadd.lossFloor(64)).toBeCloseTo((21 * Math.log(97)) / 64, 14);
    expect(modadd.lossFloor(1)).toBe(0); // "+" follows a
  });

  it('rejects a bad T', () => {
    const d = syntheticDataset(SYNTHETIC_DEFAULTS.modadd, 1);
    expect(() => d.lossFloor(0)).toThrow('context length T must be a positive integer, got 0');
    expect(() => d.batches('train', 0, 4, 1, 'x')).toThrow('batch size B must be a positive integer, got 0');
  });
});

describe('synthetic batches', () => {
  it('are deterministic per (seed, split, stream); splits, streams and seeds differ', () => {
    for (const task of Object.values(SYNTHETIC_DEFAULTS)) {
      const a = syntheticDataset(task, 1);
      const b = syntheticDataset(task, 1);
      const draw = (d: typeof a, split: 'train' | 'val', seed: number, stream: string) => {
        const src = d.batches(split, 4, 32, seed, stream);
        return [src.next().tokens, src.next().tokens];
      };
      const ref = draw(a, 'train', 7, 'batches');
      expect(draw(b, 'train', 7, 'batches')).toEqual(ref);
      expect(ref[1]).not.toEqual(ref[0]);
      expect(draw(a, 'val', 7, 'batches')[0]).not.toEqual(ref[0]);
      expect(draw(a, 'train', 7, 'eval')[0]).not.toEqual(ref[0]);
      expect(draw(a, 'train', 8, 'batches')[0]).not.toEqual(ref[0]);
    }
  });

  it('the task seed fixes the markov transitions', () => {
    const t = SYNTHETIC_DEFAULTS.markov;
    const [a, b, c] = [1, 1, 2].map((s) => syntheticDataset(t, s) as MarkovDataset);
    expect(a.chain.transitions).toEqual(b.chain.transitions);
    expect(a.chain.transitions).not.toEqual(c.chain.transitions);
    expect(a.lossFloor(64)).not.toBe(c.lossFloor(64));
  });

  it('are (B, T+1) ids in [0, V), untagged, from an unbounded stream', () => {
    for (const task of Object.values(SYNTHETIC_DEFAULTS)) {
      const d = syntheticDataset(task, 1);
      const { tokens, tags } = d.batches('val', 3, 17, 1, 's').next();
      expect(tokens.length).toBe(3 * 18);
      expect(tags).toBeNull();
      expect(d.tagged).toBe(false);
      expect(d.trainTokens).toBe(Infinity);
      expect(d.valTokens).toBe(Infinity);
      for (const t of tokens) expect(t >= 0 && t < d.vocabSize).toBe(true);
    }
  });

  it('render as readable examples through the task tokenizer', () => {
    const text = (task: SyntheticTaskConfig, T: number) => {
      const d = syntheticDataset(task, 1);
      return d.tokenizer.decode(d.batches('train', 1, T, 4, 's').next().tokens);
    };
    const add = text({ kind: 'modadd', modulus: 10 }, 29);
    expect(add).toMatch(/^(\d\+\d=\d;){5}$/);
    for (const [, a, b, c] of add.matchAll(/(\d)\+(\d)=(\d);/g)) expect(Number(c)).toBe((Number(a) + Number(b)) % 10);
    const copy = text({ kind: 'copy', length: 4, symbols: 26 }, 32);
    expect(copy).toMatch(/^([0-9A-P]{4})\|\1;([0-9A-P]{4})\|\2;([0-9A-P]{4})\|\3;[0-9A-P]{3}$/);
    const rev = text({ kind: 'reverse', length: 3, symbols: 10 }, 7);
    expect(rev).toMatch(/^\d{3}\|\d{3};$/);
    expect(rev.slice(4, 7)).toBe([...rev.slice(0, 3)].reverse().join(''));
    expect(text({ kind: 'markov', order: 1, symbols: 2, alpha: 1 }, 20)).toMatch(/^[01]{21}$/);
    const d = syntheticDataset({ kind: 'modadd', modulus: 128 }, 1);
    expect(d.vocabSize).toBe(131);
    expect(d.tokenizer.toJSON().vocab).toContain('Δ'); // residue 127
  });

  it('random symbols are uniform, and markov windows start in the stationary distribution', () => {
    const S = 5;
    const copy = syntheticDataset({ kind: 'copy', length: 2, symbols: S }, 1);
    const counts = new Map<number, number>();
    const src = copy.batches('train', 500, 5, 1, 's'); // "ab|ab;" : positions 0, 1 random
    for (let i = 0; i < 20; i++) {
      const { tokens } = src.next();
      for (let b = 0; b < 500; b++) for (const j of [0, 1]) counts.set(tokens[b * 6 + j], (counts.get(tokens[b * 6 + j]) ?? 0) + 1);
    }
    expect(counts.size).toBe(S);
    const n = 20000;
    for (const c of counts.values()) expect(Math.abs(c - n / S)).toBeLessThan(5 * Math.sqrt((n * (S - 1)) / S ** 2));

    const m = syntheticDataset({ kind: 'markov', order: 2, symbols: 3, alpha: 0.3 }, 2) as MarkovDataset;
    const firsts = new Float64Array(9);
    const ms = m.batches('train', 1000, 1, 3, 's');
    for (let i = 0; i < 20; i++) {
      const { tokens } = ms.next();
      for (let b = 0; b < 1000; b++) firsts[tokens[2 * b] * 3 + tokens[2 * b + 1]]++;
    }
    for (let s = 0; s < 9; s++) {
      const p = m.chain.stationary[s];
      expect(Math.abs(firsts[s] - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)) + 1);
    }
  });

  it('a sampler matches Rng draws: copy symbols are Rng(seed, "synthetic/train/<stream>").int(S) in order', () => {
    const d = syntheticDataset({ kind: 'copy', length: 3, symbols: 10 }, 1);
    const tokens = d.batches('train', 2, 7, 42, 'batches').next().tokens;
    const rng = new Rng(42, 'synthetic/train/batches');
    const expected = [0, 1].map(() => Array.from({ length: 3 }, () => String(rng.int(10))).join(''));
    expect(d.tokenizer.decode(tokens)).toBe(expected.map((x) => `${x}|${x};`).join(''));
  });
});
