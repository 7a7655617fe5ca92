// adamw.wgsl: the optimizer step on the GPU (docs/method.md §4), with nothing read back to the CPU.
//   optimizerPrepare (1 thread): stepCounter += 1 (s = the update being prepared, 1-based);
//     scalars[GRAD_NORM] = sqrt(sum of partials, in order); scalars[CLIP] = clip_grad_norm_'s factor;
//     scalars[LR] = lr_s; scalars[LOSS] = scalars[NTP] + λ·scalars[AUX]. A norm that is not finite
//     sets CLIP to 0, which makes adamwUpdate/adamwTail keep params, m and v as they are (the
//     update is skipped; docs/method.md §4).
//   adamwPrepare (1 thread): scalars[BIAS1] = 1 − β1^s, scalars[BIAS2] = 1 − β2^s.
//   adamwUpdate / adamwTail: params, m, v (n) updated in place (=) from grads (n):
//     g = clip·grad; m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; m̂ = m/(1−β1^s); v̂ = v/(1−β2^s);
//     θ = θ − lr_s (m̂/(√v̂ + ε) + wd θ), wd only for flat index < decayFloats.
//     adamwUpdate does floor(n/4) vec4s (2-D grid past 65535 workgroups, gpu/program.ts grid()),
//     adamwTail the n % 4 rest.
// Slot numbers must match SCALAR_* in gpu/ops/optimizer.ts.
override WG: u32 = 64;

const SCALAR_LOSS: u32 = 0u;
const SCALAR_NTP: u32 = 1u;
const SCALAR_AUX: u32 = 2u;
const SCALAR_GRAD_NORM: u32 = 3u;
const SCALAR_LR: u32 = 4u;
const SCALAR_CLIP: u32 = 5u;
const SCALAR_BIAS1: u32 = 6u;
const SCALAR_BIAS2: u32 = 7u;

const SCHEDULE_WSD: u32 = 0u;
const SCHEDULE_COSINE: u32 = 1u;

struct PrepareSettings {
  lr: f32,          // peak learning rate
  warmupSteps: u32, // W
  steps: u32,       // S
  schedule: u32,    // SCHEDULE_*
  maxNorm: f32,     // 0 = no clipping
  lambda: f32,      // weight of the auxiliary loss
  nPartials: u32,   // gradNormPartials outputs to add
}

struct AdamwDims {
  nVec4: u32,       // floor(n / 4)
  n: u32,           // floats
  decayFloats: u32, // weight decay on [0, decayFloats)
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<storage, read_write> params: array<vec4<f32>>; // (nVec4)
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;       // (nVec4)
@group(0) @binding(2) var<storage, read_write> m: array<vec4<f32>>;      // (nVec4)
@group(0) @binding(3) var<storage, read_write> v: array<vec4<f32>>;      // (nVec4)
@group(0) @binding(4) var<storage, read> scalarsIn: array<f32>;         // (SCALAR_COUNT)
@group(0) @binding(5) var<uniform> dims: AdamwDims;
@group(0) @binding(6) var<storage, read_write> paramsTail: array<f32>;  // (n)
@group(0) @binding(7) var<storage, read> gradsTail: array<f32>;         // (n)
@group(0) @binding(8) var<storage, read_write> mTail: array<f32>;       // (n)
@group(0) @binding(9) var<storage, read_write> vTail: array<f32>;       // (n)
@group(0) @binding(10) var<storage, read_write> scalars: array<f32>;    // (SCALAR_COUNT)
@group(0) @binding(11) var<storage, read_write> stepCounter: u32;       // updates done so far
@group(0) @binding(12) var<storage, read> partials: array<f32>;         // (nPartials)
@group(0) @binding(13) var<uniform> settings: PrepareSettings;

// sin(π/2·u) for u in [0, 1]: Taylor series to y^13 (truncation < 1e-9), Horner form. Unlike the
// built-in sin (absolute error up to 2^-11 allowed by WGSL) it keeps its relative accuracy near 0.
fn sinHalfPi(u: f32) -> f32 {
  let y = 1.5707963267948966 * u;
  let y2 = y * y;
  var p = 1.0 - y2 * (1.0 / 156.0);
  p = 1.0 - y2 * (1.0 / 110.0) * p;
  p = 1.0 - y2 * (1.0 / 72.0) * p;
  p = 1.0 - y2 * (1.0 / 42.0) * p;
  p = 1.0 - y2 * (1.0 / 20.0) * p;
  p = 1.0 - y2 * (1.0 / 6.0) * p;
  return y * p;
}

// lr_s, the same schedule as ref/optimizer.ts learningRate (0 past S). Steps are integers < 2^24,
// exact in f32. Assumes 5·s fits in u32 (s < 858 million).
fn learningRate(s: u32) -> f32 {
  let W = settings.warmupSteps;
  let S = settings.steps;
  let lr = settings.lr;
  let inWarmup = W > 0u && s <= W;
  var warm = lr;
  if (inWarmup) {
    warm = lr * f32(s) / f32(W);
  }
  if (settings.schedule == SCHEDULE_WSD) {
    // s > 0.8·S as 5s > 4S, and lr·(S − s)/(0.2·S) as lr·5(S − s)/S: integers, exact
    if (5u * s > 4u * S) {
      let left = select(0u, S - s, s < S);
      return min(warm, lr * f32(5u * left) / f32(S));
    }
    return warm;
  }
  if (inWarmup) {
    return warm;
  }
  if (s >= S) {
    return 0.0;
  }
  // 0.5(1 + cos(π(s − W)/(S − W))) = sin²(π/2·u) with u = (S − s)/(S − W): no cancellation as lr → 0
  let r = sinHalfPi(f32(S - s) / f32(S - W));
  return lr * r * r;
}

@compute @workgroup_size(1)
fn optimizerPrepare() {
  let s = stepCounter + 1u;
  stepCounter = s;
  var sum = 0.0;
  for (var i = 0u; i < settings.nPartials; i++) {
    sum += partials[i];
  }
  let norm = sqrt(sum);
  var clip = 1.0;
  if (settings.maxNorm > 0.0) {
    clip = min(1.0, settings.maxNorm / (norm + 1e-6)); // PyTorch clip_grad_norm_
  }
  if (!isFinite(norm)) {
    clip = 0.0; // skip this update: one NaN/Inf gradient would poison every weight and moment
  }
  scalars[SCALAR_GRAD_NORM] = norm;
  scalars[SCALAR_CLIP] = clip;
  scalars[SCALAR_LR] = learningRate(s);
  let ntp = scalars[SCALAR_NTP];
  // λ = 0 gives exactly the NTP loss even if the auxiliary slot holds garbage
  scalars[SCALAR_LOSS] = select(ntp + settings.lambda * scalars[SCALAR_AUX], ntp, settings.lambda == 0.0);
}

// By the exponent bits: WGSL lets compilers assume floats are finite, so x != x may be folded away.
fn isFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// b^e by squaring: only correctly rounded multiplies, so every device gets the same bits. Its
// relative error is at most ~e·2^-24, i.e. an absolute error e·b^e·2^-24 in 1 − b^e: ~3e-7
// relative at most for β = 0.9 and 0.95 (the built-in pow is allowed, and measured, to be ~10x worse).
fn powInt(b: f32, e: u32) -> f32 {
  var result = 1.0;
  var base = b;
  var k = e;
  loop {
    if (k == 0u) { break; }
    if ((k & 1u) == 1u) { result *= base; }
    base *= base;
    k = k >> 1u;
  }
  return result;
}

@compute @workgroup_size(1)
fn adamwPrepare() {
  let s = stepCounter;
  scalars[SCALAR_BIAS1] = 1.0 - powInt(dims.beta1, s);
  scalars[SCALAR_BIAS2] = 1.0 - powInt(dims.beta2, s);
}

struct AdamwState {
  theta: vec4<f32>,
  m: vec4<f32>,
  v: vec4<f32>,
}

// The update of 4 consecutive floats starting at flat index `first`.
fn adamwValues(theta: vec4<f32>, grad: vec4<f32>, m0: vec4<f32>, v0: vec4<f32>, first: u32) -> AdamwState {
  let lr = scalarsIn[SCALAR_LR];
  let g = grad * scalarsIn[SCALAR_CLIP];
  let m1 = dims.beta1 * m0 + (1.0 - dims.beta1) * g;
  let v1 = dims.beta2 * v0 + (1.0 - dims.beta2) * g * g;
  let mHat = m1 / scalarsIn[SCALAR_BIAS1];
  let vHat = v1 / scalarsIn[SCALAR_BIAS2];
  let index = vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u);
  let wd = select(vec4<f32>(0.0), vec4<f32>(dims.weightDecay), index < vec4<u32>(dims.decayFloats));
  let theta1 = theta - lr * (mHat / (sqrt(vHat) + dims.eps) + wd * theta);
  // clip factor 0: optimizerPrepare found a non-finite gradient norm, and nothing changes
  if (scalarsIn[SCALAR_CLIP] == 0.0) {
    return AdamwState(theta, m0, v0);
  }
  return AdamwState(theta1, m1, v1);
}

@compute @workgroup_size(WG)
fn adamwUpdate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.y * nwg.x * WG + gid.x;
  if (q >= dims.nVec4) { return; }
  let st = adamwValues(params[q], grads[q], m[q], v[q], 4u * q);
  params[q] = st.theta;
  m[q] = st.m;
  v[q] = st.v;
}

@compute @workgroup_size(4)
fn adamwTail(@builtin(local_invocation_id) lid: vec3<u32>) {
  let i = 4u * dims.nVec4 + lid.x;
  if (i >= dims.n) { return; }
  let st = adamwValues(vec4<f32>(paramsTail[i]), vec4<f32>(gradsTail[i]), vec4<f32>(mTail[i]), vec4<f32>(vTail[i]), i);
  paramsTail[i] = st.theta.x;
  mTail[i] = st.m.x;
  vTail[i] = st.v.x;
}
