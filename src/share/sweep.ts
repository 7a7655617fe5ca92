// sweep.ts: a sweep is a grid of configs (a base config, fields varied over lists of values) run
// at several seeds, one run folder per (variant, seed), as `npm run train` writes it. This module
// is pure and browser-safe: the grid (for the CLI and the lab's queue), the run folders' names,
// and the summary, computed from the run folders' config.json and metrics.jsonl alone, so the CLI
// (DIR/summary.json, summary.csv) and the lab (a sweep folder opened in the page) agree.
//
// λ = 0 is plain NTP: every other nitp.* field is inert there (docs/method.md §3), so a grid point
// with λ = 0 takes the base config's nitp fields, its varied nitp.* values read as null, and the
// copies such a grid would repeat are run once. The λ = 0 run of a seed is the baseline of every
// λ > 0 variant that matches it outside the nitp section (paired differences, same seed).
import { ConfigError, FIELD_LIST, fieldSpec, resolveConfig, setField, type PartialRunConfig, type RunConfig } from '../model/config.ts';
import type { EvalRecord, StepMetrics } from '../train/protocol.ts';

/** One --vary: a dotted config field and the values it takes, in order. */
export interface VaryAxis {
  path: string;
  values: unknown[];
}

/** One run of a sweep: its folder name (relative to the sweep folder), config, seed and variant. */
export interface SweepRunPlan {
  dir: string;
  seed: number;
  /** the varied fields' values (null for an inert nitp.* field at λ = 0) */
  variant: Record<string, unknown>;
  config: RunConfig;
}

/** Splits "a,b,{"x":1,"y":2}" at the commas outside braces, brackets and quotes. */
export function splitValues(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out.map((s) => s.trim());
}

const get = (config: PartialRunConfig | RunConfig, path: string): unknown => {
  const [section, name] = path.split('.');
  return (config as Record<string, Record<string, unknown> | undefined>)[section]?.[name];
};

/**
 * Parses "--vary section.field=v1,v2,..." with the same names and per-field checks as --set
 * (config.ts setField); rules across fields are checked per grid point by sweepPlan.
 */
export function parseVary(arg: string): VaryAxis {
  const eq = arg.indexOf('=');
  if (eq < 1) throw new Error(`--vary takes section.field=v1,v2,..., got "${arg}"`);
  const path = arg.slice(0, eq);
  if (path === 'train.seed') throw new Error('--vary train.seed: use --seeds N (seeds are the base seed, +1, +2, …)');
  const raws = splitValues(arg.slice(eq + 1));
  if (raws.some((r) => r === '')) throw new Error(`--vary ${path}: empty value in "${arg.slice(eq + 1)}"`);
  const values = raws.map((raw) => get(setField({}, `${path}=${raw}`), path));
  const seen = new Set(values.map((v) => JSON.stringify(v)));
  if (seen.size !== values.length) throw new Error(`--vary ${path}: a value is listed twice`);
  return { path, values };
}

/** Whether a varied field is inert in this config (a nitp.* field other than λ, at λ = 0). */
const inert = (config: RunConfig, path: string) => config.nitp.lambda === 0 && path.startsWith('nitp.') && path !== 'nitp.lambda';

/** The varied fields' values of a run's config: what its summary row is keyed by. */
export function variantOf(config: RunConfig, varied: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(varied.map((p) => [p, inert(config, p) ? null : get(config, p) ?? null]));
}

const keyOfField = (path: string) => fieldSpec(path)!.key.replace(/\.$/, '');
const slug = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)).replace(/[^A-Za-z0-9.=-]+/g, '-');

/** A run folder's name: link keys of the varied fields and the seed, e.g. "lam=0.3_k=2_seed1337". */
export function runDirName(variant: Record<string, unknown>, seed: number): string {
  const parts = Object.entries(variant).filter(([, v]) => v !== null).map(([p, v]) => `${keyOfField(p)}=${slug(v)}`);
  return [...parts, `seed${seed}`].join('_');
}

/**
 * Every run of the grid at seeds base, base+1, …, base+seeds−1 (base: the config's train.seed),
 * seed by seed, variants in grid order (the first axis varies slowest). Every grid point is resolved
 * before anything runs: a bad combination is refused naming the variant and the field.
 */
export function sweepPlan(base: PartialRunConfig, axes: readonly VaryAxis[], seeds: number): SweepRunPlan[] {
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, got ${seeds}`);
  const paths = axes.map((a) => a.path);
  if (new Set(paths).size !== paths.length) throw new Error(`--vary names a field twice (${paths.join(', ')})`);
  const baseSeed = resolveConfig(base).train.seed;
  let points: Record<string, unknown>[] = [{}];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.path]: v })));
  const variants: { variant: Record<string, unknown>; config: RunConfig }[] = [];
  const seen = new Set<string>();
  for (const point of points) {
    let partial = base;
    for (const [path, value] of Object.entries(point)) partial = setField(partial, `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const describe = Object.entries(point).map(([p, v]) => `${p}=${JSON.stringify(v)}`).join(', ');
    let config: RunConfig;
    try {
      config = resolveConfig(partial);
    } catch (e) {
      throw new Error(`variant ${describe || '(base)'}: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
    }
    if (config.nitp.lambda === 0) {
      // inert nitp.* values: the base config's, so the grid runs this NTP run once
      try {
        config = resolveConfig({ ...partial, nitp: { ...(base.nitp ?? {}), lambda: 0 } });
      } catch {
        // the base's nitp fields do not fit this variant (e.g. a target layer past a varied depth): keep it as given
      }
    }
    const variant = variantOf(config, paths);
    const key = JSON.stringify(variant);
    if (seen.has(key)) continue;
    seen.add(key);
    variants.push({ variant, config });
  }
  // seed by seed: a sweep stopped early has whole grids for its first seeds
  const runs: SweepRunPlan[] = [];
  for (let i = 0; i < seeds; i++) {
    const seed = baseSeed + i;
    for (const { variant, config } of variants) {
      runs.push({ dir: runDirName(variant, seed), seed, variant, config: resolveConfig({ ...config, train: { ...config.train, seed } }) });
    }
  }
  const dirs = new Set(runs.map((r) => r.dir));
  if (dirs.size !== runs.length) throw new Error('two runs of this grid would share a folder name; use distinct values');
  return runs;
}

// ---- the summary -------------------------------------------------------------------------------

/** The summary's metrics, each read from a run's evaluation at its last step. */
export const SUMMARY_METRICS = ['val_ntp', 'erank_final', 'anisotropy_final', 'erank_last', 'anisotropy_last'] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];
export const METRIC_LABELS: Record<SummaryMetric, string> = {
  val_ntp: 'held-out NTP loss',
  erank_final: 'effective rank, final state h',
  anisotropy_final: 'anisotropy, final state h',
  erank_last: 'effective rank, last block (layer L)',
  anisotropy_last: 'anisotropy, last block (layer L)',
};

/** A run as the summary reads it: config.json and the records of metrics.jsonl. */
export interface SummaryInput {
  dir: string;
  config: RunConfig;
  steps: StepMetrics[];
  evals: EvalRecord[];
}

export interface Stat {
  mean: number | null;
  /** sample standard deviation (n − 1); null for fewer than 2 values */
  sd: number | null;
  n: number;
}

export interface DiffStat extends Stat {
  /** how many of the n paired differences have the sign of their mean */
  agree: number;
}

export interface SummaryRow {
  variant: Record<string, unknown>;
  /** seeds of the finished runs that enter the statistics */
  seeds: number[];
  dirs: string[];
  metrics: Record<SummaryMetric, Stat>;
  /** the difference to the λ = 0 run of the same seed, paired by seed; null where the grid has no such run (or this row is it) */
  diff: Record<SummaryMetric, DiffStat> | null;
  /** runs left out: not finished (no evaluation at the last step), or diverged */
  unfinished: string[];
}

export interface SweepSummary {
  format: 'nitp-lab-sweep-summary';
  version: 1;
  varied: string[];
  rows: SummaryRow[];
}

/** A run's metric at its last step, or null when the run did not reach it (not finished, diverged). */
export function finalMetrics(run: SummaryInput): Record<SummaryMetric, number> | null {
  const last = run.evals.at(-1);
  if (!last || last.step !== run.config.train.steps) return null;
  const layer = (id: number | 'final') => last.layers.find((l) => l.layer === id);
  const final = layer('final');
  const block = layer(run.config.model.nLayer);
  const values = {
    val_ntp: last.valNtp,
    erank_final: final?.erank ?? NaN,
    anisotropy_final: final?.anisotropy ?? NaN,
    erank_last: block?.erank ?? NaN,
    anisotropy_last: block?.anisotropy ?? NaN,
  };
  return Object.values(values).every(Number.isFinite) ? values : null;
}

export function stat(xs: readonly number[]): Stat {
  const n = xs.length;
  if (n === 0) return { mean: null, sd: null, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

function diffStat(ds: readonly number[]): DiffStat {
  const s = stat(ds);
  const sign = Math.sign(s.mean ?? 0);
  return { ...s, agree: sign === 0 ? 0 : ds.filter((d) => Math.sign(d) === sign).length };
}

/** The config a run's NTP baseline has: the same run with λ = 0 and the base nitp fields, keyed outside nitp. */
const outsideNitp = (c: RunConfig) => JSON.stringify({ ...c, nitp: null });

/**
 * One row per variant (the varied fields' values), in the order variants first appear in `runs`:
 * mean and sample sd over seeds of each metric at the last step, and for λ > 0 rows the paired
 * difference to the λ = 0 run of the same seed (same config outside the nitp section).
 */
export function summarizeSweep(varied: readonly string[], runs: readonly SummaryInput[]): SweepSummary {
  const rows = new Map<string, { variant: Record<string, unknown>; runs: SummaryInput[] }>();
  for (const run of runs) {
    const variant = variantOf(run.config, varied);
    const key = JSON.stringify(variant);
    if (!rows.has(key)) rows.set(key, { variant, runs: [] });
    rows.get(key)!.runs.push(run);
  }
  const finals = new Map(runs.map((r) => [r, finalMetrics(r)]));
  const baselines = new Map<string, Record<SummaryMetric, number>>();
  for (const r of runs) {
    const f = finals.get(r);
    if (r.config.nitp.lambda === 0 && f) baselines.set(outsideNitp(r.config), f);
  }
  const out: SummaryRow[] = [...rows.values()].map(({ variant, runs: group }) => {
    const done = group.filter((r) => finals.get(r)).sort((a, b) => a.config.train.seed - b.config.train.seed);
    const metrics = Object.fromEntries(SUMMARY_METRICS.map((m) => [m, stat(done.map((r) => finals.get(r)![m]))])) as Record<SummaryMetric, Stat>;
    let diff: SummaryRow['diff'] = null;
    const paired = done.filter((r) => r.config.nitp.lambda > 0 && baselines.has(outsideNitp(r.config)));
    if (paired.length > 0) {
      diff = Object.fromEntries(SUMMARY_METRICS.map((m) => [m, diffStat(paired.map((r) => finals.get(r)![m] - baselines.get(outsideNitp(r.config))![m]))])) as Record<SummaryMetric, DiffStat>;
    }
    return {
      variant, seeds: done.map((r) => r.config.train.seed), dirs: done.map((r) => r.dir), metrics, diff,
      unfinished: group.filter((r) => !finals.get(r)).map((r) => r.dir),
    };
  });
  return { format: 'nitp-lab-sweep-summary', version: 1, varied: [...varied], rows: out };
}

/** The config fields (table order) whose values differ among `configs` (W&B's "diff only"), but for `except`. */
export function differingFields(configs: readonly RunConfig[], except: readonly string[] = []): string[] {
  return FIELD_LIST.map((f) => f.path).filter((p) => !except.includes(p) && new Set(configs.map((c) => JSON.stringify(get(c, p)))).size > 1);
}

/** A config field's value by its dotted path. */
export const fieldValue = (config: RunConfig, path: string): unknown => get(config, path);

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** summary.csv: the varied fields, the seeds, then per metric mean, sd, and the paired difference's mean, sd and sign agreement ("k/n"). */
export function summaryCsv(summary: SweepSummary): string {
  const head = [...summary.varied, 'seeds'];
  for (const m of SUMMARY_METRICS) head.push(`${m}_mean`, `${m}_sd`);
  for (const m of SUMMARY_METRICS) head.push(`${m}_diff_mean`, `${m}_diff_sd`, `${m}_diff_agree`);
  const lines = summary.rows.map((r) => {
    const cells: unknown[] = [...summary.varied.map((p) => r.variant[p]), r.seeds.join(' ')];
    for (const m of SUMMARY_METRICS) cells.push(r.metrics[m].mean, r.metrics[m].sd);
    for (const m of SUMMARY_METRICS) {
      const d = r.diff?.[m];
      cells.push(d?.mean ?? null, d?.sd ?? null, d ? `${d.agree}/${d.n}` : null);
    }
    return cells.map(csvCell).join(',');
  });
  return [head.join(','), ...lines].join('\n') + '\n';
}
