// synthetic.ts: synthetic tasks whose ideal loss is known exactly. Each is a Dataset whose windows
// are generated on the fly: B windows of T+1 tokens, window b drawn after window b-1 from
// Rng(seed, `synthetic/${split}/${stream}`), so batches are deterministic per (seed, split, stream)
// and train and val never share a stream. Windows are independent draws of the task's process.
// There is no finite token stream: trainTokens = valTokens = Infinity.
//
// Loss floor: the model predicts window[t+1] from window[0..t] for t = 0..T-1, so position t has
// t+1 tokens of context. positionFloors(T)[t] = H(X_{t+1} | X_0..X_t) in nats under the generating
// process, exactly; lossFloor(T) is their mean, the expected loss of the ideal predictor.
//
// Tasks (symbols are shown as the characters SYMBOL_POOL[0..S-1] = 0-9, A-Z, a-z, then Latin-1
// and Greek letters, so S <= 10 reads as digits and a modulus <= 36 as base-36 numbers):
// - markov: an order-k chain over S symbols, P(x_{t+1} | x_{t-k+1..t}) one Dirichlet(alpha) draw
//   per k-gram context from Rng(taskSeed, 'synthetic/markov'). Each window starts in the exact
//   stationary distribution of the k-gram state chain (GTH elimination, see MarkovChain), so the
//   process is stationary: positions with >= k tokens of context cost the entropy rate
//   h = sum_s pi(s) H(P(.|s)); position t < k-1 costs H_{t+2} - H_{t+1}, H_m the entropy of the
//   stationary m-gram marginal.
// - copy: examples "x_1..x_m | x_1..x_m ;" (length L = 2m+2), x_i uniform over S symbols.
// - reverse: examples "x_1..x_m | x_m..x_1 ;".
// - modadd: examples "a + b = c ;" (L = 6), a, b uniform in [0, p), c = (a + b) mod p.
//   For these three, windows are aligned: every window starts at an example boundary and is
//   consecutive independent examples, the last one cut at T+1 tokens. Every token's phase
//   (index mod L) is then fixed, so the floor is exact: log S (log p) at each random position
//   (x_i; a and b), 0 at the others (separators, the copy, c), which are determined by the window
//   so far. Window token 0 is never predicted.

import { Rng } from '../util/rng.ts';
import type { BatchSource, Dataset, Split } from './dataset.ts';
import { CharTokenizer } from './tokenizer.ts';

export type SyntheticTaskConfig =
  | { kind: 'markov'; order: number; symbols: number; alpha: number }
  | { kind: 'copy'; length: number; symbols: number }
  | { kind: 'reverse'; length: number; symbols: number }
  | { kind: 'modadd'; modulus: number };

export type SyntheticKind = SyntheticTaskConfig['kind'];
type TaskOf<K extends SyntheticKind> = Extract<SyntheticTaskConfig, { kind: K }>;

export const SYNTHETIC_KINDS: readonly SyntheticKind[] = ['markov', 'copy', 'reverse', 'modadd'];

/** The default parameters of each task (also what validateSyntheticTask fills in for a missing field). */
export const SYNTHETIC_DEFAULTS: { readonly [K in SyntheticKind]: Readonly<TaskOf<K>> } = {
  markov: { kind: 'markov', order: 2, symbols: 16, alpha: 0.5 },
  copy: { kind: 'copy', length: 8, symbols: 16 },
  reverse: { kind: 'reverse', length: 8, symbols: 16 },
  modadd: { kind: 'modadd', modulus: 97 },
};

/** Allowed ranges, both ends included. alpha >= 0.1 keeps every transition probability > 0 (see dirichletTransitions). */
export const SYNTHETIC_LIMITS = {
  order: { min: 1, max: 3, integer: true },
  symbols: { min: 2, max: 64, integer: true },
  alpha: { min: 0.1, max: 100, integer: false },
  length: { min: 1, max: 256, integer: true },
  modulus: { min: 2, max: 128, integer: true },
} as const;

/** symbols^order, the number of k-gram contexts, is at most this: the exact stationary solve is O(contexts^3). */
export const MARKOV_MAX_CONTEXTS = 1024;

/** Display characters, in code-point order, so ids of a CharTokenizer over SYMBOL_POOL[0..n-1] are 0..n-1. */
export const SYMBOL_POOL: readonly string[] = (() => {
  const chars = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];
  for (let cp = 0xc0; cp <= 0xff; cp++) if (cp !== 0xd7 && cp !== 0xf7) chars.push(String.fromCodePoint(cp)); // Latin-1 letters (no × ÷)
  for (let cp = 0x391; cp <= 0x3a9; cp++) if (cp !== 0x3a2) chars.push(String.fromCodePoint(cp)); // Greek capitals
  return chars;
})();

const FIELDS: { readonly [K in SyntheticKind]: readonly (keyof typeof SYNTHETIC_LIMITS)[] } = {
  markov: ['order', 'symbols', 'alpha'],
  copy: ['length', 'symbols'],
  reverse: ['length', 'symbols'],
  modadd: ['modulus'],
};

/**
 * Checks an untrusted task config (URL state, JSON) and returns it typed. Missing fields take the
 * kind's default; a field of the wrong type, out of range, or unknown throws an Error naming it.
 */
export function validateSyntheticTask(x: unknown): SyntheticTaskConfig {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new Error(`synthetic task: expected an object with a "kind" field, got ${JSON.stringify(x) ?? String(x)}`);
  }
  const obj = x as Record<string, unknown>;
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(SYNTHETIC_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`synthetic task: "kind" must be one of ${SYNTHETIC_KINDS.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(kind) ?? String(kind)}`);
  }
  const k = kind as SyntheticKind;
  const fields = FIELDS[k];
  for (const key of Object.keys(obj)) {
    if (key !== 'kind' && !(fields as readonly string[]).includes(key)) {
      throw new Error(`synthetic task "${k}": unknown field "${key}" (fields: ${fields.join(', ')})`);
    }
  }
  const out: Record<string, unknown> = { kind: k };
  const defaults = SYNTHETIC_DEFAULTS[k] as unknown as Record<string, number>;
  for (const field of fields) {
    const v = obj[field] === undefined ? defaults[field] : obj[field];
    const lim = SYNTHETIC_LIMITS[field];
    const what = lim.integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (lim.integer && !Number.isInteger(v)) || v < lim.min || v > lim.max) {
      throw new Error(`synthetic task "${k}": "${field}" must be ${what} in [${lim.min}, ${lim.max}], got ${JSON.stringify(v) ?? String(v)}`);
    }
    out[field] = v;
  }
  if (k === 'markov') {
    const { order, symbols } = out as TaskOf<'markov'>;
    const contexts = symbols ** order;
    if (contexts > MARKOV_MAX_CONTEXTS) {
      const maxSymbols = Math.floor(MARKOV_MAX_CONTEXTS ** (1 / order) + 1e-9);
      throw new Error(`synthetic task "markov": "symbols"^"order" = ${symbols}^${order} = ${contexts} contexts, more than ${MARKOV_MAX_CONTEXTS}; ` +
        `order ${order} allows "symbols" up to ${maxSymbols}`);
    }
  }
  return out as SyntheticTaskConfig;
}

function checkBT(B: number, T: number): void {
  if (!Number.isSafeInteger(B) || B < 1) throw new Error(`batch size B must be a positive integer, got ${B}`);
  if (!Number.isSafeInteger(T) || T < 1) throw new Error(`context length T must be a positive integer, got ${T}`);
}

function entropy(p: ArrayLike<number>, from = 0, to = p.length): number {
  let h = 0;
  for (let i = from; i < to; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return h;
}

/** First index i in [from, to) with cum[i] > u, or the last index with positive mass if rounding left none. */
function searchCumulative(cum: Float64Array, from: number, to: number, u: number): number {
  let lo = from;
  let hi = to - 1;
  if (!(cum[hi] > u)) {
    while (hi > from && cum[hi] === cum[hi - 1]) hi--; // trailing zero-probability entries
    return hi - from;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo - from;
}

/** Common part of the synthetic tasks: seeded window generation and the per-position floor. */
abstract class SyntheticDataset implements Dataset {
  readonly vocabSize: number;
  readonly trainTokens = Number.POSITIVE_INFINITY;
  readonly valTokens = Number.POSITIVE_INFINITY;
  readonly tagged = false;

  constructor(
    readonly name: string,
    readonly tokenizer: CharTokenizer,
  ) {
    this.vocabSize = tokenizer.vocabSize;
  }

  get summary(): string {
    return `Synthetic task ${this.name}: ${this.vocabSize} symbols, generated on the fly (train and validation from separate random streams), no part-of-speech tags`;
  }

  /** Writes (=) one window of out.length = T+1 tokens, drawing from rng. */
  protected abstract fillWindow(rng: Rng, out: Int32Array): void;

  /** @returns (T) the ideal loss H(X_{t+1} | X_0..X_t) at each predicted position t, nats */
  abstract positionFloors(T: number): Float64Array;

  batches(split: Split, B: number, T: number, seed: number, stream: string): BatchSource {
    checkBT(B, T);
    if (split !== 'train' && split !== 'val') throw new Error(`unknown split "${String(split)}"`);
    const rng = new Rng(seed, `synthetic/${split}/${stream}`);
    const W = T + 1;
    return {
      next: () => {
        const tokens = new Int32Array(B * W);
        for (let b = 0; b < B; b++) this.fillWindow(rng, tokens.subarray(b * W, (b + 1) * W));
        return { tokens, tags: null };
      },
    };
  }

  lossFloor(T: number): number {
    const f = this.positionFloors(T);
    let s = 0;
    for (let t = 0; t < T; t++) s += f[t];
    return s / T;
  }
}

function checkT(T: number): void {
  if (!Number.isSafeInteger(T) || T < 1) throw new Error(`context length T must be a positive integer, got ${T}`);
}

/**
 * A stationary order-k Markov chain over S symbols. k-gram contexts are indexed
 * s = sum_i x_i S^(k-i) over x_1..x_k, x_1 the oldest, so the next context is (s mod S^(k-1))*S + y.
 */
export class MarkovChain {
  readonly contexts: number; // S^k
  readonly stationary: Float64Array; // (S^k) stationary distribution of the k-gram state chain
  readonly entropyRate: number; // h = sum_s pi(s) H(P(.|s)), nats
  private readonly marginalEntropies: Float64Array; // (k+1) H_m of the stationary m-gram marginal, H_0 = 0
  private readonly cumTransitions: Float64Array; // (S^k, S) running sums of the rows
  private readonly cumStationary: Float64Array; // (S^k)

  /**
   * @param order k >= 1; @param symbols S >= 2
   * @param transitions (S^k, S) row s = P(next | context s); rows non-negative, each summing to 1.
   *   The k-gram state chain must be irreducible (true when every entry is > 0).
   */
  constructor(
    readonly order: number,
    readonly symbols: number,
    readonly transitions: Float64Array,
  ) {
    const S = symbols;
    const n = S ** order;
    this.contexts = n;
    if (transitions.length !== n * S) throw new Error(`MarkovChain: transitions has ${transitions.length} entries, expected S^(k+1) = ${n * S}`);
    for (let s = 0; s < n; s++) {
      let sum = 0;
      for (let y = 0; y < S; y++) {
        const p = transitions[s * S + y];
        if (!(p >= 0)) throw new Error(`MarkovChain: transition (${s}, ${y}) is ${p}, not a probability`);
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-12) throw new Error(`MarkovChain: row ${s} of transitions sums to ${sum}, not 1`);
    }
    this.stationary = stationaryGTH(this.stateMatrix(), n);
    this.cumTransitions = new Float64Array(n * S);
    this.cumStationary = new Float64Array(n);
    let h = 0;
    let acc = 0;
    for (let s = 0; s < n; s++) {
      h += this.stationary[s] * entropy(transitions, s * S, (s + 1) * S);
      acc += this.stationary[s];
      this.cumStationary[s] = acc;
      let c = 0;
      for (let y = 0; y < S; y++) this.cumTransitions[s * S + y] = c += transitions[s * S + y];
    }
    this.entropyRate = h;
    this.marginalEntropies = new Float64Array(order + 1);
    for (let m = 1; m <= order; m++) {
      const marginal = new Float64Array(S ** m); // first m symbols of the k-gram
      const block = S ** (order - m);
      for (let s = 0; s < n; s++) marginal[Math.floor(s / block)] += this.stationary[s];
      this.marginalEntropies[m] = entropy(marginal);
    }
  }

  /** (S^k, S^k) dense row-stochastic matrix of the k-gram state chain. */
  private stateMatrix(): Float64Array {
    const S = this.symbols;
    const n = this.contexts;
    const A = new Float64Array(n * n);
    for (let s = 0; s < n; s++) {
      const shifted = (s % (n / S)) * S;
      for (let y = 0; y < S; y++) A[s * n + shifted + y] = this.transitions[s * S + y];
    }
    return A;
  }

  /** H(X_c | X_0..X_{c-1}) in the stationary chain: H_{c+1} - H_c for c < k, the entropy rate for c >= k. */
  conditionalEntropy(c: number): number {
    if (!Number.isSafeInteger(c) || c < 0) throw new Error(`MarkovChain.conditionalEntropy: context length must be a non-negative integer, got ${c}`);
    if (c >= this.order) return this.entropyRate;
    return this.marginalEntropies[c + 1] - this.marginalEntropies[c];
  }

  /** Writes (=) out.length consecutive symbols of the stationary chain, drawing from rng. */
  sampleInto(rng: Rng, out: Int32Array): void {
    const S = this.symbols;
    const k = this.order;
    let s = searchCumulative(this.cumStationary, 0, this.contexts, rng.uniform());
    for (let i = 0; i < k && i < out.length; i++) out[i] = Math.floor(s / S ** (k - 1 - i)) % S;
    const keep = this.contexts / S;
    for (let i = k; i < out.length; i++) {
      const y = searchCumulative(this.cumTransitions, s * S, (s + 1) * S, rng.uniform());
      out[i] = y;
      s = (s % keep) * S + y;
    }
  }
}

/**
 * Stationary distribution of an irreducible row-stochastic matrix by GTH elimination (Grassmann,
 * Taksar & Heyman 1985; Stewart, "Introduction to the Numerical Solution of Markov Chains" §2.7):
 * Gaussian elimination that forms each pivot as a sum of off-diagonal entries, never 1 - p_kk, so
 * there is no cancellation and nearly-deterministic chains are solved to full precision. O(n^3/3).
 * @param A (n, n) row-stochastic, overwritten
 * @returns (n) pi with pi A = pi, sum 1
 */
export function stationaryGTH(A: Float64Array, n: number): Float64Array {
  for (let k = n - 1; k > 0; k--) {
    const rowK = k * n;
    let s = 0;
    for (let j = 0; j < k; j++) s += A[rowK + j];
    if (!(s > 0)) throw new Error(`stationaryGTH: state ${k} cannot reach states 0..${k - 1}: the chain is not irreducible`);
    for (let i = 0; i < k; i++) {
      const rowI = i * n;
      const f = A[rowI + k] / s;
      A[rowI + k] = f;
      if (f === 0) continue; // sparse k-gram chains: most rows do not reach k
      for (let j = 0; j < k; j++) A[rowI + j] += f * A[rowK + j];
    }
  }
  const pi = new Float64Array(n);
  pi[0] = 1;
  let total = 1;
  for (let j = 1; j < n; j++) {
    let x = 0;
    for (let i = 0; i < j; i++) x += pi[i] * A[i * n + j];
    pi[j] = x;
    total += x;
  }
  for (let j = 0; j < n; j++) pi[j] /= total;
  return pi;
}

/** log of a Gamma(a, 1) draw (Marsaglia & Tsang 2000; a < 1 via G(a) = G(a+1) U^(1/a), in logs so it cannot underflow). */
function logGammaSample(rng: Rng, a: number): number {
  if (a < 1) return logGammaSample(rng, a + 1) + Math.log(1 - rng.uniform()) / a; // 1 - u in (0, 1]
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(rng.uniform()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/**
 * One Dirichlet(alpha, ..., alpha) row per context, drawn in order s = 0..contexts-1.
 * For alpha >= 0.1 the smallest log-gamma draw is about log(2^-53)/0.1 = -367 below the largest,
 * so exp() keeps every probability > 0 (> 1e-160) and the k-gram chain is irreducible.
 * @returns (contexts, symbols) rows summing to 1
 */
export function dirichletTransitions(contexts: number, symbols: number, alpha: number, rng: Rng): Float64Array {
  const P = new Float64Array(contexts * symbols);
  const logs = new Float64Array(symbols);
  for (let s = 0; s < contexts; s++) {
    let max = -Infinity;
    for (let y = 0; y < symbols; y++) max = Math.max(max, (logs[y] = logGammaSample(rng, alpha)));
    let sum = 0;
    for (let y = 0; y < symbols; y++) sum += P[s * symbols + y] = Math.exp(logs[y] - max);
    for (let y = 0; y < symbols; y++) P[s * symbols + y] /= sum;
  }
  return P;
}

/** The markov task: windows of the stationary chain. */
export class MarkovDataset extends SyntheticDataset {
  constructor(
    readonly task: TaskOf<'markov'>,
    readonly chain: MarkovChain,
  ) {
    super(`markov(order=${task.order}, symbols=${task.symbols}, alpha=${task.alpha})`, new CharTokenizer(SYMBOL_POOL.slice(0, task.symbols)));
  }

  /** The entropy rate of the chain (nats/token): the floor at positions with >= order tokens of context. */
  get entropyRate(): number {
    return this.chain.entropyRate;
  }

  protected fillWindow(rng: Rng, out: Int32Array): void {
    this.chain.sampleInto(rng, out); // symbol ids are token ids (SYMBOL_POOL is in code-point order)
  }

  positionFloors(T: number): Float64Array {
    checkT(T);
    const f = new Float64Array(T);
    for (let t = 0; t < T; t++) f[t] = this.chain.conditionalEntropy(t + 1);
    return f;
  }
}

/**
 * copy, reverse and modadd: windows of whole examples of fixed length L, aligned at example starts.
 * phaseEntropy[j] is the entropy of an example's token j given the tokens before it.
 */
export class ExampleDataset extends SyntheticDataset {
  private readonly example: Int32Array; // (L) scratch for the example being written

  constructor(
    name: string,
    tokenizer: CharTokenizer,
    readonly phaseEntropy: Float64Array, // (L) nats
    private readonly makeExample: (rng: Rng, out: Int32Array) => void, // writes (=) one example (L)
  ) {
    super(name, tokenizer);
    this.example = new Int32Array(phaseEntropy.length);
  }

  /** L, the tokens per example. */
  get exampleLength(): number {
    return this.phaseEntropy.length;
  }

  protected fillWindow(rng: Rng, out: Int32Array): void {
    const L = this.example.length;
    for (let i = 0; i < out.length; i++) {
      if (i % L === 0) this.makeExample(rng, this.example);
      out[i] = this.example[i % L];
    }
  }

  positionFloors(T: number): Float64Array {
    checkT(T);
    const f = new Float64Array(T);
    for (let t = 0; t < T; t++) f[t] = this.phaseEntropy[(t + 1) % this.example.length];
    return f;
  }
}

/** A CharTokenizer over the first n pool symbols plus separators; ids of symbols and separators. */
function symbolTokenizer(n: number, separators: string): { tokenizer: CharTokenizer; symbolIds: Int32Array; sep: (ch: string) => number } {
  const chars = [...SYMBOL_POOL.slice(0, n), ...separators].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const tokenizer = new CharTokenizer(chars);
  return { tokenizer, symbolIds: tokenizer.encode(SYMBOL_POOL.slice(0, n).join('')), sep: (ch) => tokenizer.encode(ch)[0] };
}

function copyDataset(task: TaskOf<'copy'> | TaskOf<'reverse'>): ExampleDataset {
  const { length: m, symbols: S } = task;
  const { tokenizer, symbolIds, sep } = symbolTokenizer(S, '|;');
  const bar = sep('|');
  const semi = sep(';');
  const phaseEntropy = new Float64Array(2 * m + 2); // x_1..x_m random, then | copy ; all determined
  phaseEntropy.fill(Math.log(S), 0, m);
  const reverse = task.kind === 'reverse';
  return new ExampleDataset(`${task.kind}(length=${m}, symbols=${S})`, tokenizer, phaseEntropy, (rng, out) => {
    for (let i = 0; i < m; i++) out[i] = symbolIds[rng.int(S)];
    out[m] = bar;
    for (let i = 0; i < m; i++) out[m + 1 + i] = out[reverse ? m - 1 - i : i];
    out[2 * m + 1] = semi;
  });
}

function modaddDataset(task: TaskOf<'modadd'>): ExampleDataset {
  const p = task.modulus;
  const { tokenizer, symbolIds, sep } = symbolTokenizer(p, '+=;');
  const [plus, eq, semi] = [sep('+'), sep('='), sep(';')];
  const phaseEntropy = Float64Array.from([Math.log(p), 0, Math.log(p), 0, 0, 0]); // a + b = c ;
  return new ExampleDataset(`modadd(modulus=${p})`, tokenizer, phaseEntropy, (rng, out) => {
    const a = rng.int(p);
    const b = rng.int(p);
    out[0] = symbolIds[a];
    out[1] = plus;
    out[2] = symbolIds[b];
    out[3] = eq;
    out[4] = symbolIds[(a + b) % p];
    out[5] = semi;
  });
}

/**
 * The Dataset of a synthetic task (validated first).
 * @param seed the task's own seed: fixes the markov transitions (stream 'synthetic/markov'); batch
 *   streams take their seed in batches()
 */
export function syntheticDataset(task: SyntheticTaskConfig, seed: number): MarkovDataset | ExampleDataset {
  const t = validateSyntheticTask(task);
  switch (t.kind) {
    case 'markov': {
      const contexts = t.symbols ** t.order;
      const P = dirichletTransitions(contexts, t.symbols, t.alpha, new Rng(seed, 'synthetic/markov'));
      return new MarkovDataset(t, new MarkovChain(t.order, t.symbols, P));
    }
    case 'copy':
    case 'reverse':
      return copyDataset(t);
    case 'modadd':
      return modaddDataset(t);
  }
}
