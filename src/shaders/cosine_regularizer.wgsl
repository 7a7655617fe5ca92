// cosine_regularizer.wgsl: the paper's generic cosine regularizer (docs/method.md §3, a baseline, not
// NITP): mean cosine between final hidden states of different positions of a sequence.
// h: (B, T, C); u_t = h[b,t] / n_t with n_t = max(|h[b,t]|, EPS); S_b = sum_t u_t; K = T (T - 1).
// losses: (B) sum over t != t' of u_t·u_t' / K = sum_t u_t·(S_b - u_t) / K                  (=)
// dh: (B, T, C) += dscale * dlosses[b]/dh. With g_t = dlosses/du_t = 2 (S_b - u_t) / K:
//   dh_t = (g_t - [|h_t| > EPS] u_t (u_t·g_t)) / n_t, where u_t·g_t = 2 (u_t·S_b - u_t·u_t) / K,
//   i.e. dh_t += dscale 2 / (K n_t) * (S_b - u_t (1 + [|h_t| > EPS] r_t)), r_t = u_t·S_b - u_t·u_t.
// O(B T C) work in four passes, every sum in a fixed order (no atomics):
//   cosregNorms    (row kernel over the B*T rows): norms[b,t] = |h[b,t]|
//   cosregSum      (thread per (c, b)):            S[b,c] = sum_t h[b,t,c] / n_t, t increasing
//   cosregBackward (row kernel over the B*T rows): r[b,t] = u_t·S_b - u_t·u_t; dh row +=
//   cosregLoss     (thread per b):                  losses[b] = sum_t r[b,t] / K, t increasing
// Row kernels split work as in crossentropy.wgsl: TPR threads per row (a power of two; the row sum
// is each thread's in-order sum over c = lane, lane + TPR, ..., then a fixed tree), WG / TPR rows
// per workgroup, workgroups on a 2-D grid; TPR = 1 needs no workgroup memory and no barrier.
// norms (B, T), S (B, C), r (B, T) are scratch. T = 1 (K = 0) is handled by the launcher (losses
// cleared, nothing else recorded).
override WG: u32 = 64;  // threads per workgroup; a multiple of TPR
override TPR: u32 = 1u; // row kernels: threads per row, a power of two (the tree halves it)

const EPS: f32 = 1e-8;

struct Dims {
  B: u32,
  T: u32,
  C: u32,
  invK: f32,   // 1 / (T (T - 1))
  dscale: f32, // factor on dh
}

@group(0) @binding(0) var<storage, read_write> losses: array<f32>; // (B)
@group(0) @binding(1) var<storage, read_write> dh: array<f32>;     // (B, T, C)
@group(0) @binding(2) var<storage, read> h: array<f32>;            // (B, T, C)
@group(0) @binding(3) var<uniform> dims: Dims;
@group(0) @binding(4) var<storage, read_write> normsOut: array<f32>; // (B, T) written by cosregNorms
@group(0) @binding(5) var<storage, read> norms: array<f32>;          // (B, T) read by the later passes
@group(0) @binding(6) var<storage, read_write> sumOut: array<f32>;   // (B, C) written by cosregSum
@group(0) @binding(7) var<storage, read> sumU: array<f32>;           // (B, C) S, read by cosregBackward
@group(0) @binding(8) var<storage, read_write> rOut: array<f32>;     // (B, T) written by cosregBackward
@group(0) @binding(9) var<storage, read> r: array<f32>;              // (B, T) read by cosregLoss

var<workgroup> partial: array<f32, WG>;

// The row a thread of a row kernel works on. Threads past the last row get C = 0 (their loops
// read nothing) but still join the barriers.
struct RowTask {
  row: u32,   // b * T + t
  lane: u32,  // thread within the row, 0..TPR-1
  valid: bool,
  C: u32,     // columns this thread's loops walk: dims.C, or 0 past the last row
}

fn rowTask(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> RowTask {
  let rows = dims.B * dims.T;
  let row = (wid.y * nwg.x + wid.x) * (WG / TPR) + lid / TPR;
  let valid = row < rows;
  return RowTask(min(row, rows - 1u), lid % TPR, valid, select(0u, dims.C, valid));
}

// Sum over the TPR threads of a row by a fixed tree; every thread of the row gets it. Call once
// per kernel, in uniform control flow.
fn rowSum(lid: u32, lane: u32, v: f32) -> f32 {
  if (TPR == 1u) { return v; }
  partial[lid] = v;
  workgroupBarrier();
  for (var k = TPR / 2u; k > 0u; k >>= 1u) {
    if (lane < k) {
      partial[lid] += partial[lid + k];
    }
    workgroupBarrier();
  }
  return partial[lid - lane];
}

@compute @workgroup_size(WG)
fn cosregNorms(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let o = task.row * dims.C;
  var acc = 0.0;
  for (var c = task.lane; c < task.C; c += TPR) {
    acc += h[o + c] * h[o + c];
  }
  let total = rowSum(lid, task.lane, acc);
  if (task.valid && task.lane == 0u) {
    normsOut[task.row] = sqrt(total);
  }
}

@compute @workgroup_size(WG)
fn cosregSum(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let b = gid.y;
  if (c >= dims.C) { return; }
  var acc = 0.0;
  for (var t = 0u; t < dims.T; t++) {
    let row = b * dims.T + t;
    acc += h[row * dims.C + c] / max(norms[row], EPS);
  }
  sumOut[b * dims.C + c] = acc;
}

@compute @workgroup_size(WG)
fn cosregBackward(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let o = task.row * dims.C;
  let s = (task.row / dims.T) * dims.C; // S of the row's sequence
  let norm = norms[task.row];
  let n = max(norm, EPS);
  var acc = 0.0;
  for (var c = task.lane; c < task.C; c += TPR) {
    acc += (h[o + c] / n) * sumU[s + c];
  }
  let uS = rowSum(lid, task.lane, acc);
  let uu = (norm / n) * (norm / n); // u_t·u_t: 1 unless the norm is clamped
  let rt = uS - uu;
  if (task.valid && task.lane == 0u) {
    rOut[task.row] = rt;
  }
  let coef = dims.dscale * 2.0 * dims.invK / n;
  let keep = 1.0 + select(0.0, rt, norm > EPS);
  for (var c = task.lane; c < task.C; c += TPR) {
    dh[o + c] += coef * (sumU[s + c] - (h[o + c] / n) * keep);
  }
}

@compute @workgroup_size(WG)
fn cosregLoss(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= dims.B) { return; }
  var acc = 0.0;
  for (var t = 0u; t < dims.T; t++) {
    acc += r[b * dims.T + t];
  }
  losses[b] = acc * dims.invK;
}
