// Experiment links: round trips, compactness, a committed version-1 link that must keep opening,
// and every kind of bad link (each opens the lab with defaults and a notice naming the problem).
import { describe, expect, it } from 'vitest';
import { decodeExperiment, encodeExperiment, MAX_LINK_CHARS } from './url.ts';
import { DEFAULT_CONFIG, resolveConfig, type PartialRunConfig, type RunConfig } from '../model/config.ts';
import { PRESETS } from '../model/presets.ts';
import { Rng } from '../util/rng.ts';

const roundTrip = (config: RunConfig) => {
  const shared = decodeExperiment(encodeExperiment(config))!;
  expect(shared.notices).toEqual([]);
  return resolveConfig(shared.config);
};

/** A random valid config: every field drawn from its allowed values. */
function randomConfig(rng: Rng): RunConfig {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)];
  const nHead = pick([1, 2, 4]);
  const nLayer = 1 + Math.floor(rng.uniform() * 6);
  const corpus = pick(['brown', 'markov', 'copy', 'reverse', 'modadd'] as const);
  const partial: PartialRunConfig = {
    model: { contextLength: pick([8, 16, 33, 64]), nLayer, dModel: nHead * pick([4, 8, 12]), nHead, tieEmbeddings: rng.uniform() < 0.5 },
    nitp: {
      lambda: pick([0, 0.1, 0.25, 1, 3.5]), targetLayer: Math.floor(rng.uniform() * (nLayer + 1)), head: pick(['swiglu', 'none'] as const),
      shift: pick(['next', 'current'] as const), stopGrad: rng.uniform() < 0.5, loss: pick(['cosine', 'mse', 'smoothl1'] as const),
      regularizer: pick(['nitp', 'generic-cosine'] as const),
    },
    train: {
      steps: 100 + Math.floor(rng.uniform() * 5000), batchSize: pick([1, 8, 32]), lr: rng.uniform() * 0.01 + 1e-6, warmupSteps: pick([0, 10, 100]),
      schedule: pick(['wsd', 'cosine'] as const), weightDecay: rng.uniform(), gradClip: pick([0, 0.5, 1]), seed: Math.floor(rng.uniform() * 2 ** 32),
    },
    data: { corpus, ...(corpus === 'brown' ? { tokenizer: pick(['char', 'bpe'] as const), vocabSize: pick([256, 1024, 5000]) } : {}) },
    eval: { every: pick([1, 25, 50, 333]), early: pick([null, { every: 2, until: 60 }, { every: 5, until: 50 }]), sequences: pick([2, 64, 100]) },
  };
  if (corpus === 'markov') partial.data!.task = { kind: 'markov', order: pick([1, 2]), symbols: pick([4, 16]), alpha: pick([0.5, 1.7]) };
  if (corpus === 'modadd') partial.data!.task = { kind: 'modadd', modulus: pick([7, 97]) };
  return resolveConfig(partial);
}

describe('experiment links', () => {
  it('round-trip every field exactly (random configs, presets, an upload)', () => {
    const rng = new Rng(11, 'url');
    for (let i = 0; i < 200; i++) {
      const config = randomConfig(rng);
      expect(roundTrip(config)).toEqual(config);
    }
    for (const p of PRESETS) expect(roundTrip(resolveConfig(p.config))).toEqual(resolveConfig(p.config));
    // version 2: any config, written as changes to any preset, opens as itself
    for (let i = 0; i < 100; i++) {
      const config = randomConfig(rng);
      for (const p of PRESETS) {
        const shared = decodeExperiment(encodeExperiment(config, { preset: p.id }))!;
        expect(shared.notices).toEqual([]);
        expect(shared.preset).toBe(p.id);
        expect(resolveConfig(shared.config)).toEqual(config);
      }
    }
    const upload = resolveConfig({ data: { corpus: 'upload', upload: { name: 'my notes & <b>.txt', size: 12345, sha256: 'ab'.repeat(32) } } });
    expect(roundTrip(upload)).toEqual(upload);
  });

  it('are compact: only non-default fields, short keys', () => {
    expect(encodeExperiment(DEFAULT_CONFIG)).toBe('?v=2');
    const tiny = PRESETS.find((p) => p.id === 'tiny')!;
    expect(encodeExperiment(resolveConfig(tiny.config), { preset: tiny.id, fingerprint: { step: 500, hash: '0123456789ab' } }))
      .toBe('?v=2&p=tiny&fp=500.0123456789ab');
    expect(encodeExperiment(resolveConfig({ ...tiny.config, nitp: { lambda: 0.5 } }), { preset: 'tiny' })).toBe('?v=2&p=tiny&lam=0.5');
    // a field set back to the default where the preset changed it is written too
    expect(encodeExperiment(resolveConfig({ ...tiny.config, eval: { every: 50, early: null } }), { preset: 'tiny' })).toBe('?v=2&p=tiny&early=off');
  });

  it('keep opening a version-1 link made on 2026-11-29', () => {
    // Committed on purpose: if the format changes, this link must still give this config.
    const link = '?v=1&p=Paper+defaults&T=32&L=6&d=48&h=3&lam=0.5&k=2&loss=mse&sg=0&steps=3000&B=16&lr=0.001&sched=cosine&seed=42&corpus=markov&task.order=3&task.symbols=8&ev=20&fp=3000.00ff00ff00ff';
    const shared = decodeExperiment(link)!;
    expect(shared.notices).toEqual([]);
    expect(shared.preset).toBe('paper'); // the preset's id now; its name in the link still finds it
    expect(shared.fingerprint).toEqual({ step: 3000, hash: '00ff00ff00ff' });
    expect(resolveConfig(shared.config)).toEqual(resolveConfig({
      model: { contextLength: 32, nLayer: 6, dModel: 48, nHead: 3 },
      nitp: { lambda: 0.5, targetLayer: 2, loss: 'mse', stopGrad: false },
      train: { steps: 3000, batchSize: 16, lr: 0.001, schedule: 'cosine', seed: 42 },
      data: { corpus: 'markov', task: { kind: 'markov', order: 3, symbols: 8, alpha: 0.5 } },
      eval: { every: 20 },
    }));
  });

  it('is null for a plain visit', () => {
    expect(decodeExperiment('')).toBeNull();
    expect(decodeExperiment('?')).toBeNull();
  });

  it('opens an unknown version with the defaults and says so', () => {
    const shared = decodeExperiment('?v=7&L=3')!;
    expect(shared.config).toEqual({});
    expect(shared.notices).toEqual([expect.stringMatching(/format version "7" is not one this lab knows.*reads versions 1 and 2/)]);
  });

  it('reads a link without a version as version 1, with a notice', () => {
    const shared = decodeExperiment('?L=3')!;
    expect(shared.config).toEqual({ model: { nLayer: 3 } });
    expect(shared.notices).toEqual([expect.stringMatching(/no format version/)]);
  });

  it('keeps the readable fields and names each bad one', () => {
    const shared = decodeExperiment('?v=1&L=abc&d=48&h=5&lr=-1&seed=1.5&sg=maybe&head=big&zzz=1&steps=700&k=9')!;
    // d=48 with h=5 is refused: d goes (named); the default d = 64 with h = 5 is refused too, so h goes (named)
    expect(shared.config.model).toEqual({});
    expect(shared.config.train).toEqual({ steps: 700 });
    expect(shared.config.nitp).toEqual({});
    const text = shared.notices.join('\n');
    expect(text).toMatch(/"L" "abc" is not a number/);
    expect(text).toMatch(/"d" \(model\.dModel\) was not used: must be divisible by model\.nHead \(5\), got 48/);
    expect(text).toMatch(/"h" \(model\.nHead\) was not used: model\.dModel must be divisible by model\.nHead \(5\), got 64/);
    expect(text).toMatch(/"lr" \(train\.lr\) was not used: must be in \(0, 10\], got -1/);
    expect(text).toMatch(/"seed" "1\.5" must be an integer/);
    expect(text).toMatch(/"sg" "maybe" must be 1 or 0/);
    expect(text).toMatch(/"head" \(nitp\.head\) was not used: must be one of "swiglu", "none", got "big"/);
    expect(text).toMatch(/unknown field "zzz"/);
    expect(text).toMatch(/"k" \(nitp\.targetLayer\) was not used: must be in 0\.\.model\.nLayer/);
  });

  it('refuses oversized links and values', () => {
    const long = decodeExperiment(`?v=1&L=3&x=${'a'.repeat(MAX_LINK_CHARS)}`)!;
    expect(long.config).toEqual({});
    expect(long.notices[0]).toMatch(/characters long, more than the 4096/);
    const value = decodeExperiment(`?v=1&L=3&corpus=${'b'.repeat(1000)}`)!;
    expect(value.config).toEqual({ model: { nLayer: 3 } });
    expect(value.notices).toEqual([expect.stringMatching(/value of "corpus" is 1000 characters long/)]);
    expect(decodeExperiment('?v=1&steps=1e400')!.notices.join()).toMatch(/"steps".*must be an integer|train\.steps/);
  });

  it('never takes markup or script from a link into the config', () => {
    const evil = '<img src=x onerror="alert(1)">';
    const shared = decodeExperiment(`?v=1&p=${encodeURIComponent(evil)}&head=${encodeURIComponent(evil)}&corpus=${encodeURIComponent('<script>alert(1)</script>')}`)!;
    expect(shared.preset).toBeNull();
    expect(shared.config).toEqual({ nitp: {}, data: {} });
    expect(shared.notices).toHaveLength(3);
  });

  it('needs the whole file record for an upload, and names what is missing', () => {
    const shared = decodeExperiment('?v=1&corpus=upload&file=notes.txt&bytes=12')!;
    expect(resolveConfig(shared.config).data.corpus).toBe('brown');
    expect(shared.notices.join()).toMatch(/data\.upload|sha256/);
  });
});

describe('experiment links for the fields added after 2026-11-29', () => {
  it('carry the dense early evaluation and the evaluation set size', () => {
    const config = resolveConfig({ eval: { every: 25, early: { every: 2, until: 60 }, sequences: 96 } });
    const link = encodeExperiment(config);
    expect(link).toBe('?v=2&ev=25&early=2-60&evn=96');
    expect(roundTrip(config)).toEqual(config);
  });

  it('name a malformed early evaluation and keep the rest', () => {
    const shared = decodeExperiment('?v=1&early=2to60&L=3')!;
    expect(shared.config).toEqual({ model: { nLayer: 3 } });
    expect(shared.notices.join()).toMatch(/"early" "2to60" must be EVERY-UNTIL, e\.g\. 2-60/);
    const zero = decodeExperiment('?v=1&early=0-60')!;
    expect(zero.notices.join()).toMatch(/"early" \(eval\.early\) was not used: eval\.early\.every must be an integer in 1\.\.10000000, got 0/);
  });

  it('open presets by id and by their earlier names; version 2 starts from the preset', () => {
    const teaching = decodeExperiment('?v=2&p=teaching')!;
    expect(teaching.preset).toBe('teaching');
    expect(resolveConfig(teaching.config)).toEqual(resolveConfig(PRESETS.find((p) => p.id === 'teaching')!.config));
    expect(resolveConfig(decodeExperiment('?v=2&p=teaching&lam=0&seed=2')!.config)).toMatchObject({ nitp: { lambda: 0 }, train: { seed: 2, steps: 300 } });
    // version 1: p only names the preset; the fields are changes to the defaults
    expect(decodeExperiment('?v=1&p=Tiny+and+fast')!.preset).toBe('tiny');
    expect(decodeExperiment('?v=1&p=teaching')!.config).toEqual({});
  });
});

describe('presenter mode in links', () => {
  it('is read from present=1, kept by the encoder, and a bad value is named', () => {
    const shared = decodeExperiment('?v=1&p=teaching&present=1')!;
    expect(shared.present).toBe(true);
    expect(shared.notices).toEqual([]);
    expect(encodeExperiment(resolveConfig({}), { present: true })).toBe('?v=2&present=1');
    expect(decodeExperiment('?v=1&L=3')!.present).toBe(false);
    const bad = decodeExperiment('?v=1&present=yes')!;
    expect(bad.present).toBe(false);
    expect(bad.notices.join()).toMatch(/"present" "yes" must be 1 or 0/);
  });
});

describe('gallery runs in links', () => {
  it('open only this site\'s gallery paths', () => {
    expect(decodeExperiment('?v=2&run=gallery/teaching')!.run).toBe('teaching');
    expect(encodeExperiment(resolveConfig({}), { run: 'teaching' })).toBe('?v=2&run=gallery%2Fteaching');
    for (const bad of ['https://evil.example/x.json', 'gallery/../secret', '//evil/gallery/x', 'gallery/A B', 'gallery/']) {
      const shared = decodeExperiment(`?v=2&run=${encodeURIComponent(bad)}`)!;
      expect(shared.run).toBeNull();
      expect(shared.notices.join()).toMatch(/is not one of this site's gallery runs/);
    }
  });
});
