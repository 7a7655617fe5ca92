// reduce.wgsl: the deterministic scalar reduction that turns per-row losses into scalars, and an
// elementwise in-place add.
// meanReduce:  out[outIndex] = scale * sum(inp[0..n)) (=; every other element of out is left as is).
//   One workgroup: thread i sums inp[i], inp[i + WG], inp[i + 2 WG], ... in increasing order, then
//   a fixed binary tree adds the WG partial sums. No atomics, so the same inputs (and WG) give
//   bit-identical results.
// addInPlace:  out[i] += inp[i] for i in [0, n): addInPlace4 adds the first 4 floor(n/4) elements
//   as vec4, addInPlaceTail the last n % 4 as scalars (the two views of one buffer cannot share a
//   dispatch: both would be writable bindings of the same range).
// inp, out: (n) f32; out of meanReduce: a small scalars buffer, several reductions write into it.
override WG: u32 = 256; // threads per workgroup; a power of two (the tree halves it)

struct Dims {
  n: u32,        // number of input elements
  outIndex: u32, // meanReduce: element of out to write
  scale: f32,    // meanReduce: factor on the sum (1/n for a mean)
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;    // meanReduce: scalars; addInPlaceTail: (n)
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (n)
@group(0) @binding(2) var<uniform> dims: Dims;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>; // (n / 4) first floor(n/4)*4 elements of out
@group(0) @binding(4) var<storage, read> inp4: array<vec4<f32>>;       // (n / 4)

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn meanReduce(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < dims.n; i += WG) {
    acc += inp[i];
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      partial[lid] += partial[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[dims.outIndex] = dims.scale * partial[0];
  }
}

// Workgroups on a 2-D grid (gpu/program.ts grid(), x up to its MAX_WORKGROUPS_PER_DIM = 65535):
// element i = gid.y * (nwg.x * WG) + gid.x.
@compute @workgroup_size(WG)
fn addInPlace4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= dims.n / 4u) { return; }
  out4[i] += inp4[i];
}

@compute @workgroup_size(WG)
fn addInPlaceTail(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = (dims.n / 4u) * 4u + gid.x;
  if (i >= dims.n) { return; }
  out[i] += inp[i];
}
