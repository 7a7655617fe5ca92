// The kernel autotuner and the kernel choice: the tuner times real variants and the kernels it
// picks compute what the float64 reference computes; its cache is keyed by adapter; an override
// forces the kernels a program records.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testGpu } from '../test/gpu.ts';
import { Program } from './program.ts';
import { readFloats, uploadStorage } from './buffers.ts';
import { matmul } from './ops/matmul.ts';
import { crossentropyForwardBackward } from './ops/crossentropy.ts';
import { matmul as refMatmul } from '../ref/matmul.ts';
import { crossentropyForwardBackward as refCrossentropy } from '../ref/crossentropy.ts';
import { expectClose } from '../test/compare.ts';
import { randomArray, randomTokens, toF32 } from '../test/random.ts';
import { Rng } from '../util/rng.ts';
import { describeKernels, kernelsOf, matmulShapeKey, namedKernels, parseKernels, setKernels, UNTUNED, asKernelChoice, type MatmulShape } from './kernels.ts';
import { tuneKernels, tuneKey, type KernelCache, type TuneShapes } from './tune.ts';
import { fileKernelCache } from './nodeKernels.ts';
import { kernelTuneShapes } from '../model/gpt.ts';
import { resolveConfig } from '../model/config.ts';
import { modelShape } from '../model/params.ts';

/** A small model's shapes (d = 24, T = 7, B = 3, V = 13: nothing a multiple of 8). */
function smallShapes(): TuneShapes {
  const config = resolveConfig({ model: { dModel: 24, nHead: 2, nLayer: 1, contextLength: 7 }, train: { batchSize: 3 } });
  return kernelTuneShapes(config, modelShape(config, 13));
}

function memoryCache(): KernelCache & { keys: string[]; store: Map<string, unknown> } {
  const store = new Map<string, unknown>();
  const keys: string[] = [];
  return {
    keys, store,
    async get(key) {
      keys.push(key);
      return store.get(key);
    },
    async set(key, value) {
      store.set(key, JSON.parse(JSON.stringify(value)));
    },
  };
}

describe('kernel choice', () => {
  it('parses --kernels values and refuses bad ones by name', () => {
    expect(parseKernels('auto')).toBe('auto');
    const registers = parseKernels('registers');
    expect(registers).toMatchObject({ matmul: { default: 'registers', byShape: {} }, rows: 'thread' });
    expect(parseKernels('workgroup')).toMatchObject({ matmul: { default: 'workgroup' }, rows: 'workgroup' });
    expect(parseKernels('matmul=registers,rows=workgroup')).toMatchObject({ matmul: { default: 'registers' }, rows: 'workgroup' });
    expect(() => parseKernels('fast')).toThrow('--kernels: "fast" is not op=variant');
    expect(() => parseKernels('matmul=tiles')).toThrow('--kernels: matmul must be one of registers, workgroup, got "tiles"');
    expect(() => parseKernels('rows=warp')).toThrow('--kernels: rows must be one of thread, workgroup, got "warp"');
    expect(() => parseKernels('attention=registers')).toThrow('--kernels: unknown op "attention"');
  });

  it('reads back only well-formed cached choices', () => {
    const good = { matmul: { default: 'registers', byShape: { '8x8x8NN': 'workgroup' } }, rows: 'thread', source: 'tuned in 1.0 s' };
    expect(asKernelChoice(good)).toEqual(good);
    expect(asKernelChoice({ ...good, rows: 'warp' })).toBeNull();
    expect(asKernelChoice({ ...good, matmul: { default: 'registers', byShape: { x: 'fast' } } })).toBeNull();
    expect(asKernelChoice('registers')).toBeNull();
    expect(asKernelChoice(null)).toBeNull();
  });

  it('an override decides which kernel a program records', async () => {
    const { device } = await testGpu();
    const shape: MatmulShape = { M: 20, N: 12, K: 9, transA: false, transB: true };
    const entryPoints = (text: string) => {
      setKernels(device, namedKernels(text));
      const p = new Program(device);
      const buf = (n: number) => ({ buffer: uploadStorage(device, new Float32Array(n)) });
      matmul(p, { out: buf(shape.M * shape.N), a: buf(shape.M * shape.K), b: buf(shape.K * shape.N), ...shape });
      crossentropyForwardBackward(p, buf(20), buf(20 * 13), buf(20 * 13), buf(20), 20, 13, 1 / 20);
      const names = p.dispatches().map((d) => `${d.entryPoint} TPR=${d.constants.TPR ?? '-'}`);
      p.destroy();
      return names;
    };
    const before = kernelsOf(device);
    try {
      expect(entryPoints('registers')).toEqual(['matmulRegisters TPR=-', 'crossentropyForwardBackward TPR=1']);
      expect(entryPoints('workgroup')).toEqual(['matmulTiled TPR=-', 'crossentropyForwardBackward TPR=32']);
      expect(entryPoints('matmul=workgroup,rows=thread')).toEqual(['matmulTiled TPR=-', 'crossentropyForwardBackward TPR=1']);
    } finally {
      setKernels(device, before);
    }
  });
});

describe('the autotuner', () => {
  it('times every variant on the model shapes, and what it picks computes the reference results', async () => {
    const gpu = await testGpu();
    const shapes = smallShapes();
    const cache = memoryCache();
    let tuningShown = 0;
    const result = await tuneKernels(gpu, shapes, { cache, budgetMs: 60_000, onTuning: () => tuningShown++ });
    expect(result.fromCache).toBe(false);
    expect(tuningShown).toBe(1);
    // with budget to spare every shape is timed in both variants, and the row reductions too
    const timed = new Set(result.timings.map((t) => `${t.what} ${t.variant}`));
    for (const s of shapes.matmuls) for (const v of ['registers', 'workgroup']) expect(timed).toContain(`${matmulShapeKey(s)} ${v}`);
    expect(timed).toContain('rows 21x13 thread');
    expect(timed).toContain('rows 21x13 workgroup');
    for (const t of result.timings) expect(t.ms).toBeGreaterThan(0);
    // each shape gets the variant that was faster on it
    for (const s of shapes.matmuls) {
      const key = matmulShapeKey(s);
      const ms = (v: string) => result.timings.find((t) => t.what === key && t.variant === v)!.ms;
      expect(result.choice.matmul.byShape[key], key).toBe(ms('registers') <= ms('workgroup') ? 'registers' : 'workgroup');
    }
    expect(kernelsOf(gpu.device)).toBe(result.choice);
    expect(describeKernels(result.choice)).toMatch(/^matmul .* · rows (thread|workgroup) · tuned in \d+\.\d s/);

    // the kernels it chose, on each pass of the model, against the float64 reference
    const device = gpu.device;
    const rng = new Rng(5, 'tuned kernels');
    for (const s of shapes.matmuls) {
      const a = randomArray(rng, s.M * s.K);
      const b = randomArray(rng, s.K * s.N);
      const out = uploadStorage(device, new Float32Array(s.M * s.N));
      const p = new Program(device);
      matmul(p, { out: { buffer: out }, a: { buffer: uploadStorage(device, toF32(a)) }, b: { buffer: uploadStorage(device, toF32(b)) }, ...s });
      p.run();
      const expected = new Float64Array(s.M * s.N);
      refMatmul({ out: expected, a, b, ...s });
      expectClose(await readFloats(device, out, s.M * s.N), expected, { atol: 1e-5 * Math.sqrt(s.K), rtol: 1e-4 }, matmulShapeKey(s));
      p.destroy();
    }
    const { N, V } = shapes.rows;
    const logits = randomArray(rng, N * V, 3);
    const targets = randomTokens(rng, N, V);
    const losses = uploadStorage(device, new Float32Array(N));
    const dlogits = uploadStorage(device, toF32(logits));
    const p = new Program(device);
    crossentropyForwardBackward(p, { buffer: losses }, { buffer: dlogits }, { buffer: dlogits }, { buffer: uploadStorage(device, Uint32Array.from(targets)) }, N, V, 1 / N);
    p.run();
    const refLosses = new Float64Array(N);
    const refD = Float64Array.from(logits);
    refCrossentropy(refLosses, refD, refD, targets, N, V, 1 / N);
    expectClose(await readFloats(device, losses, N), refLosses, { atol: 1e-5, rtol: 1e-5 }, 'losses');
    expectClose(await readFloats(device, dlogits, N * V), refD, { atol: 1e-6, rtol: 1e-4 }, 'dlogits');
    p.destroy();
    expect(gpu.errors).toEqual([]);
  }, 300_000);

  it('keeps within its budget by timing passes first, the rest following their pass', async () => {
    const gpu = await testGpu();
    const shapes = smallShapes();
    const result = await tuneKernels(gpu, shapes, { budgetMs: 0 });
    // rows and the largest pass are always timed; nothing after the budget
    const timedShapes = new Set(result.timings.filter((t) => !t.what.startsWith('rows')).map((t) => t.what));
    expect(timedShapes.size).toBe(1);
    expect(Object.keys(result.choice.matmul.byShape).sort()).toEqual(shapes.matmuls.map(matmulShapeKey).sort());
    expect(new Set(Object.values(result.choice.matmul.byShape))).toEqual(new Set([result.choice.matmul.default]));
    expect(result.choice.source).toMatch(/\(1 of \d+ matmul shapes timed\)/);
  });

  it('caches its choice per adapter, driver and shapes, and a hit times nothing', async () => {
    const gpu = await testGpu();
    const shapes = smallShapes();
    const cache = memoryCache();
    const first = await tuneKernels(gpu, shapes, { cache, budgetMs: 0 });
    let tuningShown = 0;
    const second = await tuneKernels(gpu, shapes, { cache, budgetMs: 0, onTuning: () => tuningShown++ });
    expect(second.fromCache).toBe(true);
    expect(second.timings).toEqual([]);
    expect(tuningShown).toBe(0);
    expect({ ...second.choice, source: '' }).toEqual({ ...first.choice, source: '' });
    expect(second.choice.source).toBe(`cached (${first.choice.source})`);
    expect(cache.keys).toEqual([tuneKey(gpu.device.adapterInfo, shapes), tuneKey(gpu.device.adapterInfo, shapes)]);

    const info = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader driver 5.0.0' };
    const key = tuneKey(info, shapes);
    expect(tuneKey({ ...info }, shapes)).toBe(key);
    for (const other of [{ vendor: 'nvidia' }, { architecture: 'ampere' }, { device: '2684' }, { description: 'SwiftShader driver 5.0.1' }]) {
      expect(tuneKey({ ...info, ...other }, shapes), JSON.stringify(other)).not.toBe(key);
    }
    const wider = resolveConfig({ model: { dModel: 32, nHead: 2, nLayer: 1, contextLength: 7 }, train: { batchSize: 3 } });
    expect(tuneKey(info, kernelTuneShapes(wider, modelShape(wider, 13)))).not.toBe(key);
    setKernels(gpu.device, UNTUNED);
  });

  it('tunes without a cache that fails, and says so', async () => {
    const gpu = await testGpu();
    const broken: KernelCache = {
      get: async () => { throw new Error('QuotaExceededError'); },
      set: async () => { throw new Error('disk full'); },
    };
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warned.push(line);
    try {
      const result = await tuneKernels(gpu, smallShapes(), { cache: broken, budgetMs: 0 });
      expect(result.fromCache).toBe(false);
      expect(kernelsOf(gpu.device)).toBe(result.choice);
    } finally {
      console.warn = warn;
    }
    expect(warned).toEqual([
      'the kernel cache could not be read (QuotaExceededError); the kernels are tuned without it',
      'the kernel cache could not be written (disk full); the kernels are tuned without it',
    ]);
    setKernels(gpu.device, UNTUNED);
  });

  it('keeps choices in a file, and replaces a file that is not a cache with a warning', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kernels-')), 'kernels.json');
    const warnings: string[] = [];
    const cache = fileKernelCache(path, (w) => warnings.push(w));
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', { x: 1 });
    await cache.set('b', { y: 2 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: { x: 1 }, b: { y: 2 } });
    writeFileSync(path, '{"a": {"x": 1}'); // cut short
    expect(await cache.get('a')).toBeUndefined();
    expect(warnings).toEqual([`kernel cache ${path} is not a JSON object of tuned choices; tuning again and replacing it`]);
    await cache.set('c', { z: 3 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ c: { z: 3 } });
  });
});
