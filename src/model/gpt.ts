// gpt.ts: the GPT model on the GPU — its buffers and the order of the ops of one training step,
// like llm.c's gpt2_forward / gpt2_backward / gpt2_update. Every op here has a float64 twin in
// ref/, and ref/gpt.ts composes them in the same order.
//
// Buffers: parameters, gradients and the AdamW moments are each one flat buffer laid out by
// model/params.ts paddedLayout: the unembedding has Vp = V rounded up to a multiple of 4 rows, so
// the logits (B,T,Vp) and the head's three matmuls have a contiguous dimension of Vp and use vec4
// loads and stores. The padded rows are zero and stay zero: the cross-entropy counts the V
// classes only and writes 0 into the padded columns of dlogits, so their gradient is 0, AdamW
// keeps them 0, and the gradient norm steps over them (every step is bit-identical to the
// unpadded model's). writeFlat/readFlat convert from and to the run's unpadded layout.
// Every activation has a buffer of its own (a dispatch may not read and write one buffer). A
// training step is one recorded Program: clear grads, forward, losses, backward, gradient norm,
// AdamW. Nothing is read back inside it; per-step scalars land in `scalars`.
import { type RunConfig, usesAuxLoss, usesNitpHead } from './config.ts';
import {
  NAMES, VOCAB_MULTIPLE, blockNames, padParams, paddedLayout, paddedVocab, unembeddingName, unpadParams,
  type ModelShape, type PaddedLayout, type ParamLayout,
} from './params.ts';
import { createStorage, readFloats } from '../gpu/buffers.ts';
import { Program, type Binding } from '../gpu/program.ts';
import { encoderBackward, encoderForward, tokenIndex } from '../gpu/ops/encoder.ts';
import { splitInputsTargets } from '../data/batches.ts';
import { layernormBackward, layernormForward, layernormScratchFloats } from '../gpu/ops/layernorm.ts';
import { attentionBackward, attentionForward } from '../gpu/ops/attention.ts';
import { matmul, matmulBackward, matmulForward } from '../gpu/ops/matmul.ts';
import type { MatmulShape } from '../gpu/kernels.ts';
import type { TuneShapes } from '../gpu/tune.ts';
import { crossentropyForward, crossentropyForwardBackward } from '../gpu/ops/crossentropy.ts';
import { nitpLossForwardBackward } from '../gpu/ops/nitpLoss.ts';
import { cosineRegularizerForwardBackward } from '../gpu/ops/cosineRegularizer.ts';
import { addInPlace, meanReduce } from '../gpu/ops/reduce.ts';
import {
  SCALAR_AUX, SCALAR_COUNT, SCALAR_NTP, adamw, gradNormPartials, gradNormPartialsSize, optimizerPrepare,
} from '../gpu/ops/optimizer.ts';

interface LayerActivations {
  ln1: GPUBuffer; ln1Mean: GPUBuffer; ln1Rstd: GPUBuffer; // (B,T,C) (B,T) (B,T)
  qkv: GPUBuffer; // (B,T,3C)
  atty: GPUBuffer; // (B,T,C)
  att: GPUBuffer; // (B,NH,T,T) attention probabilities
  res2: GPUBuffer; // (B,T,C) residual after attention
  ln2: GPUBuffer; ln2Mean: GPUBuffer; ln2Rstd: GPUBuffer;
  fch: GPUBuffer; fchGelu: GPUBuffer; // (B,T,4C)
}

/** The batch inputs the CPU uploads before each step. */
export interface BatchBuffers {
  inputs: GPUBuffer; // (B,T) u32
  targets: GPUBuffer; // (B,T) u32
  tokenStart: GPUBuffer; // (V+1) u32, from tokenIndex()
  tokenPositions: GPUBuffer; // (B*T) u32
}

/**
 * The matmul shapes a training step of `config` records (forward, then each backward's dinp and
 * dweight), distinct and largest first: what the autotuner (gpu/tune.ts) times before a model is
 * recorded. gpt.gpu.test.ts checks the list against the shapes a recorded step actually contains.
 */
export function trainingMatmulShapes(config: RunConfig, shape: ModelShape, vocabMultiple = VOCAB_MULTIPLE): MatmulShape[] {
  const { T, C } = shape;
  const BT = config.train.batchSize * T;
  const Vp = paddedVocab(shape.V, vocabMultiple);
  const linears: [number, number][] = [[C, 3 * C], [C, C], [C, 4 * C], [4 * C, C], [C, Vp]]; // (in, out): qkv, attproj, fc, fcproj, logits
  if (usesNitpHead(config)) linears.push([C, 4 * C], [4 * C, C]);
  const shapes = new Map<string, MatmulShape>();
  const add = (M: number, N: number, K: number, transA: boolean, transB: boolean) => shapes.set(`${M},${N},${K},${transA},${transB}`, { M, N, K, transA, transB });
  for (const [input, output] of linears) {
    add(BT, output, input, false, true); // out = inp · Wᵀ
    add(BT, input, output, false, false); // dinp = dout · W
    add(output, input, BT, true, false); // dW += doutᵀ · inp
  }
  return [...shapes.values()].sort((x, y) => y.M * y.N * y.K - x.M * x.N * x.K);
}

/** What the autotuner times for a run of `config`: its matmul shapes and its cross-entropy rows. */
export function kernelTuneShapes(config: RunConfig, shape: ModelShape): TuneShapes {
  return { matmuls: trainingMatmulShapes(config, shape), rows: { N: config.train.batchSize * shape.T, V: shape.V, Vp: paddedVocab(shape.V) } };
}

export class GptGpu {
  readonly B: number;
  /** the run's parameter layout, unpadded: what writeFlat takes and readFlat returns */
  readonly layout: ParamLayout;
  /** the layout of params, grads, m and v on the GPU, the unembedding padded to Vp rows */
  readonly padded: PaddedLayout;
  /** the padded vocabulary: rows of the unembedding on the GPU, columns of the logits */
  readonly Vp: number;
  readonly params: GPUBuffer; // flat, padded.layout.totalFloats
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly stepCounter: GPUBuffer; // u32: updates done
  readonly scalars: GPUBuffer; // (SCALAR_COUNT) this step's loss, ntp, aux, gradNorm, lr, clip
  readonly evalScalars: GPUBuffer; // (SCALAR_COUNT) valNtp, valAux of the last evaluation
  readonly batch: BatchBuffers;
  /** residual stream: res[0] = x0 (embedding output), res[i] = after block i (B,T,C) */
  readonly res: GPUBuffer[];
  readonly layers: LayerActivations[];
  readonly lnf: GPUBuffer; // (B,T,C) final hidden state h
  private readonly owned: GPUBuffer[] = [];
  /** CPU staging of the batch upload, reused every step */
  private readonly host: { inputs: Int32Array<ArrayBuffer>; targets: Int32Array<ArrayBuffer>; tokenStart: Uint32Array<ArrayBuffer>; tokenPositions: Uint32Array<ArrayBuffer> };
  private readonly k: number; // NITP target layer
  private readonly a: {
    lnfMean: GPUBuffer; lnfRstd: GPUBuffer; logits: GPUBuffer; losses: GPUBuffer;
    // NITP head / regularizer (null when unused)
    a1: GPUBuffer | null; a2: GPUBuffer | null; g: GPUBuffer | null; pOut: GPUBuffer | null; // (B,T,4C) x3, (B,T,C)
    auxLosses: GPUBuffer | null; // (B*T) pair losses, or (B) per-sequence regularizer
    dp: GPUBuffer | null; dz: GPUBuffer | null; // (B,T,C)
    // backward scratch, reused across layers
    dres: GPUBuffer[]; // (L+1) x (B,T,C)
    dres2: GPUBuffer; dln: GPUBuffer; datty: GPUBuffer; dqkv: GPUBuffer; dfch: GPUBuffer;
    dpreatt: GPUBuffer; datt: GPUBuffer; dh: GPUBuffer;
    da1: GPUBuffer | null; da2: GPUBuffer | null;
    partials: GPUBuffer;
    lnScratch: GPUBuffer; // layernorm backward partial sums
  };

  /**
   * @param vocabMultiple the unembedding's rows are padded to a multiple of this (1: no padding;
   *   the tests compare the two, bit for bit)
   */
  constructor(
    readonly device: GPUDevice,
    readonly config: RunConfig,
    readonly shape: ModelShape,
    vocabMultiple = VOCAB_MULTIPLE,
  ) {
    const { T, L, C, NH, V } = shape;
    this.padded = paddedLayout(config, shape, vocabMultiple);
    this.layout = this.padded.unpadded;
    const layout = this.padded.layout;
    const Vp = (this.Vp = this.padded.Vp);
    const B = (this.B = config.train.batchSize);
    const BT = B * T;
    const buf = (floats: number, label: string) => {
      const b = createStorage(device, floats, label);
      this.owned.push(b);
      return b;
    };
    this.k = config.nitp.targetLayer;
    this.host = {
      inputs: new Int32Array(BT), targets: new Int32Array(BT),
      tokenStart: new Uint32Array(V + 1), tokenPositions: new Uint32Array(BT),
    };
    this.params = buf(layout.totalFloats, 'params');
    this.grads = buf(layout.totalFloats, 'grads');
    this.m = buf(layout.totalFloats, 'adam.m');
    this.v = buf(layout.totalFloats, 'adam.v');
    this.stepCounter = buf(4, 'stepCounter');
    this.scalars = buf(SCALAR_COUNT, 'scalars');
    this.evalScalars = buf(SCALAR_COUNT, 'evalScalars');
    this.batch = {
      inputs: buf(BT, 'inputs'), targets: buf(BT, 'targets'),
      tokenStart: buf(V + 1, 'tokenStart'), tokenPositions: buf(BT, 'tokenPositions'),
    };
    this.res = Array.from({ length: L + 1 }, (_, i) => buf(BT * C, `res${i}`));
    this.layers = Array.from({ length: L }, (_, l) => ({
      ln1: buf(BT * C, `ln1.${l}`), ln1Mean: buf(BT, 'ln1Mean'), ln1Rstd: buf(BT, 'ln1Rstd'),
      qkv: buf(BT * 3 * C, `qkv.${l}`), atty: buf(BT * C, `atty.${l}`),
      att: buf(B * NH * T * T, `att.${l}`),
      res2: buf(BT * C, `res2.${l}`),
      ln2: buf(BT * C, `ln2.${l}`), ln2Mean: buf(BT, 'ln2Mean'), ln2Rstd: buf(BT, 'ln2Rstd'),
      fch: buf(BT * 4 * C, `fch.${l}`), fchGelu: buf(BT * 4 * C, `fchGelu.${l}`),
    }));
    this.lnf = buf(BT * C, 'lnf');
    const head = usesNitpHead(config);
    const aux = usesAuxLoss(config);
    const nitp = aux && config.nitp.regularizer === 'nitp';
    this.a = {
      lnfMean: buf(BT, 'lnfMean'), lnfRstd: buf(BT, 'lnfRstd'),
      logits: buf(BT * Vp, 'logits'), losses: buf(BT, 'losses'),
      a1: head ? buf(BT * 4 * C, 'nitp.a1') : null,
      a2: head ? buf(BT * 4 * C, 'nitp.a2') : null,
      g: head ? buf(BT * 4 * C, 'nitp.g') : null,
      pOut: head ? buf(BT * C, 'nitp.p') : null,
      auxLosses: aux ? buf(BT, 'auxLosses') : null,
      dp: head ? buf(BT * C, 'nitp.dp') : null,
      dz: nitp && !config.nitp.stopGrad ? buf(BT * C, 'nitp.dz') : null,
      dres: Array.from({ length: L + 1 }, (_, i) => buf(BT * C, `dres${i}`)),
      dres2: buf(BT * C, 'dres2'), dln: buf(BT * C, 'dln'), datty: buf(BT * C, 'datty'),
      dqkv: buf(BT * 3 * C, 'dqkv'), dfch: buf(BT * 4 * C, 'dfch'),
      dpreatt: buf(B * NH * T * T, 'dpreatt'), datt: buf(B * NH * T * T, 'datt'),
      dh: buf(BT * C, 'dh'),
      da1: head ? buf(BT * 4 * C, 'nitp.da1') : null,
      da2: head ? buf(BT * 4 * C, 'nitp.da2') : null,
      partials: buf(gradNormPartialsSize(this.layout.totalFloats), 'gradNormPartials'),
      lnScratch: buf(layernormScratchFloats(BT, C), 'layernormScratch'),
    };
  }

  /**
   * Uploads a batch of token windows (B, T+1): inputs, targets and the per-token index the
   * embedding backward sums through. Queue-ordered with the programs submitted around it.
   */
  uploadBatch(tokens: Int32Array): void {
    const { T, V } = this.shape;
    const B = this.B;
    if (tokens.length !== B * (T + 1)) {
      throw new Error(`a batch must hold B*(T+1) = ${B}*${T + 1} = ${B * (T + 1)} tokens, got ${tokens.length}`);
    }
    const h = this.host;
    splitInputsTargets(tokens, B, T, h.inputs, h.targets);
    for (let i = 0; i < h.inputs.length; i++) {
      if (!(h.inputs[i] >= 0 && h.inputs[i] < V) || !(h.targets[i] >= 0 && h.targets[i] < V)) {
        throw new Error(`token id out of range 0..${V - 1} in the batch at position ${i}`);
      }
    }
    tokenIndex(h.inputs, V, h.tokenStart, h.tokenPositions);
    const q = this.device.queue;
    q.writeBuffer(this.batch.inputs, 0, h.inputs);
    q.writeBuffer(this.batch.targets, 0, h.targets);
    q.writeBuffer(this.batch.tokenStart, 0, h.tokenStart);
    q.writeBuffer(this.batch.tokenPositions, 0, h.tokenPositions);
  }

  /**
   * A binding of one parameter tensor (or its gradient, with `of = this.grads`), as the GPU holds
   * it: the unembedding with its Vp rows.
   */
  tensor(name: string, of: GPUBuffer = this.params): Binding {
    const t = this.padded.layout.byName.get(name);
    if (!t) throw new Error(`no parameter tensor named ${name}`);
    return { buffer: of, offset: t.offset * 4, size: t.size * 4 };
  }

  /** Writes `flat` (the run's unpadded layout) into params, grads, m or v, padding rows zero. */
  writeFlat(buffer: GPUBuffer, flat: Float32Array): void {
    this.device.queue.writeBuffer(buffer, 0, padParams(this.padded, flat));
  }

  /** Reads params, grads, m or v back in the run's unpadded layout. */
  async readFlat(buffer: GPUBuffer): Promise<Float32Array> {
    return unpadParams(this.padded, await readFloats(this.device, buffer, this.padded.layout.totalFloats));
  }

  /** Logits (B,T,Vp) of the last evaluation forward pass, columns V..Vp-1 padding (training turns them into dlogits). */
  get logits(): GPUBuffer {
    return this.a.logits;
  }

  /** Per-position losses of the last forward pass: NTP (B*T), and the aux loss per pair (B*(T-1) or B*T) or per sequence (B, generic regularizer). */
  get positionLosses(): { ntp: GPUBuffer; aux: GPUBuffer | null } {
    return { ntp: this.a.losses, aux: this.a.auxLosses };
  }

  /** The NITP prediction P(h) of the last forward pass (h itself for head "none"), or null without NITP. */
  nitpPrediction(): GPUBuffer | null {
    const { lambda, regularizer } = this.config.nitp;
    if (lambda === 0 || regularizer !== 'nitp') return null;
    return this.a.pOut ?? this.lnf;
  }

  /** Hidden state of layer k: 0 = embedding output, i = after block i. */
  hidden(k: number): GPUBuffer {
    return this.res[k];
  }

  /** Records the forward pass up to the final hidden state h = lnf. */
  private recordBackbone(p: Program): void {
    const { T, C, NH, V } = this.shape;
    const B = this.B;
    const BT = B * T;
    const P = (name: string) => this.tensor(name);
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    encoderForward(p, b(this.res[0]), b(this.batch.inputs), P(NAMES.wte), P(NAMES.wpe), B, T, C, V);
    this.layers.forEach((a, l) => {
      const n = blockNames(l);
      layernormForward(p, b(a.ln1), b(a.ln1Mean), b(a.ln1Rstd), b(this.res[l]), P(n.ln1w), P(n.ln1b), BT, C);
      matmulForward(p, b(a.qkv), b(a.ln1), P(n.qkvw), P(n.qkvb), BT, C, 3 * C);
      attentionForward(p, b(a.atty), b(a.att), b(a.qkv), B, T, C, NH);
      matmulForward(p, b(a.res2), b(a.atty), P(n.attprojw), P(n.attprojb), BT, C, C, { addend: b(this.res[l]) });
      layernormForward(p, b(a.ln2), b(a.ln2Mean), b(a.ln2Rstd), b(a.res2), P(n.ln2w), P(n.ln2b), BT, C);
      matmulForward(p, b(a.fch), b(a.ln2), P(n.fcw), P(n.fcb), BT, C, 4 * C, { gelu: b(a.fchGelu) });
      matmulForward(p, b(this.res[l + 1]), b(a.fchGelu), P(n.fcprojw), P(n.fcprojb), BT, 4 * C, C, { addend: b(a.res2) });
    });
    const L = this.shape.L;
    layernormForward(p, b(this.lnf), b(this.a.lnfMean), b(this.a.lnfRstd), b(this.res[L]), P(NAMES.lnfw), P(NAMES.lnfb), BT, C);
  }

  /** The unembedding (Vp, C): wte when tied, else lm_head; rows V..Vp-1 zero. */
  private unembedding(): Binding {
    return this.tensor(unembeddingName(this.config));
  }

  /** Logits (B,T,Vp) of the final hidden state; the padded columns are 0 (zero rows) and never count. */
  private recordLogits(p: Program): void {
    const { T, C } = this.shape;
    matmul(p, { out: { buffer: this.a.logits }, a: { buffer: this.lnf }, b: this.unembedding(), M: this.B * T, N: this.Vp, K: C, transA: false, transB: true });
  }

  /**
   * Auxiliary loss forward (and, with `backward`, its gradient into dp / dh / dz). Writes the
   * mean aux loss into `out[SCALAR_AUX]`. With head "swiglu", p = W3·(silu(W1·h) ⊙ W2·h).
   */
  private recordAux(p: Program, out: GPUBuffer): void {
    const { T, C } = this.shape;
    const B = this.B;
    const BT = B * T;
    const { lambda, regularizer, shift, loss } = this.config.nitp;
    const a = this.a;
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    if (regularizer === 'generic-cosine') {
      // dh already holds the NTP gradient; the regularizer adds λ/B · d(loss_b)/dh.
      cosineRegularizerForwardBackward(p, b(a.auxLosses!), b(a.dh), b(this.lnf), B, T, C, lambda / B);
      meanReduce(p, b(out), b(a.auxLosses!), B, 1 / B, SCALAR_AUX);
      return;
    }
    const pairs = shift === 'next' ? B * (T - 1) : BT;
    let pOut: GPUBuffer = this.lnf;
    if (a.pOut) {
      matmulForward(p, b(a.a1!), b(this.lnf), this.tensor(NAMES.nitpW1), undefined, BT, C, 4 * C);
      matmulForward(p, b(a.a2!), b(this.lnf), this.tensor(NAMES.nitpW2), undefined, BT, C, 4 * C, { swiglu: { gate: b(a.a1!), post: b(a.g!) } });
      matmulForward(p, b(a.pOut), b(a.g!), this.tensor(NAMES.nitpW3), undefined, BT, 4 * C, C);
      pOut = a.pOut;
    }
    // Head "none": p is h itself, so dp accumulates straight into dh.
    const dp = a.dp ?? a.dh;
    nitpLossForwardBackward(
      p, b(a.auxLosses!), b(dp), a.dz ? b(a.dz) : undefined, b(pOut), b(this.hidden(this.k)),
      B, T, C, shift, loss, lambda / pairs, a.dp === null,
    );
    meanReduce(p, b(out), b(a.auxLosses!), pairs, 1 / pairs, SCALAR_AUX);
  }

  /** Backward through the NITP head: dh += dP/dh · dp, head weight grads +=. */
  private recordHeadBackward(p: Program): void {
    const a = this.a;
    if (!a.pOut) return;
    const { T, C } = this.shape;
    const BT = this.B * T;
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    const G = (name: string) => this.tensor(name, this.grads);
    const W = (name: string) => this.tensor(name);
    // p = W3·g with g = silu(a1) ⊙ a2: dg = dp·W3 goes through the gate into da1 and da2.
    matmulBackward(p, b(a.da1!), G(NAMES.nitpW3), undefined, b(a.dp!), b(a.g!), W(NAMES.nitpW3), BT, 4 * C, C, {
      swiglu: { gate: b(a.a1!), up: b(a.a2!), dUp: b(a.da2!) },
    });
    matmulBackward(p, b(a.dh), G(NAMES.nitpW1), undefined, b(a.da1!), b(this.lnf), W(NAMES.nitpW1), BT, C, 4 * C, { accumulateDinp: true });
    matmulBackward(p, b(a.dh), G(NAMES.nitpW2), undefined, b(a.da2!), b(this.lnf), W(NAMES.nitpW2), BT, C, 4 * C, { accumulateDinp: true });
  }

  /** Records one full training step: the batch must be uploaded before the program runs. */
  recordTrainStep(p: Program): void {
    this.recordForwardBackward(p);
    this.recordOptimizer(p);
  }

  /** Records forward, losses and backward: grads = dL/dθ, scalars[NTP], scalars[AUX]. */
  recordForwardBackward(p: Program): void {
    const { T, L, C, NH, V } = this.shape;
    const B = this.B;
    const BT = B * T;
    const a = this.a;
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    const P = (name: string) => this.tensor(name);
    const G = (name: string) => this.tensor(name, this.grads);
    p.clear(b(this.grads));
    this.recordBackbone(p);
    this.recordLogits(p);
    // Cross-entropy forward + backward in place: logits become dlogits = (softmax − onehot)/(B·T)
    // over the V classes, 0 in the Vp − V padded columns.
    const Vp = this.Vp;
    crossentropyForwardBackward(p, b(a.losses), b(a.logits), b(a.logits), b(this.batch.targets), BT, V, 1 / BT, Vp);
    meanReduce(p, b(this.scalars), b(a.losses), BT, 1 / BT, SCALAR_NTP);
    // dh = dlogits·W; dW += dlogitsᵀ·h (for tied embeddings, wte's encoder gradient adds later).
    // Over Vp: the padded columns of dlogits are 0, so they add exact zeros to dh and the padded
    // rows of dW stay 0.
    const unembedGrad = this.tensor(unembeddingName(this.config), this.grads);
    matmul(p, { out: b(a.dh), a: b(a.logits), b: this.unembedding(), M: BT, N: C, K: Vp, transA: false, transB: false });
    matmul(p, { out: unembedGrad, a: b(a.logits), b: b(this.lnf), M: Vp, N: C, K: BT, transA: true, transB: false, accumulate: true });
    if (usesAuxLoss(this.config)) {
      this.recordAux(p, this.scalars);
      this.recordHeadBackward(p);
    }
    // Final LayerNorm: dres[L] += LN_f'(dh)
    layernormBackward(p, b(a.dres[L]), G(NAMES.lnfw), G(NAMES.lnfb), b(a.dh), b(this.res[L]), P(NAMES.lnfw), b(a.lnfMean), b(a.lnfRstd), BT, C, b(a.lnScratch), { overwrite: true });
    if (a.dz && this.k === L) addInPlace(p, b(a.dres[L]), b(a.dz), BT * C);
    for (let l = L - 1; l >= 0; l--) {
      const n = blockNames(l);
      const x = this.layers[l];
      const dout = a.dres[l + 1];
      // MLP: res[l+1] = res2 + fcproj(gelu(fc(ln2(res2))))
      matmulBackward(p, b(a.dfch), G(n.fcprojw), G(n.fcprojb), b(dout), b(x.fchGelu), P(n.fcprojw), BT, 4 * C, C, { geluPre: b(x.fch) });
      matmulBackward(p, b(a.dln), G(n.fcw), G(n.fcb), b(a.dfch), b(x.ln2), P(n.fcw), BT, C, 4 * C);
      // the residual's gradient plus LayerNorm's, written at once (no copy: compute passes stay unbroken)
      layernormBackward(p, b(a.dres2), G(n.ln2w), G(n.ln2b), b(a.dln), b(x.res2), P(n.ln2w), b(x.ln2Mean), b(x.ln2Rstd), BT, C, b(a.lnScratch), { base: b(dout) });
      // Attention: res2 = res[l] + attproj(attn(qkv(ln1(res[l]))))
      matmulBackward(p, b(a.datty), G(n.attprojw), G(n.attprojb), b(a.dres2), b(x.atty), P(n.attprojw), BT, C, C);
      attentionBackward(p, b(a.dqkv), b(a.dpreatt), b(a.datt), b(a.datty), b(x.qkv), b(x.att), B, T, C, NH);
      matmulBackward(p, b(a.dln), G(n.qkvw), G(n.qkvb), b(a.dqkv), b(x.ln1), P(n.qkvw), BT, C, 3 * C);
      layernormBackward(p, b(a.dres[l]), G(n.ln1w), G(n.ln1b), b(a.dln), b(this.res[l]), P(n.ln1w), b(x.ln1Mean), b(x.ln1Rstd), BT, C, b(a.lnScratch), { base: b(a.dres2) });
      if (a.dz && this.k === l) addInPlace(p, b(a.dres[l]), b(a.dz), BT * C);
    }
    encoderBackward(p, G(NAMES.wte), G(NAMES.wpe), b(a.dres[0]), b(this.batch.tokenStart), b(this.batch.tokenPositions), B, T, C, V);
  }

  /** Records the update: global norm → clip scale, lr → AdamW, all on the GPU. */
  recordOptimizer(p: Program): void {
    const a = this.a;
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    const train = this.config.train;
    // the norm sums the unpadded layout's floats in its order, stepping over the padding (zeros)
    const unpadded = this.layout.totalFloats;
    gradNormPartials(p, b(a.partials), b(this.grads), unpadded, this.padded.gap);
    optimizerPrepare(p, b(this.scalars), b(this.stepCounter), b(a.partials), gradNormPartialsSize(unpadded), {
      lr: train.lr, warmupSteps: train.warmupSteps, steps: train.steps, schedule: train.schedule,
      maxNorm: train.gradClip, lambda: this.config.nitp.lambda,
    });
    // elementwise over the padded buffer: a padded row has θ = m = v = g = 0 and keeps them
    const n = this.padded.layout.totalFloats;
    adamw(p, b(this.params), b(this.grads), b(this.m), b(this.v), b(this.scalars), b(this.stepCounter), n, this.padded.layout.decayFloats, {
      beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: train.weightDecay,
    });
  }

  /**
   * Records a forward-only evaluation of the uploaded batch: mean NTP loss into
   * evalScalars[SCALAR_NTP] and mean aux loss into evalScalars[SCALAR_AUX]; hidden states of
   * every layer stay in res[] and lnf for metrics.
   */
  recordEval(p: Program): void {
    const { T, V } = this.shape;
    const BT = this.B * T;
    const b = (x: GPUBuffer): Binding => ({ buffer: x });
    this.recordBackbone(p);
    this.recordLogits(p);
    crossentropyForward(p, b(this.a.losses), b(this.a.logits), b(this.batch.targets), BT, V, this.Vp);
    meanReduce(p, b(this.evalScalars), b(this.a.losses), BT, 1 / BT, SCALAR_NTP);
    // The aux loss kernels also write gradients; here they land in scratch that nothing reads.
    if (usesAuxLoss(this.config)) this.recordAux(p, this.evalScalars);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}
