// crossentropy.wgsl: softmax cross-entropy per row, with its gradient fused in (llm.c's fused
// classifier).
// logits: (N, Vp); targets: (N) in [0, V); dscale: the factor on the gradient (1/N for a mean)
// Rows are padded (llm.c's Vp): the first V of a row's Vp >= V columns are the classes, the rest
// padding (the engine pads V to a multiple of 4 for the matmuls' vec4 loads, model/params.ts).
// Padded columns never count: every softmax runs over columns 0..V-1 only, and their gradient is
// written as 0 (whatever their logits hold).
// crossentropyForward:                 losses[n] = -log softmax(logits[n, 0..V))[targets[n]]  (=)
// crossentropyForwardBackward:         losses as above (=); dlogits (N, Vp) = (softmax - onehot) * dscale
//                                      in columns 0..V-1, 0 in V..Vp-1 (=)
// crossentropyForwardBackwardInPlace:  the same, with the logits read from `dlogits` and overwritten
//   by the gradient (saves the (N, V) buffer: pass one binding as both logits and dlogits).
//   Safe because the thread that reads column j in the statistics pass is the one that overwrites
//   it in the gradient pass; the one value read by another thread, the target logit (lane 0, for
//   the loss), is read before a storageBarrier that precedes every write.
// Work split: TPR threads per row (a power of two), WG / TPR rows per workgroup, workgroups on a
// 2-D grid (workgroup = wid.y * nwg.x + wid.x, gpu/program.ts grid()) so the workgroups may exceed
// 65535 (MAX_WORKGROUPS_PER_DIM there). TPR = 1 (one thread per row) uses no workgroup memory and
// no barrier: on SwiftShader barriers cost ~10x the arithmetic.
// Row statistics by online softmax (relative to the running row max): each thread walks columns
// lane, lane + TPR, ... in order keeping (max, sum exp(x - max)); a fixed binary tree merges the
// TPR pairs of a row. No atomics: the same inputs and (WG, TPR) give bit-identical outputs.
override WG: u32 = 64;  // threads per workgroup; a multiple of TPR
override TPR: u32 = 1u; // threads per row; a power of two (the tree halves it)

// Start of a running max. Not -inf: merging two empty partials must not compute -inf - (-inf).
const LOWEST: f32 = -0x1.fffffep+127f; // lowest finite f32

struct Dims {
  N: u32,      // rows (B * T)
  V: u32,      // vocabulary size: the classes, columns 0..V-1
  dscale: f32, // factor on dlogits
  Vp: u32,     // row stride of logits and dlogits, >= V; columns V..Vp-1 are padding
}

@group(0) @binding(0) var<storage, read_write> losses: array<f32>;  // (N)
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // (N, Vp)
@group(0) @binding(2) var<storage, read> targets: array<u32>;       // (N)
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>; // (N, Vp); in place: logits on entry
@group(0) @binding(4) var<uniform> dims: Dims;

var<workgroup> rowMax: array<f32, WG>;
var<workgroup> rowSum: array<f32, WG>;

// The row a thread works on. Threads past the last row get an empty row (V = Vp = 0) of row N - 1:
// they join the barriers but read and write nothing.
struct RowTask {
  row: u32,
  lane: u32,  // thread within the row, 0..TPR-1
  valid: bool,
  base: u32,  // index of the row's first logit
  V: u32,     // classes this thread's loops walk: dims.V, or 0 past the last row
  Vp: u32,    // end of the padding it zeroes: dims.Vp, or 0 past the last row
}

fn rowTask(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> RowTask {
  let row = (wid.y * nwg.x + wid.x) * (WG / TPR) + lid / TPR;
  let valid = row < dims.N;
  let r = min(row, dims.N - 1u);
  return RowTask(r, lid % TPR, valid, r * dims.Vp, select(0u, dims.V, valid), select(0u, dims.Vp, valid));
}

// One step of the online softmax: (max, sum exp(x - max)) after seeing x.
fn softmaxStep(st: vec2<f32>, x: f32) -> vec2<f32> {
  if (x > st.x) {
    return vec2(x, st.y * exp(st.x - x) + 1.0);
  }
  return vec2(st.x, st.y + exp(x - st.x));
}

// Merges the (max, sum) pairs of a row's TPR threads by a fixed tree; every thread of the row gets
// the row's pair. Call once per kernel, in uniform control flow.
fn mergeSoftmaxStats(lid: u32, lane: u32, st: vec2<f32>) -> vec2<f32> {
  if (TPR == 1u) { return st; }
  rowMax[lid] = st.x;
  rowSum[lid] = st.y;
  workgroupBarrier();
  for (var k = TPR / 2u; k > 0u; k >>= 1u) {
    if (lane < k) {
      let m1 = rowMax[lid];
      let m2 = rowMax[lid + k];
      let m = max(m1, m2);
      rowSum[lid] = rowSum[lid] * exp(m1 - m) + rowSum[lid + k] * exp(m2 - m);
      rowMax[lid] = m;
    }
    workgroupBarrier();
  }
  let first = lid - lane;
  return vec2(rowMax[first], rowSum[first]);
}

@compute @workgroup_size(WG)
fn crossentropyForward(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  var st = vec2(LOWEST, 0.0);
  for (var j = task.lane; j < task.V; j += TPR) {
    st = softmaxStep(st, logits[task.base + j]);
  }
  let stats = mergeSoftmaxStats(lid, task.lane, st);
  if (task.valid && task.lane == 0u) {
    losses[task.row] = log(stats.y) + stats.x - logits[task.base + targets[task.row]];
  }
}

@compute @workgroup_size(WG)
fn crossentropyForwardBackward(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let targetIndex = targets[task.row];
  var st = vec2(LOWEST, 0.0);
  for (var j = task.lane; j < task.V; j += TPR) {
    st = softmaxStep(st, logits[task.base + j]);
  }
  let stats = mergeSoftmaxStats(lid, task.lane, st);
  if (task.valid && task.lane == 0u) {
    losses[task.row] = log(stats.y) + stats.x - logits[task.base + targetIndex];
  }
  let invSum = 1.0 / stats.y;
  for (var j = task.lane; j < task.V; j += TPR) {
    let prob = exp(logits[task.base + j] - stats.x) * invSum;
    dlogits[task.base + j] = (prob - select(0.0, 1.0, j == targetIndex)) * dims.dscale;
  }
  for (var j = dims.V + task.lane; j < task.Vp; j += TPR) {
    dlogits[task.base + j] = 0.0; // padding: no class, no gradient
  }
}

@compute @workgroup_size(WG)
fn crossentropyForwardBackwardInPlace(
  @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let task = rowTask(wid, nwg, lid);
  let targetIndex = targets[task.row];
  var targetLogit = 0.0;
  if (task.valid && task.lane == 0u) {
    targetLogit = dlogits[task.base + targetIndex];
  }
  if (TPR > 1u) {
    storageBarrier(); // the target logit is read before another thread of the row overwrites it
  }
  var st = vec2(LOWEST, 0.0);
  for (var j = task.lane; j < task.V; j += TPR) {
    st = softmaxStep(st, dlogits[task.base + j]);
  }
  let stats = mergeSoftmaxStats(lid, task.lane, st);
  if (task.valid && task.lane == 0u) {
    losses[task.row] = log(stats.y) + stats.x - targetLogit;
  }
  let invSum = 1.0 / stats.y;
  for (var j = task.lane; j < task.V; j += TPR) {
    let prob = exp(dlogits[task.base + j] - stats.x) * invSum;
    dlogits[task.base + j] = (prob - select(0.0, 1.0, j == targetIndex)) * dims.dscale;
  }
  for (var j = dims.V + task.lane; j < task.Vp; j += TPR) {
    dlogits[task.base + j] = 0.0; // padding: no class, no gradient
  }
}
