// Run files: a round trip keeps every number and array exactly; bad, foreign, truncated, damaged
// and oversized files are refused with a sentence naming the problem.
import { describe, expect, it } from 'vitest';
import { MAX_RUN_FILE_BYTES, readRunFile, readRunFileFrom, writeRunFile, type RunFileContent } from './runFile.ts';
import { readCliFolder } from './cliRun.ts';
import { fingerprint } from './fingerprint.ts';
import { resolveConfig } from '../model/config.ts';
import type { EvalRecord, StepMetrics } from '../train/protocol.ts';

const config = resolveConfig({ model: { contextLength: 4, nLayer: 1, dModel: 8, nHead: 2 }, train: { steps: 20, warmupSteps: 2 }, eval: { every: 10 } });

function steps(n: number, aux: boolean): StepMetrics[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i + 1, lr: Math.fround(1e-3 * (i + 1)), loss: Math.fround(3 - i / 7), ntp: Math.fround(2.9 - i / 7),
    aux: aux ? Math.fround(0.5 - i / 100) : null, gradNorm: i === 3 ? NaN : Math.fround(1 + i / 3), clipScale: 1,
  }));
}

function evalAt(step: number): EvalRecord {
  return {
    step, valNtp: Math.fround(2.5 + 1 / (step + 1)), valAux: Math.fround(0.4),
    layers: [0, 1, 'final'].map((layer, i) => ({ layer: layer as 0 | 1 | 'final', erank: 5 - i / 3, anisotropy: 0.1 * i, norm: 1 + i, spectrum: [0.5, 0.3, 0.2], tail: 0 })),
    pca: { points: Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i + step))), rows: Uint32Array.from([0, 3, 7, 11]), explained: [0.5, 0.2, 0.1], meanProjection: [0.1, -0.2, 0.3] },
    alignment: { edges: Float64Array.from([-1, 0, 1]), counts: Uint32Array.from([3, 9]), outside: 1 },
  };
}

async function content(): Promise<RunFileContent> {
  const history = { ntp: steps(20, false), nitp: steps(20, true) };
  return {
    info: {
      config, adapter: 'test adapter', parameters: { ntp: 100, nitp: 150 }, vocabSize: 3, vocab: ['a', 'b', ' '],
      tokenFrequency: Float64Array.from([0.5, 0.25, 0.25]), evalBatch: { B: 2, T: 4, tokens: Int32Array.from([0, 1, 2, 0, 1, 2, 2, 1, 0, 0]), tags: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) },
      tokensPerStep: 128, trainTokens: 1000, valTokens: 100, dataSummary: 'tiny', tagged: true, lossFloor: null, tokenizerNote: null,
    },
    fingerprint: await fingerprint([history.ntp, history.nitp], 20),
    created: '2026-12-07T00:00:00.000Z',
    history,
    evals: { ntp: [evalAt(0), evalAt(10), evalAt(20)], nitp: [evalAt(0), evalAt(10), evalAt(20)] },
    probe: { ntp: [{ layer: 0, accuracy: 0.5, chance: 0.2 }], nitp: [{ layer: 'final', accuracy: 0.6, chance: 0.2 }] },
    samples: [{ step: 10, prompt: 'ab', text: { ntp: 'ba', nitp: 'aa' } }],
    checkpoint: { step: 20, ntp: Uint8Array.from([1, 2, 3]), nitp: Uint8Array.from([4, 5]) },
  };
}

/** The file's JSON changed by `f` (a value the fingerprint covers, for instance). */
function tamper(text: string, f: (doc: { runs: { nitp: { steps: { loss: number[] } } } }) => void): string {
  const doc = JSON.parse(text);
  f(doc);
  return JSON.stringify(doc);
}

describe('run files', () => {
  it('round-trip every number and array exactly (NaN included), with or without checkpoints', async () => {
    const c = await content();
    const back = await readRunFile(writeRunFile(c, true));
    expect(back).toEqual(c);
    expect(Number.isNaN(back.history.nitp[3].gradNorm)).toBe(true);
    expect((await readRunFile(writeRunFile(c, false))).checkpoint).toBeNull();
  });

  it('refuse bad, foreign, truncated and damaged files, naming the problem', async () => {
    const text = writeRunFile(await content(), false);
    const refusals: [string, RegExp][] = [
      [text.slice(0, text.length / 2), /not valid JSON.*cut short/],
      ['[1, 2]', /not a JSON object/],
      [JSON.stringify({ format: 'nitp-lab-metrics', version: 1 }), /not an NITP Lab run file \(its "format" is "nitp-lab-metrics"/],
      [text.replace('"version":1', '"version":9'), /version 9 is not one this lab reads/],
      [text.replace('"lambda":1', '"lambda":-1'), /config is not valid: .*nitp\.lambda/],
      [text.replace('"config":{', '"config":{"__proto__":{"x":1},'), /config is not valid: .*"__proto__": unknown section/],
      [text.replace('"vocabSize":3', '"vocabSize":4'), /info\.vocab has 3 tokens, info\.vocabSize is 4/],
      [text.replace(/"loss":\[[^\]]*\]/, '"loss":[1]'), /runs\.ntp\.steps\.loss has 1 values, runs\.ntp\.steps\.step has 20/],
      [tamper(text, (d) => { d.runs.nitp.steps.loss[9] = 1; }), /do not match its own fingerprint .*changed or damaged/],
    ];
    for (const [bad, message] of refusals) await expect(readRunFile(bad)).rejects.toThrow(message);
  });

  it('refuse an oversized file from its size alone, before reading it', async () => {
    const huge = { size: MAX_RUN_FILE_BYTES + 1, name: 'huge.json', text: () => { throw new Error('read'); } } as unknown as Blob;
    await expect(readRunFileFrom(huge)).rejects.toThrow(/huge\.json is 256 MiB, more than the 256 MiB a run file can be/);
  });
});

describe('CLI output folders', () => {
  const cfg = (lambda: number) => JSON.stringify({ ...config, nitp: { ...config.nitp, lambda } });
  const metrics = (lambda: number) => [
    JSON.stringify({ step: 0, eval: { layers: [{ layer: 0, erank: 4, anisotropy: 0.1, norm: 1 }, { layer: 'final', erank: 3.5, anisotropy: 0.2, norm: 2 }], valNtp: 1.2, valNitp: lambda ? 0.9 : null } }),
    JSON.stringify({ step: 1, lr: 0.001, loss: 3, ntp: 2.5, nitp: lambda ? 0.5 : null, gradNorm: 1.5 }),
    JSON.stringify({ step: 2, lr: 0.002, loss: null, ntp: 2.4, nitp: lambda ? 0.4 : null, gradNorm: 1.4 }),
  ].join('\n') + '\n';

  it('read a pair of runs (λ = 0 and λ > 0) into the same content a run file gives', () => {
    const c = readCliFolder([
      { path: 'ntp/config.json', text: cfg(0) }, { path: 'ntp/metrics.jsonl', text: metrics(0) },
      { path: 'nitp/config.json', text: cfg(1) }, { path: 'nitp/metrics.jsonl', text: metrics(1) },
      { path: 'nitp/final.safetensors', text: 'ignored' },
    ], 'demo');
    expect(c.info.config.nitp.lambda).toBe(1);
    expect(c.history.ntp.map((m) => m.step)).toEqual([1, 2]);
    expect(c.history.nitp[0]).toMatchObject({ loss: 3, aux: 0.5 });
    expect(c.history.ntp[0].aux).toBeNull();
    expect(Number.isNaN(c.history.nitp[1].loss)).toBe(true); // null in the file: a non-finite value
    expect(c.evals.nitp[0].layers[1]).toMatchObject({ layer: 'final', erank: 3.5 });
    expect(c.evals.nitp[0].pca.rows.length).toBe(0); // nothing invented
  });

  it('refuse folders that are not a run or a pair, naming why', () => {
    expect(() => readCliFolder([{ path: 'x.txt', text: '' }], 'empty')).toThrow(/empty has no run folder/);
    expect(() => readCliFolder([
      { path: 'a/config.json', text: cfg(1) }, { path: 'a/metrics.jsonl', text: metrics(1) },
      { path: 'b/config.json', text: cfg(1) }, { path: 'b/metrics.jsonl', text: metrics(1) },
    ], 'two')).toThrow(/two has two λ > 0 runs/);
    const other = JSON.stringify({ ...config, nitp: { ...config.nitp, lambda: 0 }, train: { ...config.train, seed: 9 } });
    expect(() => readCliFolder([
      { path: 'a/config.json', text: other }, { path: 'a/metrics.jsonl', text: metrics(0) },
      { path: 'b/config.json', text: cfg(1) }, { path: 'b/metrics.jsonl', text: metrics(1) },
    ], 'mixed')).toThrow(/differ in more than λ/);
    expect(() => readCliFolder([{ path: 'config.json', text: cfg(1) }, { path: 'metrics.jsonl', text: '{"step":1,"loss":' }], 'cut')).toThrow(/metrics\.jsonl line 1 is not JSON \(the file may be cut short\)/);
    expect(() => readCliFolder([{ path: 'config.json', text: '{"model":{"nLayer":0}}' }, { path: 'metrics.jsonl', text: metrics(1) }], 'bad')).toThrow(/config\.json is not a valid config: .*model\.nLayer/);
  });
});
