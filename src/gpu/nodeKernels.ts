// nodeKernels.ts: the kernel choice in Node (command line, tests, benchmarks): `--kernels`
// (or NITP_KERNELS) forces one, else the autotuner runs with its choices kept in a file,
// $XDG_CACHE_HOME/nitp-lab/kernels.json (~/.cache/... by default; NITP_KERNEL_CACHE overrides).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GpuContext } from './device.ts';
import { describeKernels, parseKernels, setKernels, type KernelChoice } from './kernels.ts';
import { tuneKernels, type KernelCache, type TuneShapes } from './tune.ts';

export function kernelCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NITP_KERNEL_CACHE) return env.NITP_KERNEL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nitp-lab', 'kernels.json');
}

/**
 * A cache in one JSON file (key → choice). A file that is not such JSON is reported and replaced
 * by the next write (it only ever holds timings, which the tuner can remeasure). Writes go to a
 * temporary file first, then a rename: a test process beside this one never reads half a file.
 */
export function fileKernelCache(path: string, warn: (line: string) => void = console.warn): KernelCache {
  const read = (): Record<string, unknown> => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    warn(`kernel cache ${path} is not a JSON object of tuned choices; tuning again and replacing it`);
    return {};
  };
  return {
    async get(key) {
      return read()[key];
    },
    async set(key, value) {
      const all = { ...read(), [key]: value };
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(all, null, 1)}\n`);
      renameSync(tmp, path);
    },
  };
}

/**
 * Sets the kernels for a run of `shapes` on `gpu`: `flag` ("auto", "registers", "workgroup",
 * "matmul=…,rows=…"; default NITP_KERNELS, else auto) forces a choice or tunes with the file cache.
 * Returns the choice and the line to print ("kernels: …").
 */
export async function chooseKernels(gpu: GpuContext, shapes: TuneShapes, flag?: string): Promise<{ choice: KernelChoice; line: string }> {
  const request = parseKernels(flag ?? process.env.NITP_KERNELS ?? 'auto');
  let choice: KernelChoice;
  if (request === 'auto') {
    choice = (await tuneKernels(gpu, shapes, { cache: fileKernelCache(kernelCachePath()) })).choice;
  } else {
    choice = request;
    setKernels(gpu.device, choice);
  }
  return { choice, line: `kernels: ${describeKernels(choice)}` };
}
