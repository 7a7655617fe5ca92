// node.ts: the WebGPU entry point in Node (Dawn through the "webgpu" package). Only the command
// line, tests and benchmarks import this file; the browser uses navigator.gpu.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { requestGpu, type GpuContext } from './device.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Dawn destroys its instance when the JS object is collected, even while a device made from it
// is in use (a crash at the next GC). Keep the instance alive for the life of the process.
let instance: GPU | null = null;

/** Returns a GPU context in Node; falls back to SwiftShader when no Vulkan driver is configured. */
export async function nodeGpu(): Promise<GpuContext> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ...
  instance ??= create([]);
  return requestGpu(instance);
}
