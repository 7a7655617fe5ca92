// gradnorm.wgsl: sums of squares of the flat gradient buffer into a fixed number of partial sums,
// the first half of the global gradient norm (optimizerPrepare in adamw.wgsl adds the partials).
// grads: (n) floats, read as nVec4 = floor(n/4) vec4s plus a scalar tail of n % 4 floats.
// partials: (nPartials) =. Workgroup w owns vec4s [w·chunk, min((w+1)·chunk, nVec4)); the last
// workgroup also adds the tail. Every sum runs in a fixed order (per-thread loop, then a fixed
// tree), so the result does not depend on scheduling. WG must be a power of two.
// A gap (GAP vec4s from vec4 GAP_AT on) is stepped over: the sum walks n floats, and those from
// vec4 GAP_AT on are read GAP vec4s further on in the buffer. The engine's flat parameter layout
// has the unembedding's padded rows (model/params.ts) where the unpadded layout has none: with the
// gap the norm adds the same floats in the same order as it would over the unpadded layout, so
// padding the vocabulary leaves every step bit-identical.
override WG: u32 = 64;
override GAP_AT: u32 = 0u; // first vec4 of the walk that lies past the gap
override GAP: u32 = 0u;    // vec4s of the gap (0: none)

struct NormDims {
  nVec4: u32,     // floor(n / 4)
  n: u32,         // floats
  chunk: u32,     // vec4s per workgroup
  nPartials: u32, // workgroups = partial sums
}

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;  // (nPartials)
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;     // (nVec4 + GAP)
@group(0) @binding(2) var<storage, read> gradsTail: array<f32>;       // (n + 4·GAP), only the tail read
@group(0) @binding(3) var<uniform> dims: NormDims;

var<workgroup> sums: array<f32, WG>;

// Where the walk's i-th vec4 lies in the buffer: past the gap from GAP_AT on.
fn stored(i: u32) -> u32 { return i + select(0u, GAP, i >= GAP_AT); }

@compute @workgroup_size(WG)
fn gradNormPartials(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let start = wid.x * dims.chunk;
  let end = min(start + dims.chunk, dims.nVec4);
  var acc = vec4<f32>(0.0);
  for (var i = start + lid.x; i < end; i += WG) {
    let g = grads[stored(i)];
    acc += g * g;
  }
  var s = (acc.x + acc.y) + (acc.z + acc.w);
  let tail = 4u * dims.nVec4 + lid.x;
  if (wid.x == dims.nPartials - 1u && tail < dims.n) {
    let g = gradsTail[tail + select(0u, 4u * GAP, tail >= 4u * GAP_AT)];
    s += g * g;
  }
  sums[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      sums[lid.x] += sums[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    partials[wid.x] = sums[0];
  }
}
