// Metric exports: CSV columns and rows, empty cells for missing and non-finite values, JSON that
// parses back to the same numbers.
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, metricsCsv, metricsJson } from './exportMetrics.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import type { EvalRecord, StepMetrics } from '../train/protocol.ts';

const step = (s: number, aux: number | null, loss = 3 - s / 10): StepMetrics => ({ step: s, lr: 1e-3, loss, ntp: loss, aux, gradNorm: 0.5, clipScale: 1 });
const evalAt = (s: number): EvalRecord => ({
  step: s, valNtp: 2.5, valAux: 0.25,
  layers: [{ layer: 0, erank: 9, anisotropy: 0.1, norm: 1, spectrum: [0.5], tail: 0.1 }, { layer: 'final', erank: 7.5, anisotropy: 0.3, norm: 2, spectrum: [0.6], tail: 0.2 }],
  pca: { points: new Float32Array(6), rows: new Uint32Array(2), explained: [0.5, 0.2, 0.1], meanProjection: [0, 0, 0] },
  alignment: { edges: new Float64Array([-1, 0, 1]), counts: new Uint32Array([3, 4]), outside: 0 },
});

describe('metric exports', () => {
  const history = { ntp: [step(1, null), step(2, null, NaN)], nitp: [step(1, 0.75), step(2, 0.5)] };
  const evals = { ntp: [evalAt(2)], nitp: [evalAt(2)] };

  it('writes one CSV row per run and step, evaluation columns on evaluation steps', () => {
    const rows = metricsCsv(history, evals).trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual(['ntp', '1', '0.001', '2.9', '2.9', '', '0.5', '', '', '', '', '']);
    expect(rows[2]).toEqual(['ntp', '2', '0.001', '', '', '', '0.5', '2.5', '0.25', '7.5', '0.3', '2']); // NaN loss: empty
    expect(rows[3].slice(0, 6)).toEqual(['nitp', '1', '0.001', '2.9', '2.9', '0.75']);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('writes JSON that parses back, without PCA points, NaN as null', () => {
    const doc = JSON.parse(metricsJson(DEFAULT_CONFIG, 'test adapter', history, evals));
    expect(doc.format).toBe('nitp-lab-metrics');
    expect(doc.version).toBe(1);
    expect(doc.config).toEqual(DEFAULT_CONFIG);
    expect(doc.runs.nitp.steps[1].aux).toBe(0.5);
    expect(doc.runs.ntp.steps[1].loss).toBeNull();
    expect(doc.runs.ntp.evals[0].layers[1].erank).toBe(7.5);
    expect(doc.runs.ntp.evals[0].pca).toBeUndefined();
    expect(doc.runs.nitp.evals[0].alignment).toEqual({ edges: [-1, 0, 1], counts: [3, 4], outside: 0 });
  });
});
