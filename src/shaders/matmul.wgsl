// matmul.wgsl: out (M, N) = A (M, K) · B (K, N), with a fused bias/residual/activation epilogue.
// A is `a` read row-major as (M, K), or as (K, M) when TRANS_A; B is `b` read as (K, N), or as
// (N, K) when TRANS_B. Uses in the model (llm.c names): forward out = inp·Wᵀ + bias (NT),
// dinp = dout·W (NN), dweight += doutᵀ·inp (TN); dbias += column sums of dout (matmulBackwardBias).
//
// Epilogue, on acc = (A·B)[m, n] (EPILOGUE; aux/up/post are (M, N) like out):
//   0 none            out = acc (+ bias[n] if HAS_BIAS) (+ aux[m, n] if HAS_ADDEND); out += that if ACCUMULATE
//   1 gelu            out = acc (+ bias[n]) (pre-activation), post = gelu(out)
//   2 swiglu          out = acc, post = silu(aux) * acc                    (aux = gate)
//   3 geluBackward    out = acc * geluGrad(aux)                             (aux = pre-activation)
//   4 swigluBackward  out = acc * up * siluGrad(aux), post = acc * silu(aux) (acc = dPost, aux = gate,
//                     out = dGate, post = dUp)
// out is overwritten (=) except with ACCUMULATE (+=). Every output is one thread's fixed-order sum
// over k: no atomics, bit-identical results for the same inputs.
//
// Every tensor is bound as array<vec4<f32>> with its binding size rounded up to 16 bytes (the
// launcher checks the buffer has room). VEC_A / VEC_B / VEC_OUT say the tensor's contiguous
// dimension is a multiple of 4, so rows start on a vec4: then whole vec4s are loaded and stored;
// otherwise single floats are read through a[i / 4][i % 4], clamped to the tensor.
// Flags and sizes are override constants: each pipeline is specialised to one shape and its dead
// branches vanish (sizes as constants are ~17% faster than uniforms on SwiftShader, docs/architecture.md §5).
//
// Two kernels, chosen per adapter (docs/architecture.md §5):
// - matmulRegisters: no workgroup memory; each thread computes a 16x8 block of out from vec4
//   loads, held as eight mat4x4 accumulators. Best on SwiftShader, where every thread-dependent
//   load is an emulated gather and barriers are expensive.
// - matmulTiled: 64x64 tiles of out per workgroup of 8x8 threads, staged through workgroup memory
//   in steps of 8 along k; each thread computes an 8x8 block. The usual choice on real GPUs.
// Loop bodies are written out (4 row groups x 2 column groups), not looped: SwiftShader does not
// unroll loops, and an accumulator indexed in a loop would live in memory instead of registers.

override M: u32;
override N: u32;
override K: u32;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override VEC_A: bool = false;
override VEC_B: bool = false;
override VEC_OUT: bool = false;
override EPILOGUE: u32 = 0u;
override HAS_BIAS: bool = false;
override HAS_ADDEND: bool = false;
override ACCUMULATE: bool = false;
override WGX: u32 = 4u; // matmulRegisters threads per workgroup along n
override WGY: u32 = 4u; // ... along m

const IOTA = vec4<u32>(0u, 1u, 2u, 3u);

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>; // (M, N)
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;         // (M, K), or (K, M) if TRANS_A
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;         // (K, N), or (N, K) if TRANS_B
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;      // (N)
@group(0) @binding(4) var<storage, read> aux: array<vec4<f32>>;       // (M, N): addend, gate or pre
@group(0) @binding(5) var<storage, read> up: array<vec4<f32>>;        // (M, N): swigluBackward's up
@group(0) @binding(6) var<storage, read_write> post: array<vec4<f32>>; // (M, N): post, or dUp

// ---- element access: floats of a vec4 array by flat index ----

fn aAt(i: u32) -> f32 { return a[i >> 2u][i & 3u]; }
fn bAt(i: u32) -> f32 { return b[i >> 2u][i & 3u]; }
fn aAt4(i: vec4<u32>) -> vec4<f32> { return vec4(aAt(i.x), aAt(i.y), aAt(i.z), aAt(i.w)); }
fn bAt4(i: vec4<u32>) -> vec4<f32> { return vec4(bAt(i.x), bAt(i.y), bAt(i.z), bAt(i.w)); }

// The k indices k..k+3; in the tail chunk (K not a multiple of 4) clamped to K-1, then masked.
fn kIndices(k: u32, tail: bool) -> vec4<u32> {
  let ks = vec4(k) + IOTA;
  if (tail) { return min(ks, vec4(K - 1u)); }
  return ks;
}

// Zeroes the k components (rows of a column-per-m matrix) at or beyond K.
fn maskK(q: mat4x4<f32>, k: u32, tail: bool) -> mat4x4<f32> {
  if (!tail) { return q; }
  let valid = (vec4(k) + IOTA) < vec4(K);
  let z = vec4(0.0);
  return mat4x4(select(z, q[0], valid), select(z, q[1], valid), select(z, q[2], valid), select(z, q[3], valid));
}

// ---- matmulRegisters: register-blocked, 16 rows x 8 columns of out per thread ----

// Four rows of A at k..k+3: column i holds A(m_i, k..k+3).
// off: per row m_i, its element offset: m_i*K (A is (M, K)) or m_i (A is (K, M)); rows are clamped.
fn loadA(off: vec4<u32>, k: u32, tail: bool) -> mat4x4<f32> {
  if (!TRANS_A) {
    if (VEC_A) { // K % 4 == 0: no tail
      return mat4x4(a[(off.x + k) >> 2u], a[(off.y + k) >> 2u], a[(off.z + k) >> 2u], a[(off.w + k) >> 2u]);
    }
    let ks = kIndices(k, tail);
    return maskK(mat4x4(aAt4(off.x + ks), aAt4(off.y + ks), aAt4(off.z + ks), aAt4(off.w + ks)), k, tail);
  }
  // A is (K, M): row k+j holds A(m_0..m_3, k+j); load four rows, then transpose.
  let rows = kIndices(k, tail) * M;
  var l: mat4x4<f32>;
  if (VEC_A) { // M % 4 == 0: m_0..m_3 is one aligned vec4
    l = mat4x4(a[(rows.x + off.x) >> 2u], a[(rows.y + off.x) >> 2u], a[(rows.z + off.x) >> 2u], a[(rows.w + off.x) >> 2u]);
  } else {
    l = mat4x4(aAt4(rows.x + off), aAt4(rows.y + off), aAt4(rows.z + off), aAt4(rows.w + off));
  }
  return maskK(transpose(l), k, tail);
}

// Four columns of B at k..k+3: column j holds B(k+j, n_0..n_3).
// off: per column n_j, its element offset: n_j (B is (K, N)) or n_j*K (B is (N, K)).
fn loadB(off: vec4<u32>, k: u32, tail: bool) -> mat4x4<f32> {
  var p: mat4x4<f32>;
  if (!TRANS_B) {
    let rows = kIndices(k, tail) * N;
    if (VEC_B) { // N % 4 == 0
      p = mat4x4(b[(rows.x + off.x) >> 2u], b[(rows.y + off.x) >> 2u], b[(rows.z + off.x) >> 2u], b[(rows.w + off.x) >> 2u]);
    } else {
      p = mat4x4(bAt4(rows.x + off), bAt4(rows.y + off), bAt4(rows.z + off), bAt4(rows.w + off));
    }
  } else {
    // B is (N, K): column n_j holds B(k..k+3, n_j) contiguously; load four, then transpose.
    if (VEC_B) { // K % 4 == 0: no tail
      p = transpose(mat4x4(b[(off.x + k) >> 2u], b[(off.y + k) >> 2u], b[(off.z + k) >> 2u], b[(off.w + k) >> 2u]));
    } else {
      let ks = kIndices(k, tail);
      p = transpose(mat4x4(bAt4(off.x + ks), bAt4(off.y + ks), bAt4(off.z + ks), bAt4(off.w + ks)));
    }
  }
  if (!tail) { return p; }
  let z = vec4(0.0);
  return mat4x4(select(z, p[0], k < K), select(z, p[1], k + 1u < K), select(z, p[2], k + 2u < K), select(z, p[3], k + 3u < K));
}

// Element offsets of 4 consecutive rows of A from m (clamped into the tensor).
fn offsetsA(m: u32) -> vec4<u32> {
  let ms = min(vec4(m) + IOTA, vec4(M - 1u));
  if (TRANS_A) { return ms; }
  return ms * K;
}

fn offsetsB(n: u32) -> vec4<u32> {
  let ns = min(vec4(n) + IOTA, vec4(N - 1u));
  if (TRANS_B) { return ns * K; }
  return ns;
}

// acc[2*g + h] += (rows g of A) x (columns h of B) over k..k+3: column i of acc[t] is out row m_i.
fn step8(acc: ptr<function, array<mat4x4<f32>, 8>>, oa: array<vec4<u32>, 4>, ob: array<vec4<u32>, 2>, k: u32, tail: bool) {
  let q0 = loadA(oa[0], k, tail);
  let q1 = loadA(oa[1], k, tail);
  let q2 = loadA(oa[2], k, tail);
  let q3 = loadA(oa[3], k, tail);
  let p0 = loadB(ob[0], k, tail);
  let p1 = loadB(ob[1], k, tail);
  // (P·Q)[i] = sum_j P[j] * Q[i][j] = sum_j B(k+j, n..n+3) * A(m_i, k+j)
  (*acc)[0] += p0 * q0;
  (*acc)[1] += p1 * q0;
  (*acc)[2] += p0 * q1;
  (*acc)[3] += p1 * q1;
  (*acc)[4] += p0 * q2;
  (*acc)[5] += p1 * q2;
  (*acc)[6] += p0 * q3;
  (*acc)[7] += p1 * q3;
}

@compute @workgroup_size(WGX, WGY)
fn matmulRegisters(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 16u;
  let n0 = gid.x * 8u;
  // No early return for threads past the edge (their loads are clamped, storeRow skips them):
  // after a divergent return SwiftShader masks every later load, ~35% slower here.
  // offsets are loop invariants, computed once (SwiftShader's compiler does not hoist them)
  let oa = array(offsetsA(m0), offsetsA(m0 + 4u), offsetsA(m0 + 8u), offsetsA(m0 + 12u));
  let ob = array(offsetsB(n0), offsetsB(n0 + 4u));
  var acc: array<mat4x4<f32>, 8>;
  // K % 4 != 0: the last step is partial. One call site, so the step is compiled once.
  let ragged = K % 4u != 0u;
  for (var k = 0u; k < K; k += 4u) {
    step8(&acc, oa, ob, k, ragged && k + 4u > K);
  }
  // A copy indexed in loops keeps the epilogue's code single (compiled once, not 32 times).
  var tile = acc;
  for (var t = 0u; t < 8u; t++) {
    for (var i = 0u; i < 4u; i++) {
      storeRow(m0 + 4u * (t >> 1u) + i, n0 + 4u * (t & 1u), tile[t][i]);
    }
  }
}

// ---- epilogue: out[m, n..n+3] from acc, through the fused operation ----

// Reads 4 consecutive floats of an (M, N) tensor at flat index e (= m*N + n), clamped to the row.
fn outAt4(e: vec4<u32>) -> vec4<f32> { return vec4(out[e.x >> 2u][e.x & 3u], out[e.y >> 2u][e.y & 3u], out[e.z >> 2u][e.z & 3u], out[e.w >> 2u][e.w & 3u]); }
fn auxAt4(e: vec4<u32>) -> vec4<f32> { return vec4(aux[e.x >> 2u][e.x & 3u], aux[e.y >> 2u][e.y & 3u], aux[e.z >> 2u][e.z & 3u], aux[e.w >> 2u][e.w & 3u]); }
fn upAt4(e: vec4<u32>) -> vec4<f32> { return vec4(up[e.x >> 2u][e.x & 3u], up[e.y >> 2u][e.y & 3u], up[e.z >> 2u][e.z & 3u], up[e.w >> 2u][e.w & 3u]); }
fn biasAt4(c: vec4<u32>) -> vec4<f32> { return vec4(bias[c.x >> 2u][c.x & 3u], bias[c.y >> 2u][c.y & 3u], bias[c.z >> 2u][c.z & 3u], bias[c.w >> 2u][c.w & 3u]); }

fn gelu4(u: vec4<f32>) -> vec4<f32> { return vec4(gelu(u.x), gelu(u.y), gelu(u.z), gelu(u.w)); }
fn geluGrad4(u: vec4<f32>) -> vec4<f32> { return vec4(geluGrad(u.x), geluGrad(u.y), geluGrad(u.z), geluGrad(u.w)); }
fn silu4(u: vec4<f32>) -> vec4<f32> { return vec4(silu(u.x), silu(u.y), silu(u.z), silu(u.w)); }
fn siluGrad4(u: vec4<f32>) -> vec4<f32> { return vec4(siluGrad(u.x), siluGrad(u.y), siluGrad(u.z), siluGrad(u.w)); }

fn storeRow(m: u32, n: u32, acc: vec4<f32>) {
  if (m >= M || n >= N) { return; }
  let e = m * N + n;
  // scalar path: columns n..n+3 clamped to the row (only the first `count` are stored)
  let es = vec4(m * N) + min(vec4(n) + IOTA, vec4(N - 1u));
  let count = min(4u, N - n);
  var y = acc;
  if (HAS_BIAS) {
    if (VEC_OUT) { y += bias[n >> 2u]; } else { y += biasAt4(es - vec4(m * N)); }
  }
  var x = vec4(0.0); // aux[m, n..n+3]
  if (HAS_ADDEND || EPILOGUE != 0u) {
    if (VEC_OUT) { x = aux[e >> 2u]; } else { x = auxAt4(es); }
  }
  if (HAS_ADDEND) { y += x; }
  var p = vec4(0.0); // what goes to post
  switch (EPILOGUE) {
    case 1u: { p = gelu4(y); }
    case 2u: { p = silu4(x) * y; }
    case 3u: { y = y * geluGrad4(x); }
    case 4u: {
      var u: vec4<f32>;
      if (VEC_OUT) { u = up[e >> 2u]; } else { u = upAt4(es); }
      p = y * silu4(x);
      y = y * u * siluGrad4(x);
    }
    default: {}
  }
  if (ACCUMULATE) {
    if (VEC_OUT) { y += out[e >> 2u]; } else { y += outAt4(es); }
  }
  if (VEC_OUT) {
    out[e >> 2u] = y;
    if (EPILOGUE == 1u || EPILOGUE == 2u || EPILOGUE == 4u) { post[e >> 2u] = p; }
    return;
  }
  for (var c = 0u; c < count; c++) {
    let i = e + c;
    out[i >> 2u][i & 3u] = y[c];
    if (EPILOGUE == 1u || EPILOGUE == 2u || EPILOGUE == 4u) { post[i >> 2u][i & 3u] = p[c]; }
  }
}

// ---- matmulTiled: workgroup-memory tiles (64x64 of out, 8 along k), 8x8 threads x 8x8 outputs ----
// Per k, a thread reads A(r..r+7, k) and B(k, c..c+7) as four vec4 and adds their outer product.
// TILE_K = 8 keeps workgroup memory at 4 KB: SwiftShader's pipeline compile time grows with it
// (~0.7 s at 8 KB), which the tests pay per shape.

const TILE = 64u;
const TILE_K = 8u;
var<workgroup> tileA: array<vec4<f32>, 128>; // (TILE_K rows k, TILE / 4): A(m..m+3, k)
var<workgroup> tileB: array<vec4<f32>, 128>; // (TILE_K rows k, TILE / 4): B(k, n..n+3)

// A(m, k), or 0 outside the tensor. Branch-free (a clamped load and a select): branches inside
// the k loop make SwiftShader's compile time balloon.
fn aElem(m: u32, k: u32) -> f32 {
  let i = select(min(m, M - 1u) * K + min(k, K - 1u), min(k, K - 1u) * M + min(m, M - 1u), TRANS_A);
  return select(0.0, aAt(i), m < M && k < K);
}

fn bElem(k: u32, n: u32) -> f32 {
  let i = select(min(k, K - 1u) * N + min(n, N - 1u), min(n, N - 1u) * K + min(k, K - 1u), TRANS_B);
  return select(0.0, bAt(i), k < K && n < N);
}

// Stages A(m0.., k0..) and B(k0.., n0..) in workgroup memory, 2 vec4 of each per thread: whole
// vec4s along the tensor's contiguous dimension when it is a multiple of 4 (then a vec4 lies
// entirely inside or outside the tensor), else single floats; 0 outside the tensor. A
// k-contiguous vec4 is scattered across four rows of the tile.
fn loadTiles(t: u32, m0: u32, n0: u32, k0: u32) {
  let z = vec4(0.0);
  for (var s = 0u; s < 2u; s++) {
    let u = t + 64u * s; // 0..127
    if (TRANS_A) {
      // A is (K, M): unit u is A(m..m+3, k)
      let m = m0 + 4u * (u & 15u);
      let k = k0 + (u >> 4u);
      if (VEC_A) { tileA[u] = select(z, a[(min(k, K - 1u) * M + min(m, M - 4u)) >> 2u], m < M && k < K); }
      else { tileA[u] = vec4(aElem(m, k), aElem(m + 1u, k), aElem(m + 2u, k), aElem(m + 3u, k)); }
    } else {
      // A is (M, K): unit u is A(m, k..k+3), two units per row
      let r = u >> 1u;
      let kq = 4u * (u & 1u);
      let m = m0 + r;
      let k = k0 + kq;
      var v: vec4<f32>;
      if (VEC_A) { v = select(z, a[(min(m, M - 1u) * K + min(k, K - 4u)) >> 2u], m < M && k < K); }
      else { v = vec4(aElem(m, k), aElem(m, k + 1u), aElem(m, k + 2u), aElem(m, k + 3u)); }
      for (var j = 0u; j < 4u; j++) { tileA[(kq + j) * 16u + (r >> 2u)][r & 3u] = v[j]; }
    }
    if (!TRANS_B) {
      // B is (K, N): unit u is B(k, n..n+3)
      let n = n0 + 4u * (u & 15u);
      let k = k0 + (u >> 4u);
      if (VEC_B) { tileB[u] = select(z, b[(min(k, K - 1u) * N + min(n, N - 4u)) >> 2u], k < K && n < N); }
      else { tileB[u] = vec4(bElem(k, n), bElem(k, n + 1u), bElem(k, n + 2u), bElem(k, n + 3u)); }
    } else {
      // B is (N, K): unit u is B(k..k+3, n)
      let c = u >> 1u;
      let kq = 4u * (u & 1u);
      let n = n0 + c;
      let k = k0 + kq;
      var v: vec4<f32>;
      if (VEC_B) { v = select(z, b[(min(n, N - 1u) * K + min(k, K - 4u)) >> 2u], k < K && n < N); }
      else { v = vec4(bElem(k, n), bElem(k + 1u, n), bElem(k + 2u, n), bElem(k + 3u, n)); }
      for (var j = 0u; j < 4u; j++) { tileB[(kq + j) * 16u + (c >> 2u)][c & 3u] = v[j]; }
    }
  }
}

// acc += outer product: column i of acc (out row m_i) += a[i] * b
fn outer(acc: mat4x4<f32>, a: vec4<f32>, b: vec4<f32>) -> mat4x4<f32> {
  return acc + mat4x4(b * a.x, b * a.y, b * a.z, b * a.w);
}

@compute @workgroup_size(8, 8)
fn matmulTiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.y * 8u + lid.x;
  let m0 = wid.y * TILE;
  let n0 = wid.x * TILE;
  let r = 8u * lid.y; // this thread's rows r..r+7 and columns c..c+7 in the tile
  let c = 8u * lid.x;
  var acc00 = mat4x4<f32>(); // rows r..r+3, columns c..c+3; column i is out row r+i
  var acc01 = mat4x4<f32>(); // rows r..r+3, columns c+4..c+7
  var acc10 = mat4x4<f32>(); // rows r+4..r+7, columns c..c+3
  var acc11 = mat4x4<f32>();
  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    loadTiles(t, m0, n0, k0);
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let a0 = tileA[k * 16u + (r >> 2u)];
      let a1 = tileA[k * 16u + (r >> 2u) + 1u];
      let b0 = tileB[k * 16u + (c >> 2u)];
      let b1 = tileB[k * 16u + (c >> 2u) + 1u];
      acc00 = outer(acc00, a0, b0);
      acc01 = outer(acc01, a0, b1);
      acc10 = outer(acc10, a1, b0);
      acc11 = outer(acc11, a1, b1);
    }
    workgroupBarrier();
  }
  var tile = array(acc00, acc01, acc10, acc11);
  for (var s = 0u; s < 4u; s++) {
    for (var i = 0u; i < 4u; i++) {
      storeRow(m0 + r + 4u * (s >> 1u) + i, n0 + c + 4u * (s & 1u), tile[s][i]);
    }
  }
}

// ---- matmulBackwardBias: dbias (N) += column sums of dout (M, N), in a fixed order ----
// Two kernels, chosen with the matmul variant. VEC_OUT: N % 4 == 0.
// - matmulBackwardBiasColumns (SwiftShader): one thread per 4 columns sums all rows in order; no
//   workgroup memory or barriers (~4x faster there than the tree).
// - matmulBackwardBiasTree (real GPUs): one workgroup per 4 columns; thread t sums rows t, t+64,
//   ..., then a fixed tree adds the 64 partial sums, so long columns are spread over 64 threads.

@group(0) @binding(7) var<storage, read_write> dbias: array<vec4<f32>>; // (N)
@group(0) @binding(8) var<storage, read> dout: array<vec4<f32>>;        // (M, N)
var<workgroup> partial: array<vec4<f32>, 64>;

// dout[m, n..n+3]; cols = n..n+3 clamped to the row (scalar path)
fn doutRow(m: u32, n: u32, cols: vec4<u32>) -> vec4<f32> {
  if (VEC_OUT) { return dout[(m * N + n) >> 2u]; }
  let e = vec4(m * N) + cols;
  return vec4(dout[e.x >> 2u][e.x & 3u], dout[e.y >> 2u][e.y & 3u], dout[e.z >> 2u][e.z & 3u], dout[e.w >> 2u][e.w & 3u]);
}

// dbias[n..n+3] += s, for the columns inside the tensor
fn addBias(n: u32, s: vec4<f32>) {
  if (VEC_OUT) {
    dbias[n >> 2u] += s;
    return;
  }
  for (var c = 0u; c < min(4u, N - n); c++) {
    dbias[(n + c) >> 2u][(n + c) & 3u] += s[c];
  }
}

@compute @workgroup_size(WGX)
fn matmulBackwardBiasColumns(@builtin(global_invocation_id) gid: vec3<u32>) {
  // threads past the edge run clamped and skip the store (no early return: see matmulRegisters)
  let n = min(4u * gid.x, (N - 1u) & ~3u);
  let cols = min(vec4(n) + IOTA, vec4(N - 1u));
  var s = vec4(0.0);
  for (var m = 0u; m < M; m++) {
    s += doutRow(m, n, cols);
  }
  if (4u * gid.x < N) { addBias(n, s); }
}

@compute @workgroup_size(64)
fn matmulBackwardBiasTree(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let n = 4u * wid.x;
  let cols = min(vec4(n) + IOTA, vec4(N - 1u));
  var s = vec4(0.0);
  for (var m = t; m < M; m += 64u) {
    s += doutRow(m, n, cols);
  }
  partial[t] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (t < w) { partial[t] += partial[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { addBias(n, partial[0]); }
}
