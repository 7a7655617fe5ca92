// exportMetrics.ts: a pair's metric history as CSV (one row per run and step, evaluation columns
// filled on evaluation steps) and as JSON (config, adapter, every step record and evaluation with
// its per-layer metrics and alignment histogram; without the PCA points, a view rather than a result).
import type { RunConfig } from '../model/config.ts';
import { RUNS, type EvalRecord, type Pair, type StepMetrics } from '../train/protocol.ts';

export const CSV_COLUMNS = [
  'run', 'step', 'lr', 'loss', 'ntp', 'nitp', 'grad_norm', 'val_ntp', 'val_nitp', 'erank_final', 'anisotropy_final', 'norm_final',
] as const;

const cell = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(x));

const finalLayer = (e: EvalRecord) => e.layers.find((l) => l.layer === 'final');

/** CSV with a header row; NaN, infinite and missing values are empty cells. */
export function metricsCsv(history: Pair<StepMetrics[]>, evals: Pair<EvalRecord[]>): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const run of RUNS) {
    const byStep = new Map(evals[run].map((e) => [e.step, e]));
    const steps = new Set([...history[run].map((m) => m.step), ...byStep.keys()]);
    const metrics = new Map(history[run].map((m) => [m.step, m]));
    for (const step of [...steps].sort((a, b) => a - b)) {
      const m = metrics.get(step);
      const e = byStep.get(step);
      const f = e && finalLayer(e);
      lines.push([
        run, step, cell(m?.lr), cell(m?.loss), cell(m?.ntp), cell(m?.aux), cell(m?.gradNorm),
        cell(e?.valNtp), cell(e?.valAux), cell(f?.erank), cell(f?.anisotropy), cell(f?.norm),
      ].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

export interface MetricsJson {
  format: 'nitp-lab-metrics';
  version: 1;
  config: RunConfig;
  adapter: string;
  runs: Pair<{ steps: StepMetrics[]; evals: Omit<EvalRecord, 'pca'>[] }>;
}

/** The whole history as JSON (NaN and infinities become null, as JSON has no such numbers). */
export function metricsJson(config: RunConfig, adapter: string, history: Pair<StepMetrics[]>, evals: Pair<EvalRecord[]>): string {
  const strip = (e: EvalRecord): Omit<EvalRecord, 'pca'> => {
    const { pca: _pca, ...rest } = e;
    return rest;
  };
  const doc: MetricsJson = {
    format: 'nitp-lab-metrics',
    version: 1,
    config,
    adapter,
    runs: { ntp: { steps: history.ntp, evals: evals.ntp.map(strip) }, nitp: { steps: history.nitp, evals: evals.nitp.map(strip) } },
  };
  return JSON.stringify(doc, (_key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>); // histogram edges and counts
    return value;
  }, 1);
}
