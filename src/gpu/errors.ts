// errors.ts: GPU errors are never silent. Allocation and the first step run inside error scopes
// (an out-of-memory or validation error there rejects with its message); any error outside a
// scope arrives as an uncaptured error (GpuContext.errors, device.ts) and stops the run at the
// next readback, before its metrics are reported: a failed buffer reads as zeros, never as a result.
import type { GpuContext } from './device.ts';

/** A WebGPU error that stopped the work: out of memory, a validation or an internal error. */
export class GpuFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuFailure';
  }
}

/** Out-of-memory, validation and internal error scopes, open until close(). */
export class ErrorScopes {
  private open = true;
  constructor(private readonly device: GPUDevice, private readonly what: string) {
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    device.pushErrorScope('internal');
  }

  /** Pops the scopes (once); rejects with a GpuFailure naming `what` and the first error they caught. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    const d = this.device;
    const caught = (await Promise.all([d.popErrorScope(), d.popErrorScope(), d.popErrorScope()])).filter((e): e is GPUError => e !== null);
    if (caught.length > 0) {
      const kind = caught[0].constructor?.name || 'GPUError';
      throw new GpuFailure(`${this.what} failed on the GPU (${kind}): ${caught[0].message}`);
    }
  }
}

/**
 * Runs `f` inside out-of-memory, validation and internal error scopes; rejects with a GpuFailure
 * naming `what` and the first error caught (after `onError` cleaned up what `f` returned).
 */
export async function withErrorScopes<T>(device: GPUDevice, what: string, f: () => T | Promise<T>, onError?: (result: T | undefined) => void): Promise<T> {
  const scopes = new ErrorScopes(device, what);
  let result: T | undefined;
  try {
    result = await f();
  } catch (e) {
    await scopes.close().catch(() => undefined); // f's own error says more
    throw e;
  }
  try {
    await scopes.close();
  } catch (e) {
    onError?.(result);
    throw e;
  }
  return result;
}

/** The first uncaptured GPU error of `gpu` as a stopping message, or null. */
export function uncapturedFailure(gpu: Pick<GpuContext, 'errors'>): string | null {
  return gpu.errors.length > 0 ? `A GPU error stopped training: ${gpu.errors[0]}` : null;
}
