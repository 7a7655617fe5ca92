// params.ts: the parameter tensors of a run (nanoGPT state-dict names, weights [out, in]), their
// initialisation (docs/method.md §2) and their layout in one flat GPU buffer.
//
// Flat layout: tensors with weight decay (2-D) first, then those without (biases, LayerNorm), so
// AdamW decays the prefix [0, decayFloats). Every offset is a multiple of 64 floats (256 bytes,
// WebGPU's minStorageBufferOffsetAlignment) so a tensor can be bound on its own.
//
// Padded vocabulary (paddedLayout): on the GPU the unembedding (wte when tied, else lm_head) has
// Vp = V rounded up to a multiple of 4 rows (llm.c's Vp), so the head's matmuls, whose contiguous
// dimension is then Vp, load and store aligned vec4s. The extra rows are zero and stay zero (no
// logit counts them, so their gradient is 0 and AdamW leaves them 0). Only the engine sees them:
// checkpoints, readParams(), the reference and every parameter count use the unpadded layout, and
// padParams / unpadParams convert (the engine pads on load and unpads on save).
import { Rng } from '../util/rng.ts';
import { usesNitpHead, type RunConfig } from './config.ts';

export interface ModelShape {
  V: number; // vocabulary size
  T: number; // context length (wpe rows)
  L: number; // layers
  C: number; // width d
  NH: number; // heads
}

type Init = 'normal' | 'residualProjection' | 'zeros' | 'ones';

export interface TensorSpec {
  name: string;
  shape: number[];
  init: Init;
  /** backbone tensors draw from the run's "init" stream, the NITP head from "nitp-head". */
  stream: 'backbone' | 'head';
}

export interface TensorSlot extends TensorSpec {
  /** offset in the flat buffer, in floats (multiple of 64) */
  offset: number;
  /** number of elements */
  size: number;
  decay: boolean;
  /** position in parameterSpecs() order, which is the init order */
  index: number;
}

export interface ParamLayout {
  tensors: TensorSlot[];
  byName: Map<string, TensorSlot>;
  /** floats in the flat buffer, padding included */
  totalFloats: number;
  /** tensors in [0, decayFloats) get weight decay */
  decayFloats: number;
  /** number of parameters, padding excluded */
  count: number;
}

export const ALIGN_FLOATS = 64;
const INIT_STD = 0.02;

export function modelShape(config: RunConfig, vocabSize: number): ModelShape {
  const m = config.model;
  return { V: vocabSize, T: m.contextLength, L: m.nLayer, C: m.dModel, NH: m.nHead };
}

/** Per-block tensor names, in nanoGPT's order. */
export function blockNames(i: number) {
  const h = `transformer.h.${i}`;
  return {
    ln1w: `${h}.ln_1.weight`, ln1b: `${h}.ln_1.bias`,
    qkvw: `${h}.attn.c_attn.weight`, qkvb: `${h}.attn.c_attn.bias`,
    attprojw: `${h}.attn.c_proj.weight`, attprojb: `${h}.attn.c_proj.bias`,
    ln2w: `${h}.ln_2.weight`, ln2b: `${h}.ln_2.bias`,
    fcw: `${h}.mlp.c_fc.weight`, fcb: `${h}.mlp.c_fc.bias`,
    fcprojw: `${h}.mlp.c_proj.weight`, fcprojb: `${h}.mlp.c_proj.bias`,
  };
}

export const NAMES = {
  wte: 'transformer.wte.weight',
  wpe: 'transformer.wpe.weight',
  lnfw: 'transformer.ln_f.weight',
  lnfb: 'transformer.ln_f.bias',
  lmHead: 'lm_head.weight',
  nitpW1: 'nitp.w1.weight',
  nitpW2: 'nitp.w2.weight',
  nitpW3: 'nitp.w3.weight',
} as const;

/** Every trainable tensor of the run, in init order (backbone first, NITP head last). */
export function parameterSpecs(config: RunConfig, s: ModelShape): TensorSpec[] {
  const { V, T, L, C } = s;
  const specs: TensorSpec[] = [];
  const add = (name: string, shape: number[], init: Init, stream: 'backbone' | 'head' = 'backbone') =>
    specs.push({ name, shape, init, stream });
  add(NAMES.wte, [V, C], 'normal');
  add(NAMES.wpe, [T, C], 'normal');
  for (let i = 0; i < L; i++) {
    const n = blockNames(i);
    add(n.ln1w, [C], 'ones');
    add(n.ln1b, [C], 'zeros');
    add(n.qkvw, [3 * C, C], 'normal');
    add(n.qkvb, [3 * C], 'zeros');
    add(n.attprojw, [C, C], 'residualProjection');
    add(n.attprojb, [C], 'zeros');
    add(n.ln2w, [C], 'ones');
    add(n.ln2b, [C], 'zeros');
    add(n.fcw, [4 * C, C], 'normal');
    add(n.fcb, [4 * C], 'zeros');
    add(n.fcprojw, [C, 4 * C], 'residualProjection');
    add(n.fcprojb, [C], 'zeros');
  }
  add(NAMES.lnfw, [C], 'ones');
  add(NAMES.lnfb, [C], 'zeros');
  if (!config.model.tieEmbeddings) add(NAMES.lmHead, [V, C], 'normal');
  if (usesNitpHead(config)) {
    add(NAMES.nitpW1, [4 * C, C], 'normal', 'head');
    add(NAMES.nitpW2, [4 * C, C], 'normal', 'head');
    add(NAMES.nitpW3, [C, 4 * C], 'normal', 'head');
  }
  return specs;
}

export function paramLayout(specs: TensorSpec[]): ParamLayout {
  const indexed = specs.map((spec, index) => ({ spec, index }));
  const decayed = indexed.filter((t) => t.spec.shape.length >= 2);
  const plain = indexed.filter((t) => t.spec.shape.length < 2);
  const tensors: TensorSlot[] = [];
  let offset = 0;
  let count = 0;
  let decayFloats = 0;
  for (const group of [decayed, plain]) {
    for (const { spec, index } of group) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      tensors.push({ ...spec, offset, size, decay: spec.shape.length >= 2, index });
      offset += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
      count += size;
    }
    if (group === decayed) decayFloats = offset;
  }
  return { tensors, byName: new Map(tensors.map((t) => [t.name, t])), totalFloats: offset, decayFloats, count };
}

/**
 * Draws the initial weights (nanoGPT init, docs/method.md §2) into a flat Float32Array laid out by
 * `layout`. Backbone tensors draw in spec order from stream "init", the head from "nitp-head",
 * so an NTP run and an NITP run with the same seed share bit-identical backbone weights.
 */
export function initParams(layout: ParamLayout, seed: number, nLayer: number): Float32Array {
  const flat = new Float32Array(layout.totalFloats);
  const streams = { backbone: new Rng(seed, 'init'), head: new Rng(seed, 'nitp-head') };
  const inInitOrder = [...layout.tensors].sort((a, b) => a.index - b.index);
  for (const t of inInitOrder) {
    const view = flat.subarray(t.offset, t.offset + t.size);
    const rng = streams[t.stream];
    if (t.init === 'ones') view.fill(1);
    else if (t.init === 'normal') rng.fillNormal(view, INIT_STD);
    else if (t.init === 'residualProjection') rng.fillNormal(view, INIT_STD / Math.sqrt(2 * nLayer));
  }
  return flat;
}

/** Views of each tensor in a flat array, by name. */
export function tensorViews<A extends Float32Array | Float64Array>(layout: ParamLayout, flat: A): Map<string, A> {
  return new Map(layout.tensors.map((t) => [t.name, flat.subarray(t.offset, t.offset + t.size) as A]));
}

/** The engine pads the unembedding's V rows to a multiple of this (vec4 loads in the head's matmuls). */
export const VOCAB_MULTIPLE = 4;

/** Vp: V rounded up to a multiple of `multiple`. */
export function paddedVocab(V: number, multiple = VOCAB_MULTIPLE): number {
  if (!Number.isInteger(multiple) || multiple < 1) throw new Error(`the vocabulary multiple must be a positive integer, got ${multiple}`);
  return Math.ceil(V / multiple) * multiple;
}

/** The tensor the logits are computed with: wte when the embeddings are tied, else lm_head. */
export function unembeddingName(config: RunConfig): string {
  return config.model.tieEmbeddings ? NAMES.wte : NAMES.lmHead;
}

/** The flat parameter buffer as the engine holds it: the unembedding padded to Vp rows. */
export interface PaddedLayout {
  /** the GPU's layout: the unembedding (V rows, then Vp - V rows of zeros) and everything after it moved up */
  layout: ParamLayout;
  /** the run's own layout (checkpoints, readParams, the reference) */
  unpadded: ParamLayout;
  V: number;
  Vp: number;
  /**
   * The floats the padding adds to the flat buffer, as a gap in the unpadded order: unpadded
   * offsets from `at` on lie `floats` further on in `layout` (0 floats when the unembedding's
   * 64-float alignment already had room). gradNormPartials steps over it.
   */
  gap: { at: number; floats: number };
}

/**
 * The padded layout of a run with vocabulary shape.V: the unembedding gets Vp = paddedVocab(V,
 * multiple) rows (multiple 1: no padding, the layout of the run itself).
 */
export function paddedLayout(config: RunConfig, shape: ModelShape, multiple = VOCAB_MULTIPLE): PaddedLayout {
  const specs = parameterSpecs(config, shape);
  const unpadded = paramLayout(specs);
  const Vp = paddedVocab(shape.V, multiple);
  const name = unembeddingName(config);
  const layout = paramLayout(specs.map((t) => (t.name === name ? { ...t, shape: [Vp, ...t.shape.slice(1)] } : t)));
  const u = unpadded.byName.get(name)!;
  const gap = { at: u.offset + Math.ceil(u.size / ALIGN_FLOATS) * ALIGN_FLOATS, floats: layout.totalFloats - unpadded.totalFloats };
  for (const t of unpadded.tensors) {
    const moved = t.offset + (t.offset >= gap.at ? gap.floats : 0);
    if (layout.byName.get(t.name)!.offset !== moved) throw new Error(`paddedLayout: ${t.name} is not where the gap puts it`);
  }
  return { layout, unpadded, V: shape.V, Vp, gap };
}

/** A flat array of the run's layout (`pl.unpadded`) in the engine's: each tensor moved to its padded offset, padding zero. */
export function padParams(pl: PaddedLayout, flat: Float32Array): Float32Array {
  if (flat.length !== pl.unpadded.totalFloats) throw new Error(`padParams: expected ${pl.unpadded.totalFloats} floats, got ${flat.length}`);
  const out = new Float32Array(pl.layout.totalFloats);
  for (const t of pl.unpadded.tensors) out.set(flat.subarray(t.offset, t.offset + t.size), pl.layout.byName.get(t.name)!.offset);
  return out;
}

/** The inverse of padParams: the engine's flat array in the run's layout, padding dropped. */
export function unpadParams(pl: PaddedLayout, flat: Float32Array): Float32Array {
  if (flat.length !== pl.layout.totalFloats) throw new Error(`unpadParams: expected ${pl.layout.totalFloats} floats, got ${flat.length}`);
  const out = new Float32Array(pl.unpadded.totalFloats);
  for (const t of pl.unpadded.tensors) {
    const at = pl.layout.byName.get(t.name)!.offset;
    out.set(flat.subarray(at, at + t.size), t.offset);
  }
  return out;
}
