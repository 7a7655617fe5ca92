// nitp_loss.wgsl: the NITP pair loss (docs/method.md §3) and its gradient.
// p: (B, T, C) head outputs P(h); z: (B, T, C) hidden states of the target layer.
// SHIFT 1 ("next"): pairs (p[b,t], z[b,t+1]) for t = 0..T-2; SHIFT 0 ("current"): (p[b,t], z[b,t])
// for t = 0..T-1. NP = T - SHIFT pairs per sequence.
// KIND, with a = p row, b = z row, e = a - b:
//   0 cosine:   1 - a·b / (max(|a|, EPS) max(|b|, EPS))
//   1 mse:      mean over C of e^2
//   2 smoothl1: mean over C of Huber, beta 1: 0.5 e^2 if |e| < 1 else |e| - 0.5
// losses: (B, NP) loss of pair (b, t)                                                   (=)
// dp: (B, T, C) dscale * dloss/dp: = (ACCUMULATE_DP false) or += (ACCUMULATE_DP true, when p is h
//   and dp the final hidden-state gradient). Row T-1 under "next" has no pair: 0, or left as is.
// dz: (B, T, C) dscale * dloss/dz (=); row 0 under "next" is 0. Only nitpLossForwardBackward
//   writes it; nitpLossForwardBackwardNoDz (target under stop-gradient) does not bind it.
// Work split as in crossentropy.wgsl: TPR threads per position row r = b * T + t (a power of two),
// WG / TPR rows per workgroup, workgroups on a 2-D grid; TPR = 1 needs no workgroup memory and no
// barrier (SwiftShader). The threads of row (b, t) compute pair t (loss, dp row t, dz row t + SHIFT)
// or, for t = T-1 under "next", write the rows no pair touches (dp row T-1, dz row 0).
// Row sums: each thread walks c = lane, lane + TPR, ... in order, then a fixed binary tree. No atomics.
// Cosine gradient, with na = max(|a|, EPS), nb = max(|b|, EPS), cos = a·b / (na nb):
//   dcos/da = b / (na nb) - [|a| > EPS] cos a / na^2, likewise for b (the clamped norm is constant).
override WG: u32 = 64;                  // threads per workgroup; a multiple of TPR
override TPR: u32 = 1u;                 // threads per row; a power of two (the tree halves it)
override SHIFT: u32 = 1u;               // 1 "next", 0 "current"
override KIND: u32 = 0u;                // 0 cosine, 1 mse, 2 smoothl1
override ACCUMULATE_DP: bool = false;   // dp += instead of dp =

const EPS: f32 = 1e-8;

struct Dims {
  B: u32,
  T: u32,
  C: u32,
  dscale: f32, // factor on dp and dz (lambda / number of pairs for a mean)
}

@group(0) @binding(0) var<storage, read_write> losses: array<f32>; // (B, T - SHIFT)
@group(0) @binding(1) var<storage, read_write> dp: array<f32>;     // (B, T, C)
@group(0) @binding(2) var<storage, read_write> dz: array<f32>;     // (B, T, C)
@group(0) @binding(3) var<storage, read> p: array<f32>;            // (B, T, C)
@group(0) @binding(4) var<storage, read> z: array<f32>;            // (B, T, C)
@group(0) @binding(5) var<uniform> dims: Dims;

var<workgroup> partial: array<vec3<f32>, WG>;

// What a pair's gradient needs besides its two rows.
struct PairCoef {
  loss: f32,
  scale: f32, // cosine: dscale; mse, smoothl1: dscale / C
  inv: f32,   // cosine: 1 / (na nb)
  ka: f32,    // cosine: [|a| > EPS] cos / na^2
  kb: f32,    // cosine: [|b| > EPS] cos / nb^2
}

// The position row a thread works on. Threads past the last row, and the row without a pair,
// get C = 0 (their loops read nothing) but still join the barriers.
struct RowTask {
  lane: u32,    // thread within the row, 0..TPR-1
  valid: bool,  // row < B * T
  hasPair: bool,
  pRow: u32,    // index of p[b, t, 0] and dp[b, t, 0]
  zRow: u32,    // index of z[b, t + SHIFT, 0] and dz[b, t + SHIFT, 0] (dz row 0 when there is no pair)
  pair: u32,    // index into losses: b * (T - SHIFT) + t
  C: u32,       // columns the pair loops walk: dims.C with a pair, else 0
}

fn rowTask(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> RowTask {
  let rows = dims.B * dims.T;
  let row = (wid.y * nwg.x + wid.x) * (WG / TPR) + lid / TPR;
  let valid = row < rows;
  let r = min(row, rows - 1u);
  let b = r / dims.T;
  let t = r % dims.T;
  let hasPair = valid && t + SHIFT < dims.T;
  return RowTask(
    lid % TPR, valid, hasPair, r * dims.C, (b * dims.T + (t + SHIFT) % dims.T) * dims.C,
    b * (dims.T - SHIFT) + t, select(0u, dims.C, hasPair),
  );
}

// Row sums of the pair: cosine (a·b, a·a, b·b); mse (sum e^2, -, -); smoothl1 (sum Huber(e), -, -).
// Every thread of the row gets the totals. Call in uniform control flow.
fn pairSums(lid: u32, task: RowTask) -> vec3<f32> {
  var acc = vec3(0.0);
  for (var c = task.lane; c < task.C; c += TPR) {
    let a = p[task.pRow + c];
    let b = z[task.zRow + c];
    if (KIND == 0u) {
      acc += vec3(a * b, a * a, b * b);
    } else if (KIND == 1u) {
      acc.x += (a - b) * (a - b);
    } else {
      let e = abs(a - b);
      acc.x += select(e - 0.5, 0.5 * e * e, e < 1.0);
    }
  }
  if (TPR == 1u) { return acc; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var k = TPR / 2u; k > 0u; k >>= 1u) {
    if (task.lane < k) {
      partial[lid] += partial[lid + k];
    }
    workgroupBarrier();
  }
  return partial[lid - task.lane];
}

fn pairCoef(sums: vec3<f32>) -> PairCoef {
  if (KIND == 0u) {
    let normA = sqrt(sums.y);
    let normB = sqrt(sums.z);
    let na = max(normA, EPS);
    let nb = max(normB, EPS);
    let inv = 1.0 / (na * nb);
    let cosine = sums.x * inv;
    let ka = select(0.0, cosine / (na * na), normA > EPS);
    let kb = select(0.0, cosine / (nb * nb), normB > EPS);
    return PairCoef(1.0 - cosine, dims.dscale, inv, ka, kb);
  }
  let C = f32(dims.C);
  return PairCoef(sums.x / C, dims.dscale / C, 0.0, 0.0, 0.0);
}

// dscale * dloss/da for one component.
fn gradP(k: PairCoef, a: f32, b: f32) -> f32 {
  if (KIND == 0u) {
    return -k.scale * (b * k.inv - a * k.ka);
  }
  if (KIND == 1u) {
    return k.scale * 2.0 * (a - b);
  }
  return k.scale * clamp(a - b, -1.0, 1.0);
}

// dscale * dloss/db for one component.
fn gradZ(k: PairCoef, a: f32, b: f32) -> f32 {
  if (KIND == 0u) {
    return -k.scale * (a * k.inv - b * k.kb);
  }
  return -gradP(k, a, b);
}

fn writeDp(i: u32, g: f32) {
  if (ACCUMULATE_DP) {
    dp[i] += g;
  } else {
    dp[i] = g;
  }
}

@compute @workgroup_size(WG)
fn nitpLossForwardBackward(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let k = pairCoef(pairSums(lid, task));
  if (task.hasPair) {
    if (task.lane == 0u) {
      losses[task.pair] = k.loss;
    }
    for (var c = task.lane; c < dims.C; c += TPR) {
      let a = p[task.pRow + c];
      let bz = z[task.zRow + c];
      writeDp(task.pRow + c, gradP(k, a, bz));
      dz[task.zRow + c] = gradZ(k, a, bz);
    }
  } else if (task.valid) {
    // no pair: dp row T-1 and dz row 0 under "next"
    for (var c = task.lane; c < dims.C; c += TPR) {
      if (!ACCUMULATE_DP) { dp[task.pRow + c] = 0.0; }
      dz[task.zRow + c] = 0.0;
    }
  }
}

@compute @workgroup_size(WG)
fn nitpLossForwardBackwardNoDz(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let k = pairCoef(pairSums(lid, task));
  if (task.hasPair) {
    if (task.lane == 0u) {
      losses[task.pair] = k.loss;
    }
    for (var c = task.lane; c < dims.C; c += TPR) {
      writeDp(task.pRow + c, gradP(k, p[task.pRow + c], z[task.zRow + c]));
    }
  } else if (task.valid && !ACCUMULATE_DP) {
    for (var c = task.lane; c < dims.C; c += TPR) { dp[task.pRow + c] = 0.0; }
  }
}
