// common.wgsl: helpers shared by the op shaders (joined in TS: `common + op`).

const GELU_SCALE: f32 = 0.7978845608028654; // sqrt(2 / pi)

// GELU, tanh approximation (docs/method.md §2; PyTorch approximate='tanh'):
//   0.5·u·(1 + tanh(a)), a = √(2/π)·(u + 0.044715·u³).
// Computed through the identity (1 + tanh(a))/2 = sigmoid(2a), which avoids the cancellation of
// 1 + tanh(a) for negative u (and SwiftShader's tanh, which returns NaN for large arguments).
fn gelu(u: f32) -> f32 {
  let a = GELU_SCALE * (u + 0.044715 * u * u * u);
  return u * sigmoid(2.0 * a);
}

// d gelu(u) / du = s + u·2s(1−s)·da/du with s = sigmoid(2a) (since 1 − tanh²(a) = 4s(1−s)).
fn geluGrad(u: f32) -> f32 {
  let a = GELU_SCALE * (u + 0.044715 * u * u * u);
  let s = sigmoid(2.0 * a);
  return s + u * 2.0 * s * (1.0 - s) * GELU_SCALE * (1.0 + 3.0 * 0.044715 * u * u);
}

// Argument clamped so exp stays finite in f32 (sigmoid(±80) is 0 or 1 to f32 precision anyway).
fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0)));
}

fn silu(x: f32) -> f32 {
  return x * sigmoid(x);
}

// d silu(x) / dx
fn siluGrad(x: f32) -> f32 {
  let s = sigmoid(x);
  return s * (1.0 + x * (1.0 - s));
}
