// program.ts: a fixed list of GPU commands, recorded once per run and encoded every step.
// Shapes are fixed for a run, so pipelines, bind groups and uniform buffers are all made at
// record time; encoding a step is then a loop over prepared dispatches (no allocation).
import { createStorage } from './buffers.ts';

export type Binding = GPUBufferBinding;

type Command =
  | {
    kind: 'dispatch'; pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; workgroups: [number, number, number];
    label: string; constants: Readonly<Record<string, number>>;
  }
  | { kind: 'clear'; buffer: GPUBuffer; offset: number; size: number }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; size: number };

export interface DispatchSpec {
  /** WGSL source (usually common.wgsl + the op's file). */
  code: string;
  entryPoint: string;
  /** `override` constants of the entry point: workgroup sizes, tile sizes, fixed dims. */
  constants?: Record<string, number>;
  /** bindings[i] is bound at @binding(i); leave holes (undefined) for bindings the entry point does not use. */
  bindings: (Binding | undefined)[];
  /** Optional uniform block, bound at @binding(uniformBinding). Written once at record time. */
  uniform?: { binding: number; data: ArrayBuffer };
  workgroups: [number, number?, number?];
}

/**
 * WebGPU's default maxComputeWorkgroupsPerDimension, the most workgroups a dispatch may have along
 * x, y or z (requestGpu asks for no more). The one definition: launchers use grid() for counts
 * that may exceed it, and dispatch() rejects larger counts.
 */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/** Caches shader modules and pipelines per device: one pipeline per (code, entry point, constants). */
class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  constructor(private device: GPUDevice) {}

  get(code: string, entryPoint: string, constants: Record<string, number> = {}): GPUComputePipeline {
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code });
      this.modules.set(code, module);
    }
    const key = `${entryPoint}|${JSON.stringify(constants)}|${code.length}|${hashString(code)}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.device.createComputePipeline({
        label: entryPoint,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}

const caches = new WeakMap<GPUDevice, PipelineCache>();

/** FNV-1a of a string (pipeline keys; the kernel cache's source fingerprint). */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class Program {
  private commands: Command[] = [];
  /** buffers the program made for itself (uniforms, op scratch), freed by destroy() */
  private owned: GPUBuffer[] = [];
  readonly pipelines: PipelineCache;

  constructor(readonly device: GPUDevice) {
    let cache = caches.get(device);
    if (!cache) caches.set(device, (cache = new PipelineCache(device)));
    this.pipelines = cache;
  }

  get length(): number {
    return this.commands.length;
  }

  /** The dispatches recorded so far (entry point and override constants), for benchmarks and tests. */
  dispatches(): { entryPoint: string; constants: Readonly<Record<string, number>> }[] {
    return this.commands.flatMap((c) => (c.kind === 'dispatch' ? [{ entryPoint: c.label, constants: c.constants }] : []));
  }

  dispatch(spec: DispatchSpec): void {
    const pipeline = this.pipelines.get(spec.code, spec.entryPoint, spec.constants);
    const entries: GPUBindGroupEntry[] = [];
    spec.bindings.forEach((resource, binding) => {
      if (resource) entries.push({ binding, resource });
    });
    if (spec.uniform) {
      const buffer = this.device.createBuffer({
        size: Math.max(16, Math.ceil(spec.uniform.data.byteLength / 16) * 16),
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      this.device.queue.writeBuffer(buffer, 0, spec.uniform.data);
      this.owned.push(buffer);
      entries.push({ binding: spec.uniform.binding, resource: { buffer } });
    }
    const [x, y = 1, z = 1] = spec.workgroups;
    for (const n of [x, y, z]) {
      if (!Number.isInteger(n) || n < 0 || n > MAX_WORKGROUPS_PER_DIM) {
        throw new Error(`${spec.entryPoint}: workgroup count ${n} is outside 0..${MAX_WORKGROUPS_PER_DIM}`);
      }
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.commands.push({ kind: 'dispatch', pipeline, bindGroup, workgroups: [x, y, z], label: spec.entryPoint, constants: { ...spec.constants } });
  }

  /** A zero-filled storage buffer of `floats` floats that lives as long as the program (op scratch). */
  scratch(floats: number, label?: string): GPUBuffer {
    const buffer = createStorage(this.device, floats, label);
    this.owned.push(buffer);
    return buffer;
  }

  /** Zero-fills a binding (for gradients that kernels accumulate into with +=). */
  clear(b: Binding): void {
    this.commands.push({ kind: 'clear', buffer: b.buffer, offset: b.offset ?? 0, size: b.size ?? b.buffer.size - (b.offset ?? 0) });
  }

  copy(src: Binding, dst: Binding, size: number): void {
    this.commands.push({ kind: 'copy', src: src.buffer, srcOffset: src.offset ?? 0, dst: dst.buffer, dstOffset: dst.offset ?? 0, size });
  }

  /** Appends every recorded command to the encoder, in order. */
  encode(encoder: GPUCommandEncoder): void {
    encodeCommands(encoder, this.commands);
  }

  /**
   * Runs every command in a submission of its own and times it (wall clock, waiting for the GPU
   * after each): a per-kernel breakdown for benchmarks. Not for the training loop.
   */
  async profile(): Promise<{ label: string; ms: number }[]> {
    const out: { label: string; ms: number }[] = [];
    for (const c of this.commands) {
      const t0 = performance.now();
      const encoder = this.device.createCommandEncoder();
      encodeCommands(encoder, [c]);
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      out.push({ label: c.kind === 'dispatch' ? c.label : c.kind, ms: performance.now() - t0 });
    }
    return out;
  }

  /** Encodes and submits the program once. */
  run(): void {
    const encoder = this.device.createCommandEncoder();
    this.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned = [];
    this.commands = [];
  }
}

/** Appends commands to an encoder in order; consecutive dispatches share one compute pass. */
function encodeCommands(encoder: GPUCommandEncoder, commands: readonly Command[]): void {
  let pass: GPUComputePassEncoder | null = null;
  for (const c of commands) {
    if (c.kind === 'dispatch') {
      if (c.workgroups[0] * c.workgroups[1] * c.workgroups[2] === 0) continue;
      pass ??= encoder.beginComputePass();
      pass.setPipeline(c.pipeline);
      pass.setBindGroup(0, c.bindGroup);
      pass.dispatchWorkgroups(...c.workgroups);
      continue;
    }
    pass?.end();
    pass = null;
    if (c.kind === 'clear') encoder.clearBuffer(c.buffer, c.offset, c.size);
    else encoder.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.size);
  }
  pass?.end();
}

/** Number of workgroups of `size` threads needed to cover `n` items. */
export function groups(n: number, size: number): number {
  return Math.ceil(n / size);
}

/**
 * A 2-D grid of at least `count` workgroups: [count, 1] up to MAX_WORKGROUPS_PER_DIM, else the
 * fewest rows y that fit, of ceil(count / y) workgroups each. Kernels number workgroups
 * wid.y * nwg.x + wid.x (threads gid.y * nwg.x * WG + gid.x) and skip those at or past `count`
 * (fewer than y of them), so results do not depend on the grid's shape.
 */
export function grid(count: number): [number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIM) return [count, 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(count / y), y];
}
