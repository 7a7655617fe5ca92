// memory.ts: every GPU buffer a run allocates (model/gpt.ts: parameters, gradients, AdamW moments,
// activations, logits, backward scratch; train/evaluator.ts: the evaluation set's hidden states
// and metric buffers; train/trainer.ts: the metrics ring), computed from the config before
// anything is allocated, and checked against the device's limits and a stated total budget. Pure:
// the page uses it to ask before loading a large model; the worker and the CLI refuse a config
// that does not fit, naming the limit and the config fields to shrink. memory.gpu.test.ts keeps
// this list equal to what the constructors really allocate.
import { type RunConfig, usesAuxLoss, usesNitpHead } from './config.ts';
import { modelShape, paddedLayout } from './params.ts';

/** The GPU memory both runs of the page's pair, or the CLI's one run, may use unless told otherwise. */
export const MEMORY_BUDGET_BYTES = 4 * 2 ** 30;
/** A link asking for more than this (both runs) is loaded only once the visitor agrees. */
export const LARGE_MODEL_BYTES = 512 * 2 ** 20;
/**
 * Storage buffers one dispatch binds at most, measured over every recorded dispatch by
 * memory.gpu.test.ts. WebGPU guarantees 8 per stage, so only a non-conforming device fails this.
 */
export const STORAGE_BINDINGS_NEEDED = 7;

export interface PlannedBuffer {
  /** as gpt.ts/evaluator.ts label it, e.g. "logits", "att.0" (one entry per buffer) */
  name: string;
  bytes: number;
  /** bound as a storage buffer (checked against maxStorageBufferBindingSize) */
  storage: boolean;
  /** the config fields whose product makes it large */
  fields: readonly string[];
}

export interface MemoryPlan {
  buffers: PlannedBuffer[];
  total: number;
  parameters: number;
}

const ACT = ['train.batchSize', 'model.contextLength', 'model.dModel'] as const;
const ATT = ['train.batchSize', 'model.nHead', 'model.contextLength'] as const;
const PARAMS = ['model.nLayer', 'model.dModel'] as const;
const EVAL = ['eval.sequences', 'model.contextLength', 'model.dModel'] as const;

const align64 = (floats: number) => Math.ceil(floats / 64) * 64;

/**
 * covariancePlan's scratch (gpu/ops/metrics.ts) for (N, C), the larger of its two variants (the
 * real-GPU one: shorter chunks, more partials); memory.gpu.test.ts checks it bounds the real one.
 */
function covarianceScratchBound(N: number, C: number): number {
  const C4 = Math.ceil(C / 4);
  const nb = Math.ceil(C / 8);
  const pairs = (nb * (nb + 1)) / 2;
  const meanChunks = Math.ceil(N / Math.max(64, Math.ceil(N / 65535)));
  const maxGramChunks = Math.max(1, Math.min(65535, Math.floor(2 ** 22 / (pairs * 64))));
  const gramChunks = Math.ceil(N / Math.max(32, Math.ceil(N / maxGramChunks)));
  return align64(meanChunks * 2 * C4 * 4) + gramChunks * pairs * 64;
}

/** createStorage's size: at least 16 bytes, a multiple of 16. */
const storageBytes = (floats: number) => Math.max(16, Math.ceil((floats * 4) / 16) * 16);

/** The buffers of one run (config as given: the NTP run of a pair has nitp.lambda = 0). */
export function runMemoryPlan(config: RunConfig, vocabSize: number): MemoryPlan {
  const shape = modelShape(config, vocabSize);
  const { T, L, C, NH, V } = shape;
  // the GPU holds the padded layout (model/params.ts: the unembedding with Vp rows); counts are unpadded
  const { layout: gpuLayout, unpadded: layout, Vp } = paddedLayout(config, shape);
  const B = config.train.batchSize;
  const BT = B * T;
  const buffers: PlannedBuffer[] = [];
  const add = (name: string, floats: number, fields: readonly string[], storage = true) => buffers.push({ name, bytes: storageBytes(floats), storage, fields });
  const vocabFields = config.data.tokenizer === 'bpe' ? ['data.vocabSize'] : ['the vocabulary (data.tokenizer "bpe" with a smaller data.vocabSize)'];
  const paramFields = config.model.tieEmbeddings ? PARAMS : [...PARAMS, 'model.tieEmbeddings'];
  for (const name of ['params', 'grads', 'adam.m', 'adam.v']) add(name, gpuLayout.totalFloats, paramFields);
  add('stepCounter', 4, []);
  add('scalars', 8, []);
  add('evalScalars', 8, []);
  add('inputs', BT, ACT.slice(0, 2));
  add('targets', BT, ACT.slice(0, 2));
  add('tokenStart', V + 1, vocabFields);
  add('tokenPositions', BT, ACT.slice(0, 2));
  for (let i = 0; i <= L; i++) add(`res${i}`, BT * C, ACT);
  for (let l = 0; l < L; l++) {
    add(`ln1.${l}`, BT * C, ACT); add('ln1Mean', BT, ACT.slice(0, 2)); add('ln1Rstd', BT, ACT.slice(0, 2));
    add(`qkv.${l}`, BT * 3 * C, ACT); add(`atty.${l}`, BT * C, ACT);
    add(`att.${l}`, B * NH * T * T, ATT);
    add(`res2.${l}`, BT * C, ACT);
    add(`ln2.${l}`, BT * C, ACT); add('ln2Mean', BT, ACT.slice(0, 2)); add('ln2Rstd', BT, ACT.slice(0, 2));
    add(`fch.${l}`, BT * 4 * C, ACT); add(`fchGelu.${l}`, BT * 4 * C, ACT);
  }
  add('lnf', BT * C, ACT);
  const head = usesNitpHead(config);
  const aux = usesAuxLoss(config);
  const nitp = aux && config.nitp.regularizer === 'nitp';
  add('lnfMean', BT, ACT.slice(0, 2)); add('lnfRstd', BT, ACT.slice(0, 2));
  add('logits', BT * Vp, ['train.batchSize', 'model.contextLength', ...vocabFields]);
  add('losses', BT, ACT.slice(0, 2));
  if (head) for (const name of ['nitp.a1', 'nitp.a2', 'nitp.g']) add(name, BT * 4 * C, ACT);
  if (head) add('nitp.p', BT * C, ACT);
  if (aux) add('auxLosses', BT, ACT.slice(0, 2));
  if (head) add('nitp.dp', BT * C, ACT);
  if (nitp && !config.nitp.stopGrad) add('nitp.dz', BT * C, ACT);
  for (let i = 0; i <= L; i++) add(`dres${i}`, BT * C, ACT);
  for (const name of ['dres2', 'dln', 'datty']) add(name, BT * C, ACT);
  add('dqkv', BT * 3 * C, ACT);
  add('dfch', BT * 4 * C, ACT);
  add('dpreatt', B * NH * T * T, ATT);
  add('datt', B * NH * T * T, ATT);
  add('dh', BT * C, ACT);
  if (head) for (const name of ['nitp.da1', 'nitp.da2']) add(name, BT * 4 * C, ACT);
  add('gradNormPartials', 1024, []); // at most MAX_PARTIALS (gpu/ops/optimizer.ts)
  add('layernormScratch', Math.ceil(BT / 32) * 2 * C, ACT); // layernormScratchFloats (gpu/ops/layernorm.ts)
  // the generic regularizer's scratch, once in the training step's program and once in the evaluation's
  if (aux && !nitp) for (let k = 0; k < 2; k++) for (const [name, floats] of [['cosreg.norms', BT], ['cosreg.S', B * C], ['cosreg.r', BT]] as const) add(name, floats, ACT);
  // trainer.ts: the metrics ring (256 steps of 8 scalars), a copy target, never bound
  add('metricsRing', 256 * 8, [], false);

  // evaluator.ts: the evaluation set's hidden states and losses, the metric buffers
  const E = config.eval.sequences;
  const N = E * T;
  for (let k = 0; k <= L; k++) add(`evalRes${k}`, N * C, EVAL);
  add('evalLnf', N * C, EVAL);
  if (nitp) add('evalPrediction', N * C, EVAL);
  add('evalNtpLosses', N, EVAL.slice(0, 2));
  const shift = config.nitp.shift === 'next' ? 1 : 0;
  if (aux) add('evalAuxLosses', E * (nitp ? T - shift : 1), EVAL.slice(0, 2));
  add('evalPairs', 2 * 4096, []);
  add('pcaRows', Math.min(1024, N), []);
  const layers = L + 2;
  const statsStride = align64(align64(C + 1) + C * C); // covarianceStatsLayout(C).floats, 256-byte aligned
  add('evalStats', layers * statsStride, ['model.dModel', 'model.nLayer']);
  add('evalCosines', layers * 4096, ['model.nLayer']);
  add('pcaAxes', 3 * C, []);
  add('pcaPoints', Math.min(1024, N) * 3, []);
  add('covarianceScratch', covarianceScratchBound(N, C), EVAL);
  if (nitp) add('alignment', E * (T - shift), EVAL.slice(0, 2));
  return { buffers, total: buffers.reduce((t, b) => t + b.bytes, 0), parameters: layout.count };
}

/** Both runs of the page's pair: the NTP run (λ = 0) and the config as given (train/pair.ts). */
export function pairMemoryPlan(config: RunConfig, vocabSize: number): MemoryPlan {
  const ntp = runMemoryPlan({ ...config, nitp: { ...config.nitp, lambda: 0 } }, vocabSize);
  const nitp = runMemoryPlan(config, vocabSize);
  return {
    buffers: [...ntp.buffers.map((b) => ({ ...b, name: `NTP ${b.name}` })), ...nitp.buffers.map((b) => ({ ...b, name: `NITP ${b.name}` }))],
    total: ntp.total + nitp.total,
    parameters: nitp.parameters,
  };
}

/**
 * A rough size of both runs before the data is loaded (the vocabulary then is not known: BPE's
 * data.vocabSize, else 256 characters), for asking before a link's large model is allocated.
 */
export function estimatePairBytes(config: RunConfig): number {
  return pairMemoryPlan(config, config.data.tokenizer === 'bpe' ? config.data.vocabSize : 256).total;
}

/** A config that does not fit the GPU: the message names the limit and the fields to shrink. */
export class GpuLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuLimitError';
  }
}

/** The device limits the plan is checked against (a GPUSupportedLimits has them all). */
export type MemoryLimits = Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize' | 'maxStorageBuffersPerShaderStage'>;

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

const shrink = (fields: readonly string[]) => fields.length ? `shrink ${fields.join(', ')}` : 'use a smaller model';

/**
 * Throws GpuLimitError when a buffer of `plan` exceeds maxBufferSize or maxStorageBufferBindingSize,
 * the kernels need more storage buffers per stage than the device allows, or the total exceeds
 * `budget`. `needs` starts the message about the total ("both runs need", "the run needs").
 */
export function checkMemoryPlan(plan: MemoryPlan, limits: MemoryLimits, budget = MEMORY_BUDGET_BYTES, needs = 'both runs need'): void {
  if (limits.maxStorageBuffersPerShaderStage < STORAGE_BINDINGS_NEEDED) {
    throw new GpuLimitError(`this GPU allows ${limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage (maxStorageBuffersPerShaderStage); ` +
      `the lab's kernels bind up to ${STORAGE_BINDINGS_NEEDED}. No config changes that: use another browser or GPU.`);
  }
  const largest = plan.buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  if (largest.bytes > limits.maxBufferSize) {
    throw new GpuLimitError(`the buffer "${largest.name}" needs ${formatBytes(largest.bytes)}, more than this GPU's largest buffer ` +
      `(maxBufferSize ${formatBytes(limits.maxBufferSize)}): ${shrink(largest.fields)}`);
  }
  const largestBound = plan.buffers.filter((b) => b.storage).reduce((a, b) => (b.bytes > a.bytes ? b : a));
  if (largestBound.bytes > limits.maxStorageBufferBindingSize) {
    throw new GpuLimitError(`the buffer "${largestBound.name}" needs ${formatBytes(largestBound.bytes)}, more than this GPU binds at once ` +
      `(maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize)}): ${shrink(largestBound.fields)}`);
  }
  if (plan.total > budget) {
    // the fields behind most of the memory
    const byField = new Map<string, number>();
    for (const b of plan.buffers) for (const f of b.fields) byField.set(f, (byField.get(f) ?? 0) + b.bytes);
    const fields = [...byField].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([f]) => f);
    throw new GpuLimitError(`${needs} ${formatBytes(plan.total)} of GPU memory, more than the lab's budget of ${formatBytes(budget)} ` +
      `(parameters, AdamW moments, activations, logits and the evaluation buffers): ${shrink(fields)}`);
  }
}
