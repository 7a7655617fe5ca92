// buffers.ts: creating, filling and reading GPU buffers. Readback is for tests, evaluation and
// the metrics ring only: never inside a training step.
import type { Binding } from './program.ts';

export const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (numeric: usable before globals exist)

/** A zero-filled storage buffer of `floats` 4-byte elements (at least 4 bytes). */
export function createStorage(device: GPUDevice, floats: number, label?: string): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage: STORAGE });
}

/** A storage buffer holding `data` (Float32Array, Int32Array or Uint32Array). */
export function uploadStorage(device: GPUDevice, data: Float32Array | Int32Array | Uint32Array, label?: string): GPUBuffer {
  const buffer = createStorage(device, data.length, label);
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Copies `floats` elements of a binding back to the CPU (waits for the GPU). */
export async function readFloats(device: GPUDevice, src: Binding | GPUBuffer, floats?: number): Promise<Float32Array> {
  const bytes = await readBytes(device, src, floats === undefined ? undefined : floats * 4);
  return new Float32Array(bytes);
}

export async function readBytes(device: GPUDevice, src: Binding | GPUBuffer, byteLength?: number): Promise<ArrayBuffer> {
  const b: Binding = 'buffer' in src ? src : { buffer: src };
  const offset = b.offset ?? 0;
  const size = byteLength ?? b.size ?? b.buffer.size - offset;
  const padded = Math.ceil(size / 4) * 4;
  const staging = device.createBuffer({ size: Math.max(4, padded), usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(b.buffer, offset, staging, 0, padded);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(0x1); // GPUMapMode.READ
  const copy = staging.getMappedRange().slice(0, size);
  staging.unmap();
  staging.destroy();
  return copy;
}
