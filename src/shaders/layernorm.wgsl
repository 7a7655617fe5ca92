// layernorm.wgsl: LayerNorm over the last dim, eps 1e-5, biased variance (docs/method.md §2).
// inp, out: (N, C) with N = B*T; mean, rstd: (N); weight, bias: (C)
// Forward: out, mean, rstd =. Backward: dinp += (residual stream), dweight += and dbias +=.
// Deterministic, no atomics: a row's sums run in a loop over c; the dweight/dbias sums over rows
// run in two fixed-order passes: per chunk of ROWS rows into scratch (chunks, 2, C), then over chunks.
override WG: u32 = 64;
override ROWS: u32 = 32; // rows per chunk of the parameter-gradient reduction

struct Dims {
  N: u32,
  C: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;     // (N, C)
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;    // (N)
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;    // (N)
@group(0) @binding(3) var<storage, read> inp: array<f32>;           // (N, C)
@group(0) @binding(4) var<storage, read> weight: array<f32>;        // (C)
@group(0) @binding(5) var<storage, read> bias: array<f32>;          // (C)
@group(0) @binding(6) var<uniform> dims: Dims;

// One thread per row.
@compute @workgroup_size(WG)
fn layernormForward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let C = dims.C;
  if (n >= dims.N) { return; }
  let x = n * C;
  var m = 0.0;
  for (var c = 0u; c < C; c++) { m += inp[x + c]; }
  m = m / f32(C);
  // two passes (mean, then squared deviations) as the reference: no cancellation
  var v = 0.0;
  for (var c = 0u; c < C; c++) {
    let d = inp[x + c] - m;
    v += d * d;
  }
  v = v / f32(C);
  let s = 1.0 / sqrt(v + dims.eps);
  for (var c = 0u; c < C; c++) {
    out[x + c] = (inp[x + c] - m) * s * weight[c] + bias[c];
  }
  mean[n] = m;
  rstd[n] = s;
}

@group(0) @binding(7) var<storage, read_write> dinp: array<f32>;     // (N, C)
@group(0) @binding(8) var<storage, read_write> dweight: array<f32>;  // (C)
@group(0) @binding(9) var<storage, read_write> dbias: array<f32>;    // (C)
@group(0) @binding(10) var<storage, read> dout: array<f32>;          // (N, C)
@group(0) @binding(11) var<storage, read_write> scratch: array<f32>; // (ceil(N / ROWS), 2, C)

@group(0) @binding(12) var<storage, read> base: array<f32>;          // (N, C)

// The two row means of the dinp formula: mean_c(w*dout), mean_c(w*dout*norm).
fn dinpMeans(x: u32, m: f32, s: f32) -> vec2<f32> {
  let C = dims.C;
  var dnormMean = 0.0;
  var dnormNormMean = 0.0;
  for (var c = 0u; c < C; c++) {
    let norm = (inp[x + c] - m) * s;
    let dnorm = weight[c] * dout[x + c];
    dnormMean += dnorm;
    dnormNormMean += dnorm * norm;
  }
  return vec2(dnormMean, dnormNormMean) / f32(C);
}

// The gradient of one element: ((w*dout) - mean_c(w*dout) - norm * mean_c(w*dout*norm)) * rstd.
fn dinpAt(x: u32, c: u32, m: f32, s: f32, means: vec2<f32>) -> f32 {
  let norm = (inp[x + c] - m) * s;
  let dnorm = weight[c] * dout[x + c];
  return (dnorm - means.x - norm * means.y) * s;
}

// dinp += gradient, or dinp = gradient with OVERWRITE; one thread per row.
override OVERWRITE: bool = false;

@compute @workgroup_size(WG)
fn layernormBackwardDinp(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= dims.N) { return; }
  let x = n * dims.C;
  let m = mean[n];
  let s = rstd[n];
  let means = dinpMeans(x, m, s);
  for (var c = 0u; c < dims.C; c++) {
    let g = dinpAt(x, c, m, s, means);
    if (OVERWRITE) { dinp[x + c] = g; } else { dinp[x + c] += g; }
  }
}

// dinp = base + gradient (a residual stream's gradient, without copying base into dinp first).
@compute @workgroup_size(WG)
fn layernormBackwardDinpFromBase(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= dims.N) { return; }
  let x = n * dims.C;
  let m = mean[n];
  let s = rstd[n];
  let means = dinpMeans(x, m, s);
  for (var c = 0u; c < dims.C; c++) {
    dinp[x + c] = base[x + c] + dinpAt(x, c, m, s, means);
  }
}

// Pass 1 of dweight/dbias: thread (c, chunk) sums rows chunk*ROWS.. in order.
// scratch[chunk, 0, c] = sum dout*norm, scratch[chunk, 1, c] = sum dout. Grid: (ceil(C/WG), chunks).
@compute @workgroup_size(WG)
fn layernormBackwardPartial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let chunk = gid.y;
  let C = dims.C;
  if (c >= C) { return; }
  let end = min(dims.N, (chunk + 1u) * ROWS);
  var accW = 0.0;
  var accB = 0.0;
  for (var n = chunk * ROWS; n < end; n++) {
    let d = dout[n * C + c];
    accW += d * (inp[n * C + c] - mean[n]) * rstd[n];
    accB += d;
  }
  scratch[chunk * 2u * C + c] = accW;
  scratch[chunk * 2u * C + C + c] = accB;
}

// Pass 2: thread i in 0..2C sums its column of scratch over chunks in order; i < C is dweight,
// the rest dbias.
@compute @workgroup_size(WG)
fn layernormBackwardReduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let C = dims.C;
  if (i >= 2u * C) { return; }
  let chunks = (dims.N + ROWS - 1u) / ROWS;
  var acc = 0.0;
  for (var k = 0u; k < chunks; k++) { acc += scratch[k * 2u * C + i]; }
  if (i < C) {
    dweight[i] += acc;
  } else {
    dbias[i - C] += acc;
  }
}
