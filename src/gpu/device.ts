// device.ts: one way to get a GPUDevice, for the browser worker and for Node alike.
// The caller passes the GPU entry point (navigator.gpu in a browser, webgpu's create() in Node),
// so this file never imports a host-specific module.

export class NoWebGpuError extends Error {
  constructor(detail: string) {
    super(
      `WebGPU is not available: ${detail}. ` +
        'In a browser use a recent Chrome or Edge (or enable chrome://flags/#enable-unsafe-webgpu); ' +
        'on Linux without a GPU start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan. ' +
        'In Node install the "webgpu" package and, without a GPU, set ' +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Debian package "chromium").',
    );
    this.name = 'NoWebGpuError';
  }
}

export interface GpuContext {
  device: GPUDevice;
  /** Kept so the adapter lives as long as the device (Dawn in Node frees it on collection). */
  adapter: GPUAdapter;
  /**
   * GPUAdapterInfo.architecture, else the vendor, else "unknown" (e.g. "swiftshader"); for display.
   * Kernels are chosen by timing them (gpu/tune.ts), never by this string.
   */
  architecture: string;
  description: string;
  /** WebGPU validation errors seen so far (Dawn reports them without throwing). */
  errors: string[];
}

/** Requests an adapter and a device with the adapter's largest buffer limits. */
export async function requestGpu(gpu: GPU | undefined): Promise<GpuContext> {
  if (!gpu) throw new NoWebGpuError('navigator.gpu is undefined');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoWebGpuError('no GPU adapter was found');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    },
  });
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    const message = (event as GPUUncapturedErrorEvent).error.message;
    errors.push(message);
    console.error(`WebGPU error: ${message}`);
  });
  const info = adapter.info;
  return {
    errors,
    device,
    adapter,
    architecture: info.architecture || info.vendor || 'unknown',
    description: [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '),
  };
}

/** How often a lost device is asked for again, and the wait before each try after the first. */
export const DEVICE_RETRY_DELAYS_MS = [0, 500, 2000];

/** The device was lost and a new one is ready: the runs are rebuilt from their last checkpoint. */
export class DeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLost';
  }
}

/** The device was lost and no adapter came back: only a browser restart helps. */
export class DeviceGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceGone';
  }
}

/**
 * requestGpu after a device loss, tried DEVICE_RETRY_DELAYS_MS.length times with growing waits (a
 * driver reset may take a moment). Rejects with a DeviceGoneError saying to restart the browser.
 */
export async function requestGpuAgain(gpu: GPU | undefined, delaysMs: readonly number[] = DEVICE_RETRY_DELAYS_MS): Promise<GpuContext> {
  let last = '';
  for (const delay of delaysMs) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      return await requestGpu(gpu);
    } catch (e) {
      last = (e as Error).message;
    }
  }
  throw new DeviceGoneError(`no GPU adapter came back after ${delaysMs.length} tries (${last}): restart the browser to train again. ` +
    'Everything measured so far stays on the page, and saved runs resume after the restart.');
}
