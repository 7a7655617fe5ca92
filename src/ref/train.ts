// train.ts (reference): one training step on the CPU in float64 (docs/method.md §4): forward and
// backward (ref/gpt.ts), global L2 gradient norm over every trainable tensor (NITP head included),
// clipping to config.train.gradClip, then AdamW with β = (0.9, 0.95), ε = 1e-8 and decoupled
// weight decay on the 2-D prefix [0, layout.decayFloats) of the flat buffer (ref/optimizer.ts).
// State: params, m, v are flat Float64Arrays in `layout`, updated in place; `step` counts the
// steps taken (the next step is step + 1, 1-based as in the bias correction).
import type { RunConfig } from '../model/config.ts';
import { initParams, modelShape, paramLayout, parameterSpecs, type ModelShape, type ParamLayout } from '../model/params.ts';
import { resolveConfig } from '../model/config.ts';
import { Rng } from '../util/rng.ts';
import { refForwardBackward } from './gpt.ts';
import { adamwStep, clipScale, gradientNorm, learningRate } from './optimizer.ts';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.95;
export const ADAM_EPS = 1e-8;

export interface RefTrainState {
  config: RunConfig;
  shape: ModelShape;
  layout: ParamLayout;
  params: Float64Array; // (layout.totalFloats)
  m: Float64Array; // (layout.totalFloats) first moment
  v: Float64Array; // (layout.totalFloats) second moment
  step: number; // steps taken so far
}

export interface RefStepRecord {
  step: number; // 1-based step just taken
  loss: number; // ntp + λ·aux, before the update
  ntp: number;
  aux: number | null;
  gradNorm: number; // global L2 norm before clipping
  lr: number; // lr_s used by this step
}

/** Fresh state (step 0, zero moments) from initial weights (copied, widened to float64). */
export function createRefTrainState(config: RunConfig, shape: ModelShape, layout: ParamLayout, init: Float32Array | Float64Array): RefTrainState {
  if (init.length !== layout.totalFloats) throw new Error(`ref train: init has ${init.length} floats, layout needs ${layout.totalFloats}`);
  return {
    config, shape, layout,
    params: Float64Array.from(init),
    m: new Float64Array(layout.totalFloats),
    v: new Float64Array(layout.totalFloats),
    step: 0,
  };
}

/**
 * One step: loss and gradients on `tokens`, clip, AdamW update of state.params/m/v (in place).
 * @param tokens (B, T+1)
 */
export function refTrainStep(state: RefTrainState, tokens: Int32Array): RefStepRecord {
  const { config, shape, layout } = state;
  const train = config.train;
  const step = state.step + 1;
  const { loss, ntp, aux, grads } = refForwardBackward(config, shape, layout, state.params, tokens);
  const gradNorm = gradientNorm(grads);
  const lr = learningRate(step, { lr: train.lr, warmupSteps: train.warmupSteps, steps: train.steps, schedule: train.schedule });
  adamwStep(state.params, grads, state.m, state.v, step, lr, layout.decayFloats, {
    beta1: ADAM_BETA1, beta2: ADAM_BETA2, eps: ADAM_EPS, weightDecay: train.weightDecay,
    clipScale: clipScale(gradNorm, train.gradClip),
  });
  state.step = step;
  return { step, loss, ntp, aux, gradNorm, lr };
}

/**
 * Replays a run from its initial weights and its batches, one refTrainStep per batch.
 * @param init (layout.totalFloats) initial weights, e.g. read from a safetensors checkpoint
 * @param batches (steps, B, T+1) with B = config.train.batchSize, T = shape.T
 * @param onStep called after every step with the record and the updated state
 */
export function refReplay(
  config: RunConfig, shape: ModelShape, layout: ParamLayout, init: Float32Array | Float64Array, batches: Int32Array,
  onStep?: (record: RefStepRecord, state: RefTrainState) => void,
): RefStepRecord[] {
  const rowTokens = config.train.batchSize * (shape.T + 1);
  const steps = batches.length / rowTokens;
  if (!Number.isInteger(steps)) throw new Error(`ref replay: batches.length ${batches.length} is not a multiple of B·(T+1) = ${rowTokens}`);
  const state = createRefTrainState(config, shape, layout, init);
  const records: RefStepRecord[] = [];
  for (let s = 0; s < steps; s++) {
    const record = refTrainStep(state, batches.subarray(s * rowTokens, (s + 1) * rowTokens));
    records.push(record);
    onStep?.(record, state);
  }
  return records;
}

export interface TrajectoryCase {
  config: RunConfig;
  shape: ModelShape;
  layout: ParamLayout;
  init: Float32Array; // (layout.totalFloats) initParams of the seed
  batches: Int32Array; // (steps, B, T+1)
}

/**
 * The committed ten-step trajectory (after llm.c test_gpt2.c): a small NITP run with every part of
 * the step active (SwiGLU head, warm-up, WSD decay, weight decay, clipping). ref/train.test.ts
 * pins its losses; the GPU trainer is checked against the same case and numbers.
 * Batches: per row a random start and stride in 1..3, tokens (start + t·stride) mod V, so the
 * loss can fall; drawn from stream "trajectory-batches" of the seed.
 */
export function trajectoryCase(): TrajectoryCase {
  const config = resolveConfig({
    model: { contextLength: 8, nLayer: 2, dModel: 16, nHead: 2, tieEmbeddings: true },
    nitp: { lambda: 1, targetLayer: 1, head: 'swiglu', shift: 'next', stopGrad: true, loss: 'cosine', regularizer: 'nitp' },
    train: { steps: 10, batchSize: 4, lr: 3e-3, warmupSteps: 2, schedule: 'wsd', weightDecay: 0.1, gradClip: 2.5, seed: 1337 },
  });
  const V = 13;
  const shape = modelShape(config, V);
  const layout = paramLayout(parameterSpecs(config, shape));
  const init = initParams(layout, config.train.seed, shape.L);
  const { steps, batchSize: B } = config.train;
  const T = shape.T;
  const rng = new Rng(config.train.seed, 'trajectory-batches');
  const batches = new Int32Array(steps * B * (T + 1));
  for (let row = 0; row < steps * B; row++) {
    const start = rng.int(V);
    const stride = 1 + rng.int(3);
    for (let t = 0; t <= T; t++) batches[row * (T + 1) + t] = (start + t * stride) % V;
  }
  return { config, shape, layout, init, batches };
}

/**
 * trajectoryCase() replayed by refReplay (float64), printed once with 17 significant digits.
 * Config: V=13, T=8, L=2, C=16, NH=2, tied; B=4; NITP λ=1, targetLayer 1, swiglu, next, cosine,
 * stopGrad; lr 3e-3, warm-up 2, wsd over S=10, weight decay 0.1, gradClip 2.5, seed 1337.
 * Clipping is active at steps 1-5 and 7 (norm > 2.5) and not at 6, 8, 9, 10.
 */
export const TRAJECTORY_LOSSES = [
  3.5252995059845658, 3.3443914444873091, 3.1646971524370797, 2.9037270717714789, 2.8298489672155753,
  2.7938930381251255, 2.7666135175647333, 2.7524258555611945, 2.761839561087521, 2.728225486485031,
];
export const TRAJECTORY_GRAD_NORMS = [
  11.903311098575248, 10.242711211098435, 7.7829414654226685, 3.5690071000947134, 2.5262452700487463,
  2.341696162411753, 2.652748953374133, 1.9845620005182802, 2.437209399860005, 2.350519991266811,
];
export const TRAJECTORY_LR = [0.0015, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003, 0.0015, 0];
