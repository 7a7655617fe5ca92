// gpu.ts: the GPU for tests in Node. One device per test file; a missing adapter fails loudly
// (never a silent skip) with the message of NoWebGpuError, which says how to get one.
import { nodeGpu } from '../gpu/node.ts';
import type { GpuContext } from '../gpu/device.ts';

let context: Promise<GpuContext> | null = null;

export function testGpu(): Promise<GpuContext> {
  context ??= nodeGpu();
  return context;
}

export async function testDevice(): Promise<GPUDevice> {
  return (await testGpu()).device;
}
