import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_CONFIG, FIELD_LIST, configTableMarkdown, defaultTargetLayer, isEvalStep, resolveConfig, setField } from './config.ts';
import { initParams, paramLayout, parameterSpecs, modelShape, ALIGN_FLOATS } from './params.ts';

describe('resolveConfig', () => {
  it('fills every default and resolves the NITP target layer', () => {
    const c = resolveConfig({});
    expect(c).toEqual(DEFAULT_CONFIG);
    expect(c.nitp.targetLayer).toBe(1); // round(0.2 * 4)
    expect(resolveConfig({ nitp: { targetLayer: null } }).nitp.targetLayer).toBe(1);
    expect(defaultTargetLayer(12)).toBe(2);
    expect(defaultTargetLayer(1)).toBe(1);
    expect(resolveConfig({ model: { nLayer: 10 } }).nitp.targetLayer).toBe(2);
  });

  it('keeps given fields and does not share state with the defaults', () => {
    const c = resolveConfig({ train: { lr: 1e-3 }, nitp: { loss: 'mse', targetLayer: 0 } });
    expect(c.train.lr).toBe(1e-3);
    expect(c.nitp.loss).toBe('mse');
    expect(c.nitp.targetLayer).toBe(0);
    c.model.nLayer = 99;
    expect(DEFAULT_CONFIG.model.nLayer).toBe(4);
  });

  const bad: [string, unknown, RegExp][] = [
    ['d not divisible by heads', { model: { dModel: 30, nHead: 4 } }, /"model.dModel".*divisible by model.nHead \(4\), got 30/],
    ['target layer above L', { model: { nLayer: 2 }, nitp: { targetLayer: 3 } }, /"nitp.targetLayer".*0\.\.2.*got 3/],
    ['non-positive size', { model: { nLayer: 0 } }, /"model.nLayer".*1\.\.64, got 0/],
    ['negative batch', { train: { batchSize: -4 } }, /"train.batchSize"/],
    ['fractional size', { model: { contextLength: 12.5 } }, /"model.contextLength": must be an integer/],
    ['unknown option', { nitp: { loss: 'huber' } }, /"nitp.loss": must be one of "cosine", "mse", "smoothl1", got "huber"/],
    ['unknown field', { train: { learningRate: 1 } }, /"train.learningRate": unknown field; allowed fields of train are steps, batchSize, lr/],
    ['unknown section', { optimizer: {} }, /"optimizer": unknown section/],
    ['string for a number', { train: { lr: '0.1' } }, /"train.lr": must be a finite number, got "0.1"/],
    ['zero learning rate', { train: { lr: 0 } }, /"train.lr": must be in \(0, 10\], got 0/],
    ['NaN', { nitp: { lambda: NaN } }, /"nitp.lambda": must be a finite number/],
    ['warm-up longer than the run', { train: { steps: 10, warmupSteps: 11 } }, /"train.warmupSteps": must be at most train.steps \(10\)/],
    ['boolean as string', { nitp: { stopGrad: 'yes' } }, /"nitp.stopGrad": must be true or false/],
    ['not an object', [1, 2], /"\(root\)"/],
    ['section not an object', { model: 5 }, /"model": must be an object/],
    ['__proto__ as a section', JSON.parse('{"__proto__": {"toString": "x"}}'), /"__proto__": unknown section/],
    ['__proto__ as a field', JSON.parse('{"model": {"__proto__": {"x": 1}}}'), /"model.__proto__": unknown field/],
    ['constructor as a field', { train: { constructor: 1 } }, /"train.constructor": unknown field/],
    ['an early evaluation without until', { eval: { early: { every: 2 } } }, /"eval.early.until": must be an integer/],
    ['an early evaluation with an unknown field', { eval: { early: { every: 2, until: 9, from: 1 } } }, /"eval.early.from": unknown field/],
    ['one evaluation sequence', { eval: { sequences: 1 } }, /"eval.sequences": must be in 2..4096/],
  ];
  for (const [name, input, message] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      expect(() => resolveConfig(input)).toThrow(ConfigError);
      expect(() => resolveConfig(input)).toThrow(message);
    });
  }
});

describe('parameter layout and init', () => {
  it('puts decayed tensors first, aligns offsets, and counts parameters', () => {
    const config = resolveConfig({ model: { nLayer: 2, dModel: 16, nHead: 2, contextLength: 8 } });
    const shape = modelShape(config, 10);
    const layout = paramLayout(parameterSpecs(config, shape));
    for (const t of layout.tensors) {
      expect(t.offset % ALIGN_FLOATS).toBe(0);
      expect(t.decay).toBe(t.offset < layout.decayFloats);
    }
    const C = 16;
    const block = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C) + (4 * C * C + C);
    const head = 3 * 4 * C * C;
    expect(layout.count).toBe(10 * C + 8 * C + 2 * block + 2 * C + head);
  });

  it('initialises as nanoGPT: N(0, 0.02), residual projections scaled, LayerNorm 1/0, biases 0', () => {
    const config = resolveConfig({ model: { nLayer: 3, dModel: 64, nHead: 4, contextLength: 16 } });
    const layout = paramLayout(parameterSpecs(config, modelShape(config, 50)));
    const flat = initParams(layout, 1, 3);
    const std = (name: string) => {
      const t = layout.byName.get(name)!;
      const x = flat.subarray(t.offset, t.offset + t.size);
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    };
    expect(std('transformer.wte.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.mlp.c_fc.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.1.mlp.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(6), 3);
    const ln = layout.byName.get('transformer.h.2.ln_1.weight')!;
    expect(Array.from(flat.subarray(ln.offset, ln.offset + ln.size)).every((v) => v === 1)).toBe(true);
    const bias = layout.byName.get('transformer.h.0.attn.c_attn.bias')!;
    expect(Array.from(flat.subarray(bias.offset, bias.offset + bias.size)).every((v) => v === 0)).toBe(true);
  });
});

describe('data config', () => {
  it('fills a synthetic task from its defaults and checks it against the corpus', () => {
    const c = resolveConfig({ data: { corpus: 'markov', task: { order: 1 } } });
    expect(c.data.task).toEqual({ kind: 'markov', order: 1, symbols: 16, alpha: 0.5 });
    expect(resolveConfig({ data: { corpus: 'copy' } }).data.task).toEqual({ kind: 'copy', length: 8, symbols: 16 });
    expect(() => resolveConfig({ data: { corpus: 'markov', task: { kind: 'copy' } } })).toThrow(/"data.task.kind": must match data.corpus \("markov"\)/);
    expect(() => resolveConfig({ data: { corpus: 'markov', task: { order: 9 } } })).toThrow(/"data.task".*order/);
    expect(() => resolveConfig({ data: { task: { order: 1 } } })).toThrow(/"data.task": applies to synthetic corpora/);
  });

  it('needs the upload record for an upload, and only then', () => {
    const upload = { name: 'a.txt', size: 10, sha256: '0'.repeat(64) };
    expect(resolveConfig({ data: { corpus: 'upload', upload } }).data.upload).toEqual(upload);
    expect(() => resolveConfig({ data: { corpus: 'upload' } })).toThrow(/"data.upload": corpus "upload" needs the file record/);
    expect(() => resolveConfig({ data: { upload } })).toThrow(/"data.upload": applies to corpus "upload" only/);
    expect(() => resolveConfig({ data: { corpus: 'upload', upload: { ...upload, sha256: 'xyz' } } })).toThrow(/"data.upload.sha256"/);
    expect(() => resolveConfig({ data: { corpus: 'upload', upload: { ...upload, size: 0 } } })).toThrow(/"data.upload.size"/);
  });

  it('takes BPE with a vocabulary in 256..8192', () => {
    expect(resolveConfig({ data: { tokenizer: 'bpe', vocabSize: 512 } }).data.vocabSize).toBe(512);
    expect(() => resolveConfig({ data: { tokenizer: 'bpe', vocabSize: 100 } })).toThrow(/"data.vocabSize": must be in 256..8192/);
    expect(() => resolveConfig({ data: { tokenizer: 'words' } })).toThrow(/"data.tokenizer": must be one of "char", "bpe"/);
  });
});

describe('the config table', () => {
  it('carries the refused field, the exact path and the related fields as data', () => {
    const refusal = (input: unknown) => {
      try {
        resolveConfig(input);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    };
    const e = refusal({ model: { dModel: 30 } });
    expect([e.field, e.path, e.related, e.reason]).toEqual(['model.dModel', 'model.dModel', ['model.nHead'], 'must be divisible by model.nHead (4), got 30']);
    const u = refusal({ data: { corpus: 'upload', upload: { name: 'a', size: 1, sha256: 'no' } } });
    expect([u.field, u.path]).toEqual(['data.upload', 'data.upload.sha256']);
  });

  it('gives every field a unique link key, a label, help and a default that validates', () => {
    const keys = FIELD_LIST.map((f) => f.spec.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const { spec } of FIELD_LIST) {
      expect(spec.label.length).toBeGreaterThan(2);
      expect(spec.help.length).toBeGreaterThan(10);
    }
    expect(() => resolveConfig({})).not.toThrow();
  });

  it('evaluates at step 0, every eval.every, densely early when asked, and at the last step', () => {
    const c = resolveConfig({ train: { steps: 130, warmupSteps: 0 }, eval: { every: 50, early: { every: 4, until: 20 } } });
    const steps = Array.from({ length: 131 }, (_, s) => s).filter((s) => isEvalStep(c, s));
    expect(steps).toEqual([0, 4, 8, 12, 16, 20, 50, 100, 130]);
  });

  it('sets dotted fields from text, validated like any field', () => {
    let c = setField({}, 'nitp.lambda=0');
    c = setField(c, 'train.seed=2');
    c = setField(c, 'nitp.loss=mse');
    c = setField(c, 'eval.early={"every":2,"until":60}');
    c = setField(c, 'nitp.targetLayer=null');
    expect(resolveConfig(c)).toMatchObject({ nitp: { lambda: 0, loss: 'mse', targetLayer: 1 }, train: { seed: 2 }, eval: { early: { every: 2, until: 60 } } });
    expect(() => setField(c, 'nitp.lamda=1')).toThrow(/"nitp.lamda": unknown field/);
    expect(() => setField(c, 'nitp.lambda=-1')).toThrow(/"nitp.lambda": must be in \[0, 1000\], got -1/);
    expect(() => setField(c, 'train.seed=abc')).toThrow(/"train.seed": "abc" is not a number/);
    expect(() => setField(c, 'nitp.lambda')).toThrow(/section.field=value/);
  });

  it('is the README\'s config table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- config-table:start -->');
    const end = readme.indexOf('<!-- config-table:end -->');
    expect(start, 'README.md has the config-table markers').toBeGreaterThan(0);
    expect(readme.slice(start, end).split('\n').slice(1).join('\n').trim()).toBe(configTableMarkdown());
  });
});
