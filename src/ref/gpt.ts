// gpt.ts (reference): the whole model in float64 on the CPU, forward and backward, with every
// loss variant of docs/method.md §3. It is the ground truth the GPU engine is tested against and the
// independent implementation that replays a command-line run. Plain calls in llm.c order
// (gpt2_forward / gpt2_backward), one ref op per step; every activation gets a fresh array.
//
// Shapes: tokens (B, T+1) with T = shape.T; inputs tokens[b, 0..T-1], targets tokens[b, 1..T].
// params and grads are flat Float64Arrays laid out by `layout` (src/model/params.ts); the grads
// returned are computed from zero (=), padding stays zero.
//
// Model (docs/method.md §2): x0 = wte[tok] + wpe[t]; block i: a = x + attproj(attn(ln1(x)));
// x' = a + fcproj(gelu(fc(ln2(a)))); h = ln_f(x_L); logits = h·Wᵀ (W = wte if tied, else lm_head).
// Loss (§3): ntp = mean CE over B·T. If λ > 0, loss = ntp + λ·aux, with aux either the NITP loss
// (mean of ℓ(P(h[b,t]), z[b,t+shift]) over the pairs) or the generic cosine regularizer on h.
// z is layer k's hidden state and a constant (stop-gradient) unless config.nitp.stopGrad is false.
// Invariant: with stop-gradient, nothing flows into the backbone through z, so the backbone
// gradient differs from plain NTP only through the head input h.
import { usesNitpHead, type RunConfig } from '../model/config.ts';
import { blockNames, NAMES, tensorViews, type ModelShape, type ParamLayout } from '../model/params.ts';
import { encoderBackward, encoderForward } from './encoder.ts';
import { layernormBackward, layernormForward } from './layernorm.ts';
import { gelu, geluGrad, matmulBackward, matmulForward, silu, siluGrad } from './matmul.ts';
import { attentionBackward, attentionForward } from './attention.ts';
import { crossentropyForward, crossentropyForwardBackward } from './crossentropy.ts';
import { nitpLossForwardBackward, nitpPairsPerSequence } from './nitpLoss.ts';
import { cosineRegularizerForwardBackward } from './cosineRegularizer.ts';

export interface RefStepResult {
  /** ntp + λ·aux (ntp when λ = 0) */
  loss: number;
  ntp: number;
  /** NITP loss or generic cosine regularizer, before λ; null when λ = 0 */
  aux: number | null;
  /** dloss/dparams, flat, same layout as params */
  grads: Float64Array;
}

export interface RefForwardResult {
  loss: number;
  ntp: number;
  aux: number | null;
  /** per-position cross-entropy, (B, T) */
  losses: Float64Array;
  /** hidden state of every layer: layers[0] = x0, layers[i] = residual after block i; each (B, T, C) */
  layers: Float64Array[];
  /** final hidden state h = ln_f(x_L), (B, T, C) */
  final: Float64Array;
  /** (B, T, V) */
  logits: Float64Array;
}

export interface RefForwardOptions {
  /**
   * Use this array as the NITP target z (B, T, C) instead of layer k's hidden state (ignored
   * without an NITP loss). A gradient check of the stop-gradient loss holds z fixed this way.
   */
  target?: Float64Array;
}

// ---- elementwise steps (fused into matmul epilogues on the GPU, so no ref op of their own) ------

/** out (N) = gelu(inp) (tanh approximation, docs/method.md §2). */
function geluForward(out: Float64Array, inp: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) out[i] = gelu(inp[i]);
}

/** dinp (N) += dout · gelu'(inp). */
function geluBackward(dinp: Float64Array, inp: Float64Array, dout: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] += dout[i] * geluGrad(inp[i]);
}

/** SwiGLU gate (docs/method.md §3): out (N) = silu(a1) ⊙ a2. */
function swigluForward(out: Float64Array, a1: Float64Array, a2: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) out[i] = silu(a1[i]) * a2[i];
}

/** da1, da2 (N) += the gradients of silu(a1) ⊙ a2 given dout (N). */
function swigluBackward(da1: Float64Array, da2: Float64Array, dout: Float64Array, a1: Float64Array, a2: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) {
    da1[i] += dout[i] * a2[i] * siluGrad(a1[i]);
    da2[i] += dout[i] * silu(a1[i]);
  }
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function addInto(dst: Float64Array, src: Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

// ---- parameters and activations -----------------------------------------------------------------

type Views = Map<string, Float64Array>;

function tensor(views: Views, name: string): Float64Array {
  const t = views.get(name);
  if (!t) throw new Error(`ref gpt: parameter "${name}" is missing from the layout`);
  return t;
}

interface BlockActs {
  ln1: Float64Array; // (BT, C)
  ln1Mean: Float64Array; // (BT)
  ln1Rstd: Float64Array; // (BT)
  qkv: Float64Array; // (BT, 3C)
  atty: Float64Array; // (BT, C)
  preatt: Float64Array; // (B, NH, T, T)
  att: Float64Array; // (B, NH, T, T)
  attproj: Float64Array; // (BT, C)
  residual2: Float64Array; // (BT, C) a = x + attproj
  ln2: Float64Array; // (BT, C)
  ln2Mean: Float64Array; // (BT)
  ln2Rstd: Float64Array; // (BT)
  fch: Float64Array; // (BT, 4C)
  fchGelu: Float64Array; // (BT, 4C)
  fcproj: Float64Array; // (BT, C)
  residual3: Float64Array; // (BT, C) block output
}

interface HeadActs {
  a1: Float64Array; // (BT, 4C) W1·h
  a2: Float64Array; // (BT, 4C) W2·h
  gate: Float64Array; // (BT, 4C) silu(a1) ⊙ a2
}

interface Acts {
  B: number;
  T: number;
  inputs: Int32Array; // (B, T)
  targets: Int32Array; // (B, T)
  x0: Float64Array; // (BT, C)
  blocks: BlockActs[];
  lnf: Float64Array; // (BT, C) h
  lnfMean: Float64Array; // (BT)
  lnfRstd: Float64Array; // (BT)
  logits: Float64Array; // (BT, V)
  losses: Float64Array; // (BT)
  ntp: number;
  head: HeadActs | null;
  p: Float64Array | null; // (BT, C) P(h) (aliases lnf for head "none")
  z: Float64Array | null; // (BT, C) NITP target
  auxLosses: Float64Array | null; // per pair (NITP) or per sequence (generic cosine)
  aux: number | null;
}

/** Splits (B, T+1) token rows into inputs and targets, each (B, T). */
function splitTokens(tokens: Int32Array, T: number): { B: number; inputs: Int32Array; targets: Int32Array } {
  const B = tokens.length / (T + 1);
  if (!Number.isInteger(B) || B < 1) throw new Error(`ref gpt: tokens.length ${tokens.length} is not a multiple of T+1 = ${T + 1}`);
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = tokens[b * (T + 1) + t];
      targets[b * T + t] = tokens[b * (T + 1) + t + 1];
    }
  }
  return { B, inputs, targets };
}

function targetLayer(config: RunConfig, L: number): number {
  const k = config.nitp.targetLayer;
  if (k < 0 || k > L) throw new Error(`ref gpt: nitp.targetLayer ${k} outside 0..${L}`);
  return k;
}

/** The forward pass up to the NTP loss, plus the NITP head output p and target z when λ > 0. */
function forward(config: RunConfig, shape: ModelShape, views: Views, tokens: Int32Array, options: RefForwardOptions): Acts {
  const { V, T, L, C, NH } = shape;
  const { B, inputs, targets } = splitTokens(tokens, T);
  const BT = B * T;
  const wte = tensor(views, NAMES.wte);

  const x0 = new Float64Array(BT * C);
  encoderForward(x0, inputs, wte, tensor(views, NAMES.wpe), B, T, C);

  const blocks: BlockActs[] = [];
  let x: Float64Array = x0;
  for (let l = 0; l < L; l++) {
    const n = blockNames(l);
    const a: BlockActs = {
      ln1: new Float64Array(BT * C), ln1Mean: new Float64Array(BT), ln1Rstd: new Float64Array(BT),
      qkv: new Float64Array(BT * 3 * C), atty: new Float64Array(BT * C),
      preatt: new Float64Array(B * NH * T * T), att: new Float64Array(B * NH * T * T),
      attproj: new Float64Array(BT * C), residual2: new Float64Array(BT * C),
      ln2: new Float64Array(BT * C), ln2Mean: new Float64Array(BT), ln2Rstd: new Float64Array(BT),
      fch: new Float64Array(BT * 4 * C), fchGelu: new Float64Array(BT * 4 * C),
      fcproj: new Float64Array(BT * C), residual3: new Float64Array(BT * C),
    };
    layernormForward(a.ln1, a.ln1Mean, a.ln1Rstd, x, tensor(views, n.ln1w), tensor(views, n.ln1b), BT, C);
    matmulForward(a.qkv, a.ln1, tensor(views, n.qkvw), tensor(views, n.qkvb), BT, C, 3 * C);
    attentionForward(a.atty, a.preatt, a.att, a.qkv, B, T, C, NH);
    matmulForward(a.attproj, a.atty, tensor(views, n.attprojw), tensor(views, n.attprojb), BT, C, C);
    for (let i = 0; i < BT * C; i++) a.residual2[i] = x[i] + a.attproj[i];
    layernormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.residual2, tensor(views, n.ln2w), tensor(views, n.ln2b), BT, C);
    matmulForward(a.fch, a.ln2, tensor(views, n.fcw), tensor(views, n.fcb), BT, C, 4 * C);
    geluForward(a.fchGelu, a.fch, BT * 4 * C);
    matmulForward(a.fcproj, a.fchGelu, tensor(views, n.fcprojw), tensor(views, n.fcprojb), BT, 4 * C, C);
    for (let i = 0; i < BT * C; i++) a.residual3[i] = a.residual2[i] + a.fcproj[i];
    blocks.push(a);
    x = a.residual3;
  }

  const lnf = new Float64Array(BT * C);
  const lnfMean = new Float64Array(BT);
  const lnfRstd = new Float64Array(BT);
  layernormForward(lnf, lnfMean, lnfRstd, x, tensor(views, NAMES.lnfw), tensor(views, NAMES.lnfb), BT, C);
  const unembed = config.model.tieEmbeddings ? wte : tensor(views, NAMES.lmHead);
  const logits = new Float64Array(BT * V);
  matmulForward(logits, lnf, unembed, null, BT, C, V);
  const losses = new Float64Array(BT);
  crossentropyForward(losses, logits, targets, BT, V);

  const acts: Acts = {
    B, T, inputs, targets, x0, blocks, lnf, lnfMean, lnfRstd, logits, losses, ntp: mean(losses),
    head: null, p: null, z: null, auxLosses: null, aux: null,
  };
  const { lambda, regularizer } = config.nitp;
  if (lambda > 0 && regularizer === 'nitp') {
    if (usesNitpHead(config)) {
      const head: HeadActs = { a1: new Float64Array(BT * 4 * C), a2: new Float64Array(BT * 4 * C), gate: new Float64Array(BT * 4 * C) };
      matmulForward(head.a1, lnf, tensor(views, NAMES.nitpW1), null, BT, C, 4 * C);
      matmulForward(head.a2, lnf, tensor(views, NAMES.nitpW2), null, BT, C, 4 * C);
      swigluForward(head.gate, head.a1, head.a2, BT * 4 * C);
      acts.p = new Float64Array(BT * C);
      matmulForward(acts.p, head.gate, tensor(views, NAMES.nitpW3), null, BT, 4 * C, C);
      acts.head = head;
    } else {
      acts.p = lnf; // head "none": P(h) = h
    }
    const k = targetLayer(config, L);
    acts.z = options.target ?? (k === 0 ? x0 : blocks[k - 1].residual3);
    if (acts.z.length !== BT * C) throw new Error(`ref gpt: NITP target has ${acts.z.length} values, expected ${BT * C}`);
  }
  return acts;
}

/**
 * Aux loss forward and its gradient: dp (=, (BT, C)) for NITP (into dh for head "none"), dz (=)
 * when stopGrad is false, dh (+=) for the generic cosine regularizer. dh may be null for a
 * forward-only call, in which case the gradients go to scratch arrays.
 */
function auxLoss(config: RunConfig, shape: ModelShape, acts: Acts, dh: Float64Array | null): { dp: Float64Array | null; dz: Float64Array | null } {
  const { lambda, regularizer, shift, loss: kind, stopGrad } = config.nitp;
  const { B, T } = acts;
  const C = shape.C;
  if (!(lambda > 0)) return { dp: null, dz: null };
  if (regularizer === 'generic-cosine') {
    acts.auxLosses = new Float64Array(B);
    // losses[b] is the mean pairwise cosine of sequence b; aux = mean over b, so dscale = λ/B
    cosineRegularizerForwardBackward(acts.auxLosses, dh ?? new Float64Array(B * T * C), acts.lnf, B, T, C, lambda / B);
    acts.aux = mean(acts.auxLosses);
    return { dp: null, dz: null };
  }
  const pairs = B * nitpPairsPerSequence(T, shift);
  acts.auxLosses = new Float64Array(pairs);
  const dscale = lambda / pairs; // aux = mean of ℓ over the pairs, weighted by λ
  const headNone = acts.head === null;
  // head "none": p is h itself, so dℓ/dp accumulates straight into dh
  const dp = headNone && dh ? dh : new Float64Array(B * T * C);
  const dz = stopGrad || !dh ? null : new Float64Array(B * T * C);
  nitpLossForwardBackward(acts.auxLosses, dp, dz, acts.p!, acts.z!, B, T, C, shift, kind, dscale, headNone && dh !== null);
  acts.aux = mean(acts.auxLosses);
  return { dp: headNone ? null : dp, dz };
}

function totalLoss(config: RunConfig, acts: Acts): number {
  return acts.aux === null ? acts.ntp : acts.ntp + config.nitp.lambda * acts.aux;
}

/**
 * Loss only (for evaluation), plus the hidden states of every layer for geometry metrics.
 * @param params flat, laid out by `layout`
 * @param tokens (B, T+1)
 */
export function refForward(
  config: RunConfig, shape: ModelShape, layout: ParamLayout, params: Float64Array, tokens: Int32Array,
  options: RefForwardOptions = {},
): RefForwardResult {
  const acts = forward(config, shape, tensorViews(layout, params), tokens, options);
  auxLoss(config, shape, acts, null);
  return {
    loss: totalLoss(config, acts), ntp: acts.ntp, aux: acts.aux, losses: acts.losses,
    layers: [acts.x0, ...acts.blocks.map((b) => b.residual3)], final: acts.lnf, logits: acts.logits,
  };
}

/**
 * Loss and its gradient with respect to every parameter (= into a fresh array).
 * @param params flat, laid out by `layout`
 * @param tokens (B, T+1)
 */
export function refForwardBackward(config: RunConfig, shape: ModelShape, layout: ParamLayout, params: Float64Array, tokens: Int32Array): RefStepResult {
  const views = tensorViews(layout, params);
  const grads = new Float64Array(layout.totalFloats);
  const gviews = tensorViews(layout, grads);
  const { V, L, C, NH } = shape;
  const acts = forward(config, shape, views, tokens, {});
  const { B, T } = acts;
  const BT = B * T;

  // losses and their gradients at h (and at z when the target is not detached)
  const dh = new Float64Array(BT * C); // (BT, C)
  const { dp, dz } = auxLoss(config, shape, acts, dh);
  const dlogits = new Float64Array(BT * V);
  const losses = new Float64Array(BT);
  crossentropyForwardBackward(losses, dlogits, acts.logits, acts.targets, BT, V, 1 / BT);
  const tied = config.model.tieEmbeddings;
  const unembed = tied ? tensor(views, NAMES.wte) : tensor(views, NAMES.lmHead);
  const dunembed = tied ? tensor(gviews, NAMES.wte) : tensor(gviews, NAMES.lmHead);
  matmulBackward(dh, dunembed, null, dlogits, acts.lnf, unembed, BT, C, V);

  if (acts.head && dp) {
    const { a1, a2, gate } = acts.head;
    const dgate = new Float64Array(BT * 4 * C);
    matmulBackward(dgate, tensor(gviews, NAMES.nitpW3), null, dp, gate, tensor(views, NAMES.nitpW3), BT, 4 * C, C);
    const da1 = new Float64Array(BT * 4 * C);
    const da2 = new Float64Array(BT * 4 * C);
    swigluBackward(da1, da2, dgate, a1, a2, BT * 4 * C);
    matmulBackward(dh, tensor(gviews, NAMES.nitpW1), null, da1, acts.lnf, tensor(views, NAMES.nitpW1), BT, C, 4 * C);
    matmulBackward(dh, tensor(gviews, NAMES.nitpW2), null, da2, acts.lnf, tensor(views, NAMES.nitpW2), BT, C, 4 * C);
  }

  // dz feeds the residual stream at layer k; added before back-propagating below layer k
  const k = dz ? targetLayer(config, L) : -1;
  let dresidual = new Float64Array(BT * C); // (BT, C) dloss/dx_L
  const xL = L > 0 ? acts.blocks[L - 1].residual3 : acts.x0;
  layernormBackward(dresidual, tensor(gviews, NAMES.lnfw), tensor(gviews, NAMES.lnfb), dh, xL, tensor(views, NAMES.lnfw), acts.lnfMean, acts.lnfRstd, BT, C);

  for (let l = L - 1; l >= 0; l--) {
    if (k === l + 1) addInto(dresidual, dz!);
    const n = blockNames(l);
    const a = acts.blocks[l];
    const x = l === 0 ? acts.x0 : acts.blocks[l - 1].residual3;
    // x' = a + fcproj: dresidual flows to both
    const dfchGelu = new Float64Array(BT * 4 * C);
    matmulBackward(dfchGelu, tensor(gviews, n.fcprojw), tensor(gviews, n.fcprojb), dresidual, a.fchGelu, tensor(views, n.fcprojw), BT, 4 * C, C);
    const dfch = new Float64Array(BT * 4 * C);
    geluBackward(dfch, a.fch, dfchGelu, BT * 4 * C);
    const dln2 = new Float64Array(BT * C);
    matmulBackward(dln2, tensor(gviews, n.fcw), tensor(gviews, n.fcb), dfch, a.ln2, tensor(views, n.fcw), BT, C, 4 * C);
    const dresidual2 = Float64Array.from(dresidual);
    layernormBackward(dresidual2, tensor(gviews, n.ln2w), tensor(gviews, n.ln2b), dln2, a.residual2, tensor(views, n.ln2w), a.ln2Mean, a.ln2Rstd, BT, C);
    // a = x + attproj
    const datty = new Float64Array(BT * C);
    matmulBackward(datty, tensor(gviews, n.attprojw), tensor(gviews, n.attprojb), dresidual2, a.atty, tensor(views, n.attprojw), BT, C, C);
    const dqkv = new Float64Array(BT * 3 * C);
    const dpreatt = new Float64Array(B * NH * T * T);
    const datt = new Float64Array(B * NH * T * T);
    attentionBackward(dqkv, dpreatt, datt, datty, a.qkv, a.att, B, T, C, NH);
    const dln1 = new Float64Array(BT * C);
    matmulBackward(dln1, tensor(gviews, n.qkvw), tensor(gviews, n.qkvb), dqkv, a.ln1, tensor(views, n.qkvw), BT, C, 3 * C);
    const dx = Float64Array.from(dresidual2);
    layernormBackward(dx, tensor(gviews, n.ln1w), tensor(gviews, n.ln1b), dln1, x, tensor(views, n.ln1w), a.ln1Mean, a.ln1Rstd, BT, C);
    dresidual = dx;
  }
  if (k === 0) addInto(dresidual, dz!);
  encoderBackward(tensor(gviews, NAMES.wte), tensor(gviews, NAMES.wpe), dresidual, acts.inputs, B, T, C);

  return { loss: totalLoss(config, acts), ntp: acts.ntp, aux: acts.aux, grads };
}
