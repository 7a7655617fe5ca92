// node.ts: the WebGPU entry point in Node (Dawn through the "webgpu" package). Only the command
// line, tests and benchmarks import this file; the browser uses navigator.gpu.
//
// Adapter choice (`--adapter` of npm run train / bench): the machine's own adapter first, and
// SwiftShader (the software Vulkan in Debian's chromium) only when there is none. The Vulkan
// loader reads VK_ICD_FILENAMES when a Dawn instance is created, so each candidate gets its own
// instance. A VK_ICD_FILENAMES set by the user (scripts/test-all.sh sets SwiftShader's) is obeyed.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { NoWebGpuError, requestGpu, type GpuContext } from './device.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export const ADAPTER_REQUESTS = ['auto', 'default', 'swiftshader'] as const;
/** auto: the machine's own adapter, else SwiftShader; default: the machine's own only; swiftshader: SwiftShader only. */
export type AdapterRequest = (typeof ADAPTER_REQUESTS)[number];

/** One adapter to try: the Vulkan driver list to set first (null: leave the environment as it is). */
export interface AdapterCandidate {
  icd: string | null;
  /** how it was chosen, for the "adapter: …" line */
  reason: string;
}

export function parseAdapterRequest(value: string): AdapterRequest {
  if ((ADAPTER_REQUESTS as readonly string[]).includes(value)) return value as AdapterRequest;
  throw new Error(`--adapter must be one of ${ADAPTER_REQUESTS.join(', ')}, got "${value}"`);
}

/**
 * The adapters to try, in order (pure: tested in node.test.ts).
 * @param vkIcdFilenames the VK_ICD_FILENAMES environment variable
 * @param swiftshaderIcd SwiftShader's Vulkan driver manifest, or null where it is not installed
 */
export function adapterCandidates(request: AdapterRequest, vkIcdFilenames: string | undefined, swiftshaderIcd: string | null): AdapterCandidate[] {
  const swiftshader = (reason: string): AdapterCandidate => {
    if (!swiftshaderIcd) throw new NoWebGpuError(`SwiftShader is not installed (${SWIFTSHADER_ICD}; Debian: sudo apt-get install chromium)`);
    return { icd: swiftshaderIcd, reason };
  };
  if (request === 'swiftshader') return [swiftshader('--adapter swiftshader')];
  const own: AdapterCandidate = { icd: null, reason: vkIcdFilenames ? `the Vulkan driver in VK_ICD_FILENAMES=${vkIcdFilenames}` : "the machine's own adapter" };
  // a driver list set on purpose (the tests use SwiftShader's) is not second-guessed
  if (request === 'default' || vkIcdFilenames) return [own];
  return swiftshaderIcd ? [own, swiftshader('no GPU adapter found; falling back to SwiftShader, software and slow')] : [own];
}

/** The first candidate `probe` finds an adapter for, with what the probe returned; null when none has one. */
export async function firstAdapter<T>(candidates: AdapterCandidate[], probe: (c: AdapterCandidate) => Promise<T | null>): Promise<{ candidate: AdapterCandidate; found: T } | null> {
  for (const candidate of candidates) {
    const found = await probe(candidate);
    if (found !== null) return { candidate, found };
  }
  return null;
}

export interface NodeGpuContext extends GpuContext {
  /** why this adapter: e.g. "the machine's own adapter", "--adapter swiftshader" */
  chosenBy: string;
}

// Dawn destroys its instance when the JS object is collected, even while a device made from it
// is in use (a crash at the next GC). Keep every instance alive for the life of the process.
const instances: GPU[] = [];
const contexts = new Map<AdapterRequest, Promise<NodeGpuContext>>();

async function probeDawn(candidate: AdapterCandidate): Promise<GPU | null> {
  if (candidate.icd !== null) process.env.VK_ICD_FILENAMES = candidate.icd;
  const gpu = create([]);
  instances.push(gpu);
  return (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ? gpu : null;
}

/** A GPU context in Node on the adapter `request` asks for (one per request and process). */
export function nodeGpu(request: AdapterRequest = 'auto'): Promise<NodeGpuContext> {
  let context = contexts.get(request);
  if (!context) {
    context = (async () => {
      Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ...
      const candidates = adapterCandidates(request, process.env.VK_ICD_FILENAMES || undefined, existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : null);
      const chosen = await firstAdapter(candidates, probeDawn);
      if (!chosen) throw new NoWebGpuError(`no GPU adapter was found (tried ${candidates.map((c) => c.reason).join('; then ')})`);
      return { ...(await requestGpu(chosen.found)), chosenBy: chosen.candidate.reason };
    })();
    contexts.set(request, context);
  }
  return context;
}

/** The line the command line prints: which adapter, and why. */
export function adapterLine(gpu: NodeGpuContext): string {
  return `adapter: ${gpu.description || gpu.architecture} (${gpu.chosenBy})`;
}
