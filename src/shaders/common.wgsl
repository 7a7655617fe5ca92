// common.wgsl: helpers shared by the op shaders (joined in TS: `common + op`).

const GELU_SCALE: f32 = 0.7978845608028654; // sqrt(2 / pi)

// GELU, tanh approximation (NITP.md §2; PyTorch approximate='tanh').
fn gelu(u: f32) -> f32 {
  let cube = 0.044715 * u * u * u;
  return 0.5 * u * (1.0 + tanh(GELU_SCALE * (u + cube)));
}

// d gelu(u) / du
fn geluGrad(u: f32) -> f32 {
  let cube = 0.044715 * u * u * u;
  let t = tanh(GELU_SCALE * (u + cube));
  let sech2 = 1.0 - t * t;
  return 0.5 * (1.0 + t) + 0.5 * u * sech2 * GELU_SCALE * (1.0 + 3.0 * 0.044715 * u * u);
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

fn silu(x: f32) -> f32 {
  return x * sigmoid(x);
}

// d silu(x) / dx
fn siluGrad(x: f32) -> f32 {
  let s = sigmoid(x);
  return s * (1.0 + x * (1.0 - s));
}
