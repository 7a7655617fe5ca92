// attention.wgsl: causal multi-head self-attention on a packed qkv tensor, and its backward.
// inp = qkv: (B, T, 3C), q in channels 0..C, k in C..2C, v in 2C..3C; head h uses channels
// h*hs..(h+1)*hs of each (hs = C / NH). out: (B, T, C), heads concatenated.
// att: (B, NH, T, T) softmax(q·kᵀ / sqrt(hs)) probabilities, zero above the diagonal. Unlike
// ref/attention.ts there is no preatt output: the scores live in att until they are normalised.
// Forward: out, att =. Backward: dinp = (every element written: dq by one kernel, dk and dv by the
// other); datt, dpreatt = scratch (B, NH, T, T), dL/datt and dL/dpreatt at s <= t (above the
// diagonal: unspecified).
//
// Layout: a thread owns one head (b, h) and a block of 8 positions, and computes 8x8 tiles in
// registers (8 positions x 8 keys or channels), so 16 loaded values feed 64 multiply-adds (on
// SwiftShader every thread-dependent load is an emulated gather: cost follows values loaded, see
// docs/architecture.md §5). A column of a tile (8 positions) is a mat2x4: [0] positions 0..3, [1] 4..7.
// Thread index i: bh = i % (B*NH), block i / (B*NH) (counted from the end of the sequence in the
// query kernels, so the longest rows start first). Heads vary fastest, so neighbouring threads
// share a block and do equal causal work (no divergence).
// Positions past T - 1 (last block) and channels past hs - 1 (last tile) are clamped to the last
// valid one: they compute exactly the values of that one and store the same values to the same
// place, so no store needs a guard; only sums over keys skip the clamped copies.
// - attentionForward: 8 query rows; scores tile by tile and their row max, then
//   att = exp(score - max) / sum, then out = att·v.
// - attentionBackwardQuery: 8 query rows; datt = dout·v, dpreatt = att * (datt - sum_s att*datt),
//   dq = scale * dpreatt·k.
// - attentionBackwardKeyValue: 8 keys; dv = sum_{t >= s} att[t, s] dout[t], dk = scale * sum_{t >= s}
//   dpreatt[t, s] q[t]. Runs after attentionBackwardQuery (reads its dpreatt).
// Every sum is a loop in a fixed order: results are bit-identical run to run. No atomics.
override WG: u32 = 64;

struct Dims {
  B: u32,
  T: u32,
  C: u32,
  NH: u32,
  hs: u32,    // C / NH
  scale: f32, // 1 / sqrt(hs)
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;     // (B, T, C)
@group(0) @binding(1) var<storage, read_write> att: array<f32>;     // (B, NH, T, T)
@group(0) @binding(2) var<storage, read> inp: array<f32>;           // (B, T, 3C)
@group(0) @binding(3) var<uniform> dims: Dims;
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;    // (B, T, 3C)
@group(0) @binding(5) var<storage, read_write> dpreatt: array<f32>; // (B, NH, T, T)
@group(0) @binding(6) var<storage, read_write> datt: array<f32>;    // (B, NH, T, T)
@group(0) @binding(7) var<storage, read> dout: array<f32>;          // (B, T, C)

const NEG_BIG: f32 = -3.0e38; // stands in for -inf: exp(NEG_BIG - finite) = 0
const LO = vec4<u32>(0u, 1u, 2u, 3u); // offsets of tile entries 0..3
const HI = vec4<u32>(4u, 5u, 6u, 7u); // offsets of tile entries 4..7

struct Block {
  b: u32,
  h: u32,
  bh: u32,        // b * NH + h
  lo: vec4<u32>,  // positions t0..t0+3, clamped to last
  hi: vec4<u32>,  // positions t0+4..t0+7, clamped to last
  last: u32,      // last valid position of the block
}

fn blockCount() -> u32 {
  return dims.B * dims.NH * ((dims.T + 7u) / 8u);
}

// heavyFirst numbers the blocks from the end of the sequence, so that the causal rows with the
// most keys start first (SwiftShader runs workgroups as tasks in index order on its cores).
fn blockOf(i: u32, heavyFirst: bool) -> Block {
  let BNH = dims.B * dims.NH;
  let bh = i % BNH;
  let block = select(i / BNH, (dims.T + 7u) / 8u - 1u - i / BNH, heavyFirst);
  let t0 = block * 8u;
  let last = min(t0 + 7u, dims.T - 1u);
  return Block(bh / dims.NH, bh % dims.NH, bh, min(vec4<u32>(t0) + LO, vec4<u32>(last)),
               min(vec4<u32>(t0) + HI, vec4<u32>(last)), last);
}

// Index of channel 0 of part (0 = q, 1 = k, 2 = v) of head h at positions t of batch b in inp.
fn qkvIndex(b: u32, t: vec4<u32>, part: u32, h: u32) -> vec4<u32> {
  return ((b * dims.T + t) * 3u + part) * dims.C + h * dims.hs;
}

// Channels c0..c0+3 and c0+4..c0+7 of a tile, clamped to hs - 1.
fn channelsLo(c0: u32) -> vec4<u32> { return min(vec4<u32>(c0) + LO, vec4<u32>(dims.hs - 1u)); }
fn channelsHi(c0: u32) -> vec4<u32> { return min(vec4<u32>(c0) + HI, vec4<u32>(dims.hs - 1u)); }

fn inp4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(inp[i.x], inp[i.y], inp[i.z], inp[i.w]); }
fn att4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(att[i.x], att[i.y], att[i.z], att[i.w]); }
fn datt4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(datt[i.x], datt[i.y], datt[i.z], datt[i.w]); }
fn dpreatt4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(dpreatt[i.x], dpreatt[i.y], dpreatt[i.z], dpreatt[i.w]); }
fn dout4(i: vec4<u32>) -> vec4<f32> { return vec4<f32>(dout[i.x], dout[i.y], dout[i.z], dout[i.w]); }

// Stores a tile column: x[0] at lo, x[1] at hi.
fn storeAtt8(lo: vec4<u32>, hi: vec4<u32>, x: mat2x4<f32>) {
  att[lo.x] = x[0].x; att[lo.y] = x[0].y; att[lo.z] = x[0].z; att[lo.w] = x[0].w;
  att[hi.x] = x[1].x; att[hi.y] = x[1].y; att[hi.z] = x[1].z; att[hi.w] = x[1].w;
}
fn storeDatt8(lo: vec4<u32>, hi: vec4<u32>, x: mat2x4<f32>) {
  datt[lo.x] = x[0].x; datt[lo.y] = x[0].y; datt[lo.z] = x[0].z; datt[lo.w] = x[0].w;
  datt[hi.x] = x[1].x; datt[hi.y] = x[1].y; datt[hi.z] = x[1].z; datt[hi.w] = x[1].w;
}
fn storeDpreatt8(lo: vec4<u32>, hi: vec4<u32>, x: mat2x4<f32>) {
  dpreatt[lo.x] = x[0].x; dpreatt[lo.y] = x[0].y; dpreatt[lo.z] = x[0].z; dpreatt[lo.w] = x[0].w;
  dpreatt[hi.x] = x[1].x; dpreatt[hi.y] = x[1].y; dpreatt[hi.z] = x[1].z; dpreatt[hi.w] = x[1].w;
}
fn storeOut8(lo: vec4<u32>, hi: vec4<u32>, x: mat2x4<f32>) {
  out[lo.x] = x[0].x; out[lo.y] = x[0].y; out[lo.z] = x[0].z; out[lo.w] = x[0].w;
  out[hi.x] = x[1].x; out[hi.y] = x[1].y; out[hi.z] = x[1].z; out[hi.w] = x[1].w;
}
fn storeDinp8(lo: vec4<u32>, hi: vec4<u32>, x: mat2x4<f32>) {
  dinp[lo.x] = x[0].x; dinp[lo.y] = x[0].y; dinp[lo.z] = x[0].z; dinp[lo.w] = x[0].w;
  dinp[hi.x] = x[1].x; dinp[hi.y] = x[1].y; dinp[hi.z] = x[1].z; dinp[hi.w] = x[1].w;
}

// Stores an 8x8 tile x[j] (channel j) at rows lo/hi, channels chLo/chHi.
fn storeOutTile(lo: vec4<u32>, hi: vec4<u32>, chLo: vec4<u32>, chHi: vec4<u32>, x: array<mat2x4<f32>, 8>) {
  storeOut8(lo + chLo.x, hi + chLo.x, x[0]);
  storeOut8(lo + chLo.y, hi + chLo.y, x[1]);
  storeOut8(lo + chLo.z, hi + chLo.z, x[2]);
  storeOut8(lo + chLo.w, hi + chLo.w, x[3]);
  storeOut8(lo + chHi.x, hi + chHi.x, x[4]);
  storeOut8(lo + chHi.y, hi + chHi.y, x[5]);
  storeOut8(lo + chHi.z, hi + chHi.z, x[6]);
  storeOut8(lo + chHi.w, hi + chHi.w, x[7]);
}
fn storeDinpTile(lo: vec4<u32>, hi: vec4<u32>, chLo: vec4<u32>, chHi: vec4<u32>, x: array<mat2x4<f32>, 8>) {
  storeDinp8(lo + chLo.x, hi + chLo.x, x[0]);
  storeDinp8(lo + chLo.y, hi + chLo.y, x[1]);
  storeDinp8(lo + chLo.z, hi + chLo.z, x[2]);
  storeDinp8(lo + chLo.w, hi + chLo.w, x[3]);
  storeDinp8(lo + chHi.x, hi + chHi.x, x[4]);
  storeDinp8(lo + chHi.y, hi + chHi.y, x[5]);
  storeDinp8(lo + chHi.z, hi + chHi.z, x[6]);
  storeDinp8(lo + chHi.w, hi + chHi.w, x[7]);
}

// One column (key s) of a score tile: store the scaled scores and fold them into the row max.
fn scoreColumn(x: mat2x4<f32>, s: u32, k: Block, rLo: vec4<u32>, rHi: vec4<u32>,
               mLo: ptr<function, vec4<f32>>, mHi: ptr<function, vec4<f32>>) {
  if (s > k.last) { return; } // clamped copy of key last
  let y = x * dims.scale;
  *mLo = max(*mLo, select(vec4<f32>(NEG_BIG), y[0], vec4<u32>(s) <= k.lo));
  *mHi = max(*mHi, select(vec4<f32>(NEG_BIG), y[1], vec4<u32>(s) <= k.hi));
  storeAtt8(rLo + s, rHi + s, y);
}

@compute @workgroup_size(WG)
fn attentionForward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= blockCount()) { return; }
  let k = blockOf(i, true);
  let T = dims.T;
  let hs = dims.hs;
  let qLo = qkvIndex(k.b, k.lo, 0u, k.h);
  let qHi = qkvIndex(k.b, k.hi, 0u, k.h);
  let rLo = (k.bh * T + k.lo) * T; // att[b, h, t, 0] of the 8 rows
  let rHi = (k.bh * T + k.hi) * T;
  var mLo = vec4<f32>(NEG_BIG);
  var mHi = vec4<f32>(NEG_BIG);
  // scores, 8 keys at a time, up to the block's last row (causal), and their row max
  for (var s0 = 0u; s0 <= k.last; s0 += 8u) {
    let kLo = qkvIndex(k.b, min(vec4<u32>(s0) + LO, vec4<u32>(k.last)), 1u, k.h);
    let kHi = qkvIndex(k.b, min(vec4<u32>(s0) + HI, vec4<u32>(k.last)), 1u, k.h);
    var a0 = mat2x4<f32>();
    var a1 = mat2x4<f32>();
    var a2 = mat2x4<f32>();
    var a3 = mat2x4<f32>();
    var a4 = mat2x4<f32>();
    var a5 = mat2x4<f32>();
    var a6 = mat2x4<f32>();
    var a7 = mat2x4<f32>();
    for (var c = 0u; c < hs; c++) {
      let q = mat2x4<f32>(inp4(qLo + c), inp4(qHi + c));
      let kl = inp4(kLo + c);
      let kh = inp4(kHi + c);
      a0 += q * kl.x;
      a1 += q * kl.y;
      a2 += q * kl.z;
      a3 += q * kl.w;
      a4 += q * kh.x;
      a5 += q * kh.y;
      a6 += q * kh.z;
      a7 += q * kh.w;
    }
    scoreColumn(a0, s0, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a1, s0 + 1u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a2, s0 + 2u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a3, s0 + 3u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a4, s0 + 4u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a5, s0 + 5u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a6, s0 + 6u, k, rLo, rHi, &mLo, &mHi);
    scoreColumn(a7, s0 + 7u, k, rLo, rHi, &mLo, &mHi);
  }
  // exp(score - max) (subtracting the row max for stability), zero above the diagonal; row sums
  var lLo = vec4<f32>(0.0);
  var lHi = vec4<f32>(0.0);
  for (var s = 0u; s <= k.last; s++) {
    let eLo = select(vec4<f32>(0.0), exp(att4(rLo + s) - mLo), vec4<u32>(s) <= k.lo);
    let eHi = select(vec4<f32>(0.0), exp(att4(rHi + s) - mHi), vec4<u32>(s) <= k.hi);
    lLo += eLo;
    lHi += eHi;
    storeAtt8(rLo + s, rHi + s, mat2x4<f32>(eLo, eHi));
  }
  let invLo = 1.0 / lLo;
  let invHi = 1.0 / lHi;
  for (var s = 0u; s <= k.last; s++) {
    storeAtt8(rLo + s, rHi + s, mat2x4<f32>(att4(rLo + s) * invLo, att4(rHi + s) * invHi));
  }
  for (var s = k.last + 1u; s < T; s++) { storeAtt8(rLo + s, rHi + s, mat2x4<f32>()); }
  // out = att · v, 8 channels at a time
  let oLo = (k.b * T + k.lo) * dims.C + k.h * hs;
  let oHi = (k.b * T + k.hi) * dims.C + k.h * hs;
  for (var c0 = 0u; c0 < hs; c0 += 8u) {
    let chLo = channelsLo(c0);
    let chHi = channelsHi(c0);
    var o0 = mat2x4<f32>();
    var o1 = mat2x4<f32>();
    var o2 = mat2x4<f32>();
    var o3 = mat2x4<f32>();
    var o4 = mat2x4<f32>();
    var o5 = mat2x4<f32>();
    var o6 = mat2x4<f32>();
    var o7 = mat2x4<f32>();
    for (var s = 0u; s <= k.last; s++) {
      let p = mat2x4<f32>(att4(rLo + s), att4(rHi + s));
      let v = vec4<u32>(((k.b * T + s) * 3u + 2u) * dims.C + k.h * hs);
      let vl = inp4(v + chLo);
      let vh = inp4(v + chHi);
      o0 += p * vl.x;
      o1 += p * vl.y;
      o2 += p * vl.z;
      o3 += p * vl.w;
      o4 += p * vh.x;
      o5 += p * vh.y;
      o6 += p * vh.z;
      o7 += p * vh.w;
    }
    storeOutTile(oLo, oHi, chLo, chHi, array(o0, o1, o2, o3, o4, o5, o6, o7));
  }
}

// One column (key s) of a datt tile: store it (zero above the diagonal) and add att * datt to
// the row sums d.
fn dattColumn(x: mat2x4<f32>, s: u32, k: Block, rLo: vec4<u32>, rHi: vec4<u32>,
              dLo: ptr<function, vec4<f32>>, dHi: ptr<function, vec4<f32>>) {
  if (s > k.last) { return; } // clamped copy of key last: must not count twice
  let visibleLo = vec4<u32>(s) <= k.lo;
  let visibleHi = vec4<u32>(s) <= k.hi;
  let xLo = select(vec4<f32>(0.0), x[0], visibleLo);
  let xHi = select(vec4<f32>(0.0), x[1], visibleHi);
  storeDatt8(rLo + s, rHi + s, mat2x4<f32>(xLo, xHi));
  *dLo += select(vec4<f32>(0.0), att4(rLo + s) * xLo, visibleLo);
  *dHi += select(vec4<f32>(0.0), att4(rHi + s) * xHi, visibleHi);
}

@compute @workgroup_size(WG)
fn attentionBackwardQuery(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= blockCount()) { return; }
  let k = blockOf(i, true);
  let T = dims.T;
  let hs = dims.hs;
  let gLo = (k.b * T + k.lo) * dims.C + k.h * hs; // dout[b, t, h*hs] of the 8 rows
  let gHi = (k.b * T + k.hi) * dims.C + k.h * hs;
  let rLo = (k.bh * T + k.lo) * T;
  let rHi = (k.bh * T + k.hi) * T;
  // datt = dout · v, 8 keys at a time; d = sum_s att * datt per row
  var dLo = vec4<f32>(0.0);
  var dHi = vec4<f32>(0.0);
  for (var s0 = 0u; s0 <= k.last; s0 += 8u) {
    let vLo = qkvIndex(k.b, min(vec4<u32>(s0) + LO, vec4<u32>(k.last)), 2u, k.h);
    let vHi = qkvIndex(k.b, min(vec4<u32>(s0) + HI, vec4<u32>(k.last)), 2u, k.h);
    var a0 = mat2x4<f32>();
    var a1 = mat2x4<f32>();
    var a2 = mat2x4<f32>();
    var a3 = mat2x4<f32>();
    var a4 = mat2x4<f32>();
    var a5 = mat2x4<f32>();
    var a6 = mat2x4<f32>();
    var a7 = mat2x4<f32>();
    for (var c = 0u; c < hs; c++) {
      let g = mat2x4<f32>(dout4(gLo + c), dout4(gHi + c));
      let vl = inp4(vLo + c);
      let vh = inp4(vHi + c);
      a0 += g * vl.x;
      a1 += g * vl.y;
      a2 += g * vl.z;
      a3 += g * vl.w;
      a4 += g * vh.x;
      a5 += g * vh.y;
      a6 += g * vh.z;
      a7 += g * vh.w;
    }
    dattColumn(a0, s0, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a1, s0 + 1u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a2, s0 + 2u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a3, s0 + 3u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a4, s0 + 4u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a5, s0 + 5u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a6, s0 + 6u, k, rLo, rHi, &dLo, &dHi);
    dattColumn(a7, s0 + 7u, k, rLo, rHi, &dLo, &dHi);
  }
  // softmax backward
  for (var s = 0u; s <= k.last; s++) {
    let pLo = select(vec4<f32>(0.0), att4(rLo + s) * (datt4(rLo + s) - dLo), vec4<u32>(s) <= k.lo);
    let pHi = select(vec4<f32>(0.0), att4(rHi + s) * (datt4(rHi + s) - dHi), vec4<u32>(s) <= k.hi);
    storeDpreatt8(rLo + s, rHi + s, mat2x4<f32>(pLo, pHi));
  }
  // dq = scale * dpreatt · k, 8 channels at a time
  let qLo = qkvIndex(k.b, k.lo, 0u, k.h);
  let qHi = qkvIndex(k.b, k.hi, 0u, k.h);
  for (var c0 = 0u; c0 < hs; c0 += 8u) {
    let chLo = channelsLo(c0);
    let chHi = channelsHi(c0);
    var g0 = mat2x4<f32>();
    var g1 = mat2x4<f32>();
    var g2 = mat2x4<f32>();
    var g3 = mat2x4<f32>();
    var g4 = mat2x4<f32>();
    var g5 = mat2x4<f32>();
    var g6 = mat2x4<f32>();
    var g7 = mat2x4<f32>();
    for (var s = 0u; s <= k.last; s++) {
      let p = mat2x4<f32>(dpreatt4(rLo + s), dpreatt4(rHi + s));
      let kk = vec4<u32>(((k.b * T + s) * 3u + 1u) * dims.C + k.h * hs);
      let kl = inp4(kk + chLo);
      let kh = inp4(kk + chHi);
      g0 += p * kl.x;
      g1 += p * kl.y;
      g2 += p * kl.z;
      g3 += p * kl.w;
      g4 += p * kh.x;
      g5 += p * kh.y;
      g6 += p * kh.z;
      g7 += p * kh.w;
    }
    let sc = dims.scale;
    storeDinpTile(qLo, qHi, chLo, chHi, array(g0 * sc, g1 * sc, g2 * sc, g3 * sc, g4 * sc, g5 * sc, g6 * sc, g7 * sc));
  }
}

@compute @workgroup_size(WG)
fn attentionBackwardKeyValue(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= blockCount()) { return; }
  let k = blockOf(i, false); // here the 8 positions are keys s; the first keys have most queries
  let T = dims.T;
  let hs = dims.hs;
  let kLo = qkvIndex(k.b, k.lo, 1u, k.h);
  let kHi = qkvIndex(k.b, k.hi, 1u, k.h);
  let vLo = qkvIndex(k.b, k.lo, 2u, k.h);
  let vHi = qkvIndex(k.b, k.hi, 2u, k.h);
  for (var c0 = 0u; c0 < hs; c0 += 8u) {
    let chLo = channelsLo(c0);
    let chHi = channelsHi(c0);
    // dv[s] = sum over queries t >= s of att[t, s] dout[t] (in the first block t < s is masked)
    var v0 = mat2x4<f32>();
    var v1 = mat2x4<f32>();
    var v2 = mat2x4<f32>();
    var v3 = mat2x4<f32>();
    var v4 = mat2x4<f32>();
    var v5 = mat2x4<f32>();
    var v6 = mat2x4<f32>();
    var v7 = mat2x4<f32>();
    for (var t = k.lo.x; t < T; t++) {
      let at = (k.bh * T + t) * T; // att[b, h, t, 0]
      let a = mat2x4<f32>(select(vec4<f32>(0.0), att4(at + k.lo), k.lo <= vec4<u32>(t)),
                          select(vec4<f32>(0.0), att4(at + k.hi), k.hi <= vec4<u32>(t)));
      let g = vec4<u32>((k.b * T + t) * dims.C + k.h * hs);
      let gl = dout4(g + chLo);
      let gh = dout4(g + chHi);
      v0 += a * gl.x;
      v1 += a * gl.y;
      v2 += a * gl.z;
      v3 += a * gl.w;
      v4 += a * gh.x;
      v5 += a * gh.y;
      v6 += a * gh.z;
      v7 += a * gh.w;
    }
    storeDinpTile(vLo, vHi, chLo, chHi, array(v0, v1, v2, v3, v4, v5, v6, v7));
    // dk[s] = scale * sum over queries t >= s of dpreatt[t, s] q[t]
    var k0 = mat2x4<f32>();
    var k1 = mat2x4<f32>();
    var k2 = mat2x4<f32>();
    var k3 = mat2x4<f32>();
    var k4 = mat2x4<f32>();
    var k5 = mat2x4<f32>();
    var k6 = mat2x4<f32>();
    var k7 = mat2x4<f32>();
    for (var t = k.lo.x; t < T; t++) {
      let at = (k.bh * T + t) * T;
      let p = mat2x4<f32>(select(vec4<f32>(0.0), dpreatt4(at + k.lo), k.lo <= vec4<u32>(t)),
                          select(vec4<f32>(0.0), dpreatt4(at + k.hi), k.hi <= vec4<u32>(t)));
      let q = vec4<u32>((k.b * T + t) * 3u * dims.C + k.h * hs);
      let ql = inp4(q + chLo);
      let qh = inp4(q + chHi);
      k0 += p * ql.x;
      k1 += p * ql.y;
      k2 += p * ql.z;
      k3 += p * ql.w;
      k4 += p * qh.x;
      k5 += p * qh.y;
      k6 += p * qh.z;
      k7 += p * qh.w;
    }
    let sc = dims.scale;
    storeDinpTile(kLo, kHi, chLo, chHi, array(k0 * sc, k1 * sc, k2 * sc, k3 * sc, k4 * sc, k5 * sc, k6 * sc, k7 * sc));
  }
}
