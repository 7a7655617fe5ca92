// encoder.wgsl: token + position embedding, x0 = wte[token] + wpe[position].
// out: (B, T, C); inp: (B, T) token ids; wte: (V, C); wpe: (maxT, C)
// Backward (parameter grads +=): dwte[v] += sum of dout over the positions holding token v, read
// through a per-batch index (tokenStart, tokenPositions) built on the CPU, so that every sum runs
// in a fixed order without atomics; dwpe[t] += sum over b of dout[b, t].
override WG: u32 = 64;

struct Dims { B: u32, T: u32, C: u32, V: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;     // (B, T, C)
@group(0) @binding(1) var<storage, read> inp: array<u32>;           // (B, T)
@group(0) @binding(2) var<storage, read> wte: array<f32>;           // (V, C)
@group(0) @binding(3) var<storage, read> wpe: array<f32>;           // (maxT, C)
@group(0) @binding(4) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn encoderForward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let C = dims.C;
  if (i >= dims.B * dims.T * C) { return; }
  let n = i / C;
  let c = i % C;
  let t = n % dims.T;
  out[i] = wte[inp[n] * C + c] + wpe[t * C + c];
}

@group(0) @binding(5) var<storage, read_write> dwte: array<f32>;       // (V, C)
@group(0) @binding(6) var<storage, read_write> dwpe: array<f32>;       // (maxT, C)
@group(0) @binding(7) var<storage, read> dout: array<f32>;             // (B, T, C)
@group(0) @binding(8) var<storage, read> tokenStart: array<u32>;       // (V + 1)
@group(0) @binding(9) var<storage, read> tokenPositions: array<u32>;   // (B * T), grouped by token

@compute @workgroup_size(WG)
fn encoderBackwardWte(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let C = dims.C;
  if (i >= dims.V * C) { return; }
  let v = i / C;
  let c = i % C;
  var acc = 0.0;
  for (var j = tokenStart[v]; j < tokenStart[v + 1u]; j++) {
    acc += dout[tokenPositions[j] * C + c];
  }
  dwte[i] += acc;
}

@compute @workgroup_size(WG)
fn encoderBackwardWpe(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let C = dims.C;
  if (i >= dims.T * C) { return; }
  var acc = 0.0;
  for (var b = 0u; b < dims.B; b++) {
    acc += dout[b * dims.T * C + i];
  }
  dwpe[i] += acc;
}
