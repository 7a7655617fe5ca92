// gpu.ts: the GPU for tests in Node. One device per test file; a missing adapter fails loudly
// (never a silent skip) with the message of NoWebGpuError, which says how to get one.
// Its kernels are what the command line would use for the default lab model: tuned once per
// adapter (the file cache of gpu/nodeKernels.ts), or forced by NITP_KERNELS. Tests of one op
// pass their variants explicitly.
import { nodeGpu } from '../gpu/node.ts';
import type { GpuContext } from '../gpu/device.ts';
import { chooseKernels } from '../gpu/nodeKernels.ts';
import { kernelTuneShapes } from '../model/gpt.ts';
import { modelShape } from '../model/params.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';

/** The default corpus's character vocabulary: the lab model the kernels are tuned for. */
const DEFAULT_VOCAB = 85;

let context: Promise<GpuContext> | null = null;

export function testGpu(): Promise<GpuContext> {
  context ??= nodeGpu().then(async (gpu) => {
    await chooseKernels(gpu, kernelTuneShapes(DEFAULT_CONFIG, modelShape(DEFAULT_CONFIG, DEFAULT_VOCAB)));
    return gpu;
  });
  return context;
}

export async function testDevice(): Promise<GPUDevice> {
  return (await testGpu()).device;
}
