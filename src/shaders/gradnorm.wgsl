// gradnorm.wgsl: sums of squares of the flat gradient buffer into a fixed number of partial sums,
// the first half of the global gradient norm (optimizerPrepare in adamw.wgsl adds the partials).
// grads: (n) floats, read as nVec4 = floor(n/4) vec4s plus a scalar tail of n % 4 floats.
// partials: (nPartials) =. Workgroup w owns vec4s [w·chunk, min((w+1)·chunk, nVec4)); the last
// workgroup also adds the tail. Every sum runs in a fixed order (per-thread loop, then a fixed
// tree), so the result does not depend on scheduling. WG must be a power of two.
override WG: u32 = 64;

struct NormDims {
  nVec4: u32,     // floor(n / 4)
  n: u32,         // floats
  chunk: u32,     // vec4s per workgroup
  nPartials: u32, // workgroups = partial sums
}

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;  // (nPartials)
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;     // (nVec4)
@group(0) @binding(2) var<storage, read> gradsTail: array<f32>;       // (n), only [4·nVec4, n) read
@group(0) @binding(3) var<uniform> dims: NormDims;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn gradNormPartials(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let start = wid.x * dims.chunk;
  let end = min(start + dims.chunk, dims.nVec4);
  var acc = vec4<f32>(0.0);
  for (var i = start + lid.x; i < end; i += WG) {
    let g = grads[i];
    acc += g * g;
  }
  var s = (acc.x + acc.y) + (acc.z + acc.w);
  let tail = 4u * dims.nVec4 + lid.x;
  if (wid.x == dims.nPartials - 1u && tail < dims.n) {
    let g = gradsTail[tail];
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
