// GPU memory and limits (model/memory.ts, gpu/errors.ts): the plan equals what the constructors
// allocate; a config over a limit or the budget is refused by name before allocating (also by
// the CLI); GPU errors in scopes and uncaptured ones stop the work with their message.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMemoryPlan, GpuLimitError, MEMORY_BUDGET_BYTES, pairMemoryPlan, runMemoryPlan, STORAGE_BINDINGS_NEEDED } from './memory.ts';
import { resolveConfig, type PartialRunConfig } from './config.ts';
import { Trainer } from '../train/trainer.ts';
import { Evaluator } from '../train/evaluator.ts';
import { trainLoop } from '../train/loop.ts';
import { testGpu } from '../test/gpu.ts';
import { TextDataset } from '../data/dataset.ts';
import { CharTokenizer } from '../data/tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { randomTokens } from '../test/random.ts';
import { GpuFailure, uncapturedFailure, withErrorScopes } from '../gpu/errors.ts';
import { main } from '../cli/train.ts';

const BASE: PartialRunConfig = { model: { contextLength: 12, nLayer: 2, dModel: 16, nHead: 2 }, train: { steps: 4, batchSize: 3, warmupSteps: 1 }, eval: { sequences: 5 } };
const CASES: [string, PartialRunConfig][] = [
  ['NITP, SwiGLU head', {}],
  ['NTP (λ = 0)', { nitp: { lambda: 0 } }],
  ['head "none", gradient into layer k, shift current', { nitp: { head: 'none', stopGrad: false, shift: 'current' } }],
  ['generic cosine regularizer, untied embeddings', { nitp: { regularizer: 'generic-cosine' }, model: { ...BASE.model, tieEmbeddings: false } }],
];

function data(V: number): TextDataset {
  const rng = new Rng(3, 'memory');
  const tokenizer = new CharTokenizer(Array.from({ length: V }, (_, i) => String.fromCharCode(65 + i)));
  return new TextDataset('random', tokenizer, randomTokens(rng, 4000, V), randomTokens(rng, 4000, V));
}

/** the most storage buffers one dispatch bound, over every case */
let maxSeen = 0;

const LIMITS = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27, maxStorageBuffersPerShaderStage: 8 };

describe('the memory plan', () => {
  for (const [name, partial] of CASES) {
    it(`lists what Trainer and Evaluator allocate: ${name}`, async () => {
      const gpu = await testGpu();
      const device = gpu.device;
      const config = resolveConfig({ ...BASE, ...partial, model: { ...BASE.model, ...partial.model } });
      const allocated: { label: string; size: number }[] = [];
      let maxStorageBindings = 0;
      const createBuffer = device.createBuffer.bind(device);
      const createBindGroup = device.createBindGroup.bind(device);
      device.createBuffer = (d: GPUBufferDescriptor) => {
        if (!(d.usage & GPUBufferUsage.UNIFORM) && !(d.usage & GPUBufferUsage.MAP_READ)) allocated.push({ label: d.label ?? '', size: d.size });
        return createBuffer(d);
      };
      device.createBindGroup = (d: GPUBindGroupDescriptor) => {
        const storage = [...d.entries].filter((e) => 'buffer' in (e.resource as object) && ((e.resource as GPUBufferBinding).buffer.usage & GPUBufferUsage.STORAGE)).length;
        maxStorageBindings = Math.max(maxStorageBindings, storage);
        return createBindGroup(d);
      };
      let trainer: Trainer;
      let evaluator: Evaluator;
      try {
        trainer = new Trainer(gpu, config, data(11));
        evaluator = new Evaluator(trainer);
      } finally {
        device.createBuffer = createBuffer;
        device.createBindGroup = createBindGroup;
      }
      const plan = runMemoryPlan(config, 11);
      // every planned buffer was allocated with its size (scratch buffers: at most the planned bound)
      const bounds = new Set(['gradNormPartials', 'layernormScratch', 'covarianceScratch', 'evalStats']);
      const left = [...allocated];
      for (const b of plan.buffers) {
        const i = left.findIndex((a) => a.label === b.name && (bounds.has(b.name) ? a.size <= b.bytes : a.size === b.bytes));
        expect(i, `planned ${b.name} (${b.bytes} bytes) among ${JSON.stringify(allocated.filter((a) => a.label === b.name))}`).toBeGreaterThanOrEqual(0);
        left.splice(i, 1);
      }
      // nothing else but the 16-byte placeholders of unused matmul bindings
      expect(left.filter((a) => a.size > 16)).toEqual([]);
      maxSeen = Math.max(maxSeen, maxStorageBindings);
      evaluator!.destroy();
      trainer!.destroy();
    });
  }

  it('the kernels bind exactly STORAGE_BINDINGS_NEEDED storage buffers at most', () => {
    // measured over every dispatch the cases above recorded (tests of one file run in order)
    expect(maxSeen).toBe(STORAGE_BINDINGS_NEEDED);
  });
});

describe('configs over the limits are refused by name before allocating', () => {
  const plan = (partial: PartialRunConfig, V = 85) => pairMemoryPlan(resolveConfig(partial), V);
  it('a buffer over maxBufferSize, naming the buffer, the limit and the fields', () => {
    const huge = plan({ model: { dModel: 4096, nLayer: 48, contextLength: 4096, nHead: 32 } });
    expect(() => checkMemoryPlan(huge, LIMITS)).toThrow(GpuLimitError);
    expect(() => checkMemoryPlan(huge, LIMITS)).toThrow(/^the buffer "NTP att\.0" needs 64\.0 GiB, more than this GPU's largest buffer \(maxBufferSize 256\.0 MiB\): shrink train\.batchSize, model\.nHead, model\.contextLength$/);
  });
  it('a buffer over maxStorageBufferBindingSize: the logits of a large batch', () => {
    const logits = plan({ model: { contextLength: 1024, dModel: 64, nLayer: 1, nHead: 1 }, train: { batchSize: 64 }, data: { tokenizer: 'bpe', vocabSize: 8192 } }, 8192);
    expect(() => checkMemoryPlan(logits, LIMITS)).toThrow(/^the buffer "NTP logits" needs 2\.0 GiB, more than this GPU's largest buffer/);
    expect(() => checkMemoryPlan(logits, { ...LIMITS, maxBufferSize: 2 ** 32 })).toThrow(/"NTP logits" needs 2\.0 GiB, more than this GPU binds at once \(maxStorageBufferBindingSize 128\.0 MiB\): shrink train\.batchSize, model\.contextLength, data\.vocabSize$/);
  });
  it('a total over the budget, naming the budget and the fields behind most of it', () => {
    const wide = plan({ model: { dModel: 512, nLayer: 12, contextLength: 512, nHead: 8 }, train: { batchSize: 32 } });
    const big = { maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 40, maxStorageBuffersPerShaderStage: 10 };
    expect(wide.total).toBeGreaterThan(MEMORY_BUDGET_BYTES);
    expect(() => checkMemoryPlan(wide, big)).toThrow(/^both runs need [\d.]+ GiB of GPU memory, more than the lab's budget of 4\.0 GiB \(parameters, AdamW moments, activations, logits and the evaluation buffers\): shrink model\.contextLength, train\.batchSize, model\.dModel, model\.nHead$/);
    expect(() => checkMemoryPlan(wide, big, 2 ** 40)).not.toThrow();
    expect(() => checkMemoryPlan(plan({}), { ...big, maxStorageBuffersPerShaderStage: 4 })).toThrow(/allows 4 storage buffers per shader stage \(maxStorageBuffersPerShaderStage\)/);
  });
  it('the CLI refuses a model over the limits by name, before allocating', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nitp-limits-')), 'run');
    await expect(main(['--preset', 'tiny', '--set', 'model.dModel=4096', '--set', 'model.nLayer=48', '--set', 'model.contextLength=4096', '--set', 'model.nHead=32', '--out', out]))
      .rejects.toThrow(/^the buffer "params" needs 36\.8 GiB, more than this GPU's largest buffer \(maxBufferSize [\d.]+ [GM]iB\): shrink model\.nLayer, model\.dModel$/);
    await expect(main(['--preset', 'tiny', '--memory-budget', '0.001', '--out', out])).rejects.toThrow(/^the run needs [\d.]+ MiB of GPU memory, more than the lab's budget of 1\.0 MiB/);
  });
});

describe('GPU errors are never silent', () => {
  it('an error inside the scopes rejects with its message, after cleaning up', async () => {
    const { device } = await testGpu();
    let cleaned = false;
    await expect(withErrorScopes(device, 'Allocating both runs', () => device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }), (b) => {
      cleaned = true;
      b?.destroy();
    })).rejects.toThrow(/^Allocating both runs failed on the GPU \(GPUValidationError\): .+/);
    expect(cleaned).toBe(true);
    await expect(withErrorScopes(device, 'x', () => 7)).resolves.toBe(7);
  });

  it('an uncaptured GPU error stops the loop with its message before any metrics are reported', async () => {
    const gpu = await testGpu();
    const config = resolveConfig(BASE);
    const trainer = new Trainer(gpu, config, data(11));
    const evaluator = new Evaluator(trainer);
    gpu.errors.length = 0;
    gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }); // outside any scope
    const reports: number[] = [];
    await expect(trainLoop({ nitp: { trainer, evaluator } }, (r) => { reports.push(r.steps.nitp.length); }, {
      reportEvery: 2, evalSchedule: () => config.eval, evaluateStepZero: false, gpuFailure: () => uncapturedFailure(gpu),
    })).rejects.toThrow(GpuFailure);
    expect(reports).toEqual([]);
    expect(uncapturedFailure(gpu)).toMatch(/^A GPU error stopped training: .+/);
    gpu.errors.length = 0;
    evaluator.destroy();
    trainer.destroy();
  });
});
