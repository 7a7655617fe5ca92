// The activation helpers of common.wgsl against float64, including large arguments where
// SwiftShader's tanh and exp misbehave.
import { describe, expect, it } from 'vitest';
import common from '../../shaders/common.wgsl?raw';
import { Program } from '../program.ts';
import { createStorage, readFloats, uploadStorage } from '../buffers.ts';
import { testGpu } from '../../test/gpu.ts';
import { gelu, geluGrad, silu, siluGrad } from '../../ref/matmul.ts';
import { expectClose } from '../../test/compare.ts';

const probe = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>; // (4, n): gelu, geluGrad, silu, siluGrad
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = arrayLength(&x);
  let i = gid.x;
  if (i >= n) { return; }
  y[i] = gelu(x[i]);
  y[n + i] = geluGrad(x[i]);
  y[2u * n + i] = silu(x[i]);
  y[3u * n + i] = siluGrad(x[i]);
}`;

describe('common.wgsl activations', () => {
  it('match float64 over a wide range, finite at large |x|', async () => {
    const gpu = await testGpu();
    const xs = Float32Array.from([-1e4, -100, -50, -20, -10, -5, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 5, 10, 20, 50, 100, 1e4]);
    const n = xs.length;
    const y = createStorage(gpu.device, 4 * n);
    const p = new Program(gpu.device);
    p.dispatch({ code: common + probe, entryPoint: 'main', bindings: [{ buffer: uploadStorage(gpu.device, xs), size: n * 4 }, { buffer: y, size: 16 * n }], workgroups: [1] });
    p.run();
    const out = await readFloats(gpu.device, y, 4 * n);
    expect(out.every(Number.isFinite)).toBe(true);
    const x64 = Array.from(xs);
    const tol = { atol: 1e-6, rtol: 1e-5 };
    expectClose(out.subarray(0, n), x64.map(gelu), tol, 'gelu');
    expectClose(out.subarray(n, 2 * n), x64.map(geluGrad), tol, 'geluGrad');
    expectClose(out.subarray(2 * n, 3 * n), x64.map(silu), tol, 'silu');
    expectClose(out.subarray(3 * n, 4 * n), x64.map(siluGrad), tol, 'siluGrad');
    expect(gpu.errors).toEqual([]);
  });
});
