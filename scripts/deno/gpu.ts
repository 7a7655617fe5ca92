// gpu.ts: src/test/gpu.ts for Deno (scripts/test-deno.sh): the GPU of the tests is Deno's WebGPU
// (wgpu with the naga shader compiler), here on Mesa's lavapipe, through the lab's own requestGpu.
import { requestGpu, type GpuContext } from '../../src/gpu/device.ts';

let context: Promise<GpuContext> | null = null;

export function testGpu(): Promise<GpuContext> {
  context ??= requestGpu(navigator.gpu);
  return context;
}

export async function testDevice(): Promise<GPUDevice> {
  return (await testGpu()).device;
}
