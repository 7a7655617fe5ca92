// metrics.wgsl: the GPU reductions behind the representation-geometry metrics (docs/method.md §5).
// They run on evaluation steps only; what comes back is small (a C x C matrix and vectors).
// inp: (N, C) hidden states of one layer, N = B*T rows. Every output is = (overwritten).
//
// covarianceStats, four passes; stats layout (metrics/geometry.ts covarianceStatsLayout):
// mean (C) at 0, meanNorm at C, cov (C, C) at dims.covOffset (a multiple of 64 floats).
//   1 covarianceColumnSums   thread (g, chunk): colPartial[chunk, 0, g] = Σ over the chunk's rows
//                            of columns 4g..4g+3, colPartial[chunk, 1, g].x = Σ of ‖h_n‖ over the
//                            chunk's rows n ≡ g (mod C4).
//   2 covarianceMean         stats.mean = Σ over chunks / N, stats.meanNorm likewise.
//   3 covarianceGramPartial  thread (block, chunk): for one 8x8 block (bi <= bj) of the upper
//                            triangle, gram[chunk, block] = Σ over the chunk's rows of
//                            (h − mean)[8bi..]ᵀ (h − mean)[8bj..], in registers (four mat4x4).
//   4 covarianceGramReduce   thread (block, vec4): Σ over chunks / max(N − 1, 1) of four
//                            entries, written to cov[i, j] and cov[j, i] (exactly symmetric).
// Centring on the GPU (pass 3 subtracts the pass-2 mean) instead of HᵀH − N·mean·meanᵀ: when
// the mean is large against the spread (the anisotropic case the metric is for) the uncentred
// form cancels catastrophically in f32. An error δ in the mean changes the centred Gram only by
// N·δδᵀ (second order), and h − mean is exact when h ≈ mean (Sterbenz).
// Every sum runs in a fixed order (rows in order within a chunk, chunks in order): no atomics,
// bit-identical results for the same inputs and work split (launcher plan).
//
// pairCosines  out[k] = cos(inp[pairs[2k]], inp[pairs[2k+1]])                      one thread per pair
// rowCosines   out[s, t] = cos(a[s, t], b[s, t + shift]), t < T − shift (B, T, C)   one thread per pair
// project      out[r, j] = (inp[rowIndices[r]] − mean) · axes[j], j < K               one thread per row
// cos = x·y / (max(‖x‖, 1e-8) max(‖y‖, 1e-8)), as the NITP loss.
//
// Row data is bound as array<vec4<f32>> (binding size rounded up to 16 bytes) and read four
// columns at a time; when C % 4 != 0 (VEC false) a row does not start on a vec4 and the four
// floats are gathered one by one. Columns at or past C read as 0. SwiftShader's cost follows the
// number of loads (docs/architecture.md §5): vec4 loads, and register blocks in the Gram pass.
// Threads past the end of the work skip their store but do not return early (a divergent return
// makes SwiftShader mask every later load).
override WG: u32 = 64;
override C: u32;                  // columns (hidden width)
override VEC: bool = false;       // C % 4 == 0: rows start on a vec4
override K: u32 = 3u;             // project: number of axes, 1..4
override C4: u32 = (C + 3u) / 4u; // vec4 column groups per row
override NB: u32 = (C + 7u) / 8u; // 8-column blocks per row
override PAIRS: u32 = NB * (NB + 1u) / 2u; // blocks (bi <= bj) of the upper triangle

const IOTA = vec4<u32>(0u, 1u, 2u, 3u);
const EPS: f32 = 1e-8;

struct Dims {
  N: u32,          // rows of inp
  meanRows: u32,   // pass 1: rows per chunk
  meanChunks: u32, // pass 1: chunks, ceil(N / meanRows)
  gramRows: u32,   // pass 3: rows per chunk
  gramChunks: u32, // pass 3: chunks, ceil(N / gramRows)
  covOffset: u32,  // stats: float index of cov
  count: u32,      // pairCosines: pairs; rowCosines: B * (T − shift); project: rows
  T: u32,          // rowCosines: sequence length
  shift: u32,      // rowCosines: offset of the b row
}

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;            // covarianceStatsLayout(C).floats
@group(0) @binding(1) var<storage, read> inp: array<vec4<f32>>;              // (N, C); rowCosines: a (B, T, C)
@group(0) @binding(2) var<storage, read_write> colPartial: array<vec4<f32>>; // (meanChunks, 2, C4) scratch
@group(0) @binding(3) var<storage, read> colPartialIn: array<f32>;           // the same, read in pass 2
@group(0) @binding(4) var<storage, read> mean: array<vec4<f32>>;             // (C): stats.mean, or any (C)
@group(0) @binding(5) var<storage, read_write> gram: array<vec4<f32>>;       // (gramChunks, PAIRS, 8, 8) scratch
@group(0) @binding(6) var<storage, read> gramIn: array<vec4<f32>>;           // the same, read in pass 4
@group(0) @binding(7) var<uniform> dims: Dims;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;              // pairCosines (P); rowCosines (B, T − shift); project (rows, K)
@group(0) @binding(9) var<storage, read> indices: array<u32>;                // pairCosines: (P, 2) pairs; project: (rows) rowIndices
@group(0) @binding(10) var<storage, read> b: array<vec4<f32>>;               // rowCosines: (B, T, C)
@group(0) @binding(11) var<storage, read> axes: array<f32>;                  // project: (K, C)

// ---- row access: columns 4g..4g+3 of row n (zero past C) ----

fn inpAt(i: u32) -> f32 { return inp[i >> 2u][i & 3u]; }
fn bAt(i: u32) -> f32 { return b[i >> 2u][i & 3u]; }
fn meanAt(i: u32) -> f32 { return mean[i >> 2u][i & 3u]; }

// Element indices of columns 4g..4g+3 of row n, clamped into the row, and which are real columns.
fn columns(n: u32, g: u32) -> vec4<u32> { return vec4(n * C) + min(vec4(4u * g) + IOTA, vec4(C - 1u)); }
fn valid(g: u32) -> vec4<bool> { return vec4(4u * g) + IOTA < vec4(C); }

fn inpRow4(n: u32, g: u32) -> vec4<f32> {
  if (VEC) { return select(vec4(0.0), inp[n * C4 + min(g, C4 - 1u)], g < C4); }
  let e = columns(n, g);
  return select(vec4(0.0), vec4(inpAt(e.x), inpAt(e.y), inpAt(e.z), inpAt(e.w)), valid(g));
}

fn bRow4(n: u32, g: u32) -> vec4<f32> {
  if (VEC) { return select(vec4(0.0), b[n * C4 + min(g, C4 - 1u)], g < C4); }
  let e = columns(n, g);
  return select(vec4(0.0), vec4(bAt(e.x), bAt(e.y), bAt(e.z), bAt(e.w)), valid(g));
}

fn mean4(g: u32) -> vec4<f32> {
  if (VEC) { return select(vec4(0.0), mean[min(g, C4 - 1u)], g < C4); }
  let e = columns(0u, g);
  return select(vec4(0.0), vec4(meanAt(e.x), meanAt(e.y), meanAt(e.z), meanAt(e.w)), valid(g));
}

fn axes4(j: u32, g: u32) -> vec4<f32> {
  let e = columns(j, g);
  return select(vec4(0.0), vec4(axes[e.x], axes[e.y], axes[e.z], axes[e.w]), valid(g));
}

fn hsum(v: vec4<f32>) -> f32 { return (v.x + v.y) + (v.z + v.w); }

fn cosine(xy: vec4<f32>, xx: vec4<f32>, yy: vec4<f32>) -> f32 {
  return hsum(xy) / (max(sqrt(hsum(xx)), EPS) * max(sqrt(hsum(yy)), EPS));
}

// Thread index on a 2-D grid of workgroups (gpu/program.ts grid(), x up to its
// MAX_WORKGROUPS_PER_DIM = 65535).
fn flatIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.y * nwg.x * WG + gid.x; }

// ---- covarianceStats ----

// Grid: (ceil(C4 / WG), meanChunks). Thread g sums columns 4g..4g+3 over the chunk's rows, and
// the norms of rows start + g, start + g + C4, ...: every thread loads about meanRows vec4.
@compute @workgroup_size(WG)
fn covarianceColumnSums(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = min(gid.x, C4 - 1u);
  let chunk = gid.y;
  let start = chunk * dims.meanRows;
  let end = min(dims.N, start + dims.meanRows);
  var acc = vec4(0.0);
  for (var n = start; n < end; n++) { acc += inpRow4(n, g); }
  var norms = 0.0;
  for (var n = start + g; n < end; n += C4) {
    var ss = vec4(0.0);
    for (var h = 0u; h < C4; h++) {
      let v = inpRow4(n, h);
      ss += v * v;
    }
    norms += sqrt(hsum(ss));
  }
  if (gid.x >= C4) { return; }
  colPartial[(chunk * 2u) * C4 + g] = acc;
  colPartial[(chunk * 2u + 1u) * C4 + g] = vec4(norms, 0.0, 0.0, 0.0);
}

// Grid: (ceil((C + 1) / WG)). Thread i < C: mean of column i; thread C: mean norm, summing the
// norm partials of each chunk in lane order, chunks in order.
@compute @workgroup_size(WG)
fn covarianceMean(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i > C) { return; }
  let stride = 8u * C4; // floats per chunk
  var acc = 0.0;
  if (i < C) {
    for (var k = 0u; k < dims.meanChunks; k++) { acc += colPartialIn[k * stride + i]; }
  } else {
    for (var k = 0u; k < dims.meanChunks; k++) {
      for (var g = 0u; g < C4; g++) { acc += colPartialIn[k * stride + 4u * (C4 + g)]; }
    }
  }
  stats[i] = acc / f32(dims.N);
}

// (bi, bj), bi <= bj, of the row-major upper-triangle block index `block` < PAIRS.
fn blockOf(block: u32) -> vec2<u32> {
  var bi = 0u;
  var rest = block;
  while (rest >= NB - bi) {
    rest -= NB - bi;
    bi++;
  }
  return vec2(bi, bi + rest);
}

// Column c of outer(a, b) is b * a[c]: row i + c of the block, columns j..j+3.
fn outer(a: vec4<f32>, b4: vec4<f32>) -> mat4x4<f32> {
  return mat4x4(b4 * a.x, b4 * a.y, b4 * a.z, b4 * a.w);
}

// Grid: (ceil(PAIRS / WG), gramChunks).
@compute @workgroup_size(WG)
fn covarianceGramPartial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let block = min(gid.x, PAIRS - 1u);
  let chunk = gid.y;
  let bij = blockOf(block);
  let gi = 2u * bij.x;
  let gj = 2u * bij.y;
  let mi0 = mean4(gi);
  let mi1 = mean4(gi + 1u);
  let mj0 = mean4(gj);
  let mj1 = mean4(gj + 1u);
  var acc00 = mat4x4<f32>();
  var acc01 = mat4x4<f32>();
  var acc10 = mat4x4<f32>();
  var acc11 = mat4x4<f32>();
  let start = chunk * dims.gramRows;
  let end = min(dims.N, start + dims.gramRows);
  for (var n = start; n < end; n++) {
    let a0 = inpRow4(n, gi) - mi0;
    let a1 = inpRow4(n, gi + 1u) - mi1;
    let b0 = inpRow4(n, gj) - mj0;
    let b1 = inpRow4(n, gj + 1u) - mj1;
    acc00 += outer(a0, b0);
    acc01 += outer(a0, b1);
    acc10 += outer(a1, b0);
    acc11 += outer(a1, b1);
  }
  if (gid.x >= PAIRS) { return; }
  // block storage: row r (0..7) of the block is two vec4 (columns 0..3, 4..7) at 2r, 2r + 1
  let base = (chunk * PAIRS + block) * 16u;
  for (var c = 0u; c < 4u; c++) {
    gram[base + 2u * c] = acc00[c];
    gram[base + 2u * c + 1u] = acc01[c];
    gram[base + 2u * (c + 4u)] = acc10[c];
    gram[base + 2u * (c + 4u) + 1u] = acc11[c];
  }
}

// Grid: 2-D over PAIRS * 16 threads (grid()), one per vec4 of a block: row r = v / 2, columns
// 4(v % 2)..+3. Writes cov[i, j] and cov[j, i] from the same sum (exactly symmetric); in a
// diagonal block only i <= j, the lower half being the same numbers.
@compute @workgroup_size(WG)
fn covarianceGramReduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = flatIndex(gid, nwg);
  let tk = min(t, PAIRS * 16u - 1u);
  var acc = vec4(0.0);
  for (var k = 0u; k < dims.gramChunks; k++) { acc += gramIn[k * PAIRS * 16u + tk]; }
  if (t >= PAIRS * 16u) { return; }
  let bij = blockOf(tk / 16u);
  let v = tk % 16u;
  let i = 8u * bij.x + v / 2u;
  let j0 = 8u * bij.y + 4u * (v % 2u);
  let cov = acc / f32(max(dims.N, 2u) - 1u);
  for (var q = 0u; q < 4u; q++) {
    let j = j0 + q;
    if (i < C && j < C && i <= j) {
      stats[dims.covOffset + i * C + j] = cov[q];
      stats[dims.covOffset + j * C + i] = cov[q];
    }
  }
}

// ---- cosines and projection ----

// Grid: 2-D over `count` pairs.
@compute @workgroup_size(WG)
fn pairCosines(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = flatIndex(gid, nwg);
  let pk = min(k, dims.count - 1u);
  let r0 = indices[2u * pk];
  let r1 = indices[2u * pk + 1u];
  var xy = vec4(0.0);
  var xx = vec4(0.0);
  var yy = vec4(0.0);
  for (var g = 0u; g < C4; g++) {
    let x = inpRow4(r0, g);
    let y = inpRow4(r1, g);
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  if (k < dims.count) { out[k] = cosine(xy, xx, yy); }
}

// Grid: 2-D over count = B * (T − shift) pairs; inp is a.
@compute @workgroup_size(WG)
fn rowCosines(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = flatIndex(gid, nwg);
  let pk = min(k, dims.count - 1u);
  let P = dims.T - dims.shift;
  let ra = (pk / P) * dims.T + pk % P;
  let rb = ra + dims.shift;
  var xy = vec4(0.0);
  var xx = vec4(0.0);
  var yy = vec4(0.0);
  for (var g = 0u; g < C4; g++) {
    let x = inpRow4(ra, g);
    let y = bRow4(rb, g);
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  if (k < dims.count) { out[k] = cosine(xy, xx, yy); }
}

// Grid: 2-D over count sampled rows.
@compute @workgroup_size(WG)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flatIndex(gid, nwg);
  let row = indices[min(r, dims.count - 1u)];
  var acc = vec4(0.0); // component j: axis j
  for (var g = 0u; g < C4; g++) {
    let x = inpRow4(row, g) - mean4(g);
    acc.x += dot(x, axes4(0u, g));
    if (K > 1u) { acc.y += dot(x, axes4(1u, g)); }
    if (K > 2u) { acc.z += dot(x, axes4(2u, g)); }
    if (K > 3u) { acc.w += dot(x, axes4(3u, g)); }
  }
  if (r >= dims.count) { return; }
  for (var j = 0u; j < K; j++) { out[r * K + j] = acc[j]; }
}
