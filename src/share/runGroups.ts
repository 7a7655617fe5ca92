// runGroups.ts: runs gathered into groups (the seeds of one variant) for the lab's sweep and
// comparison views: a sweep folder written by `npm run sweep`, or saved runs grouped by a field.
// Both end as the same GroupedRuns, with the summary of share/sweep.ts, so the table the lab shows
// for a sweep folder is the one in its summary.json.
import { resolveConfig, type RunConfig } from '../model/config.ts';
import type { LoadedRun, SavedRunMeta } from '../store/runStore.ts';
import { parseMetrics, type FolderFile } from './cliRun.ts';
import { RunFileError } from './runFile.ts';
import { differingFields, fieldValue, summarizeSweep, variantOf, type SummaryInput, type SweepSummary } from './sweep.ts';

export interface RunGroup {
  /** the varied fields' values */
  variant: Record<string, unknown>;
  label: string;
  runs: SummaryInput[];
}

export interface GroupedRuns {
  name: string;
  varied: string[];
  groups: RunGroup[];
  summary: SweepSummary;
  /** what could not be drawn, for people (e.g. a summary.json chosen without its runs) */
  note: string | null;
}

/** The files a sweep folder view reads; other files (checkpoints) are never read. */
export const SWEEP_FILES = ['config.json', 'metrics.jsonl', 'sweep.json', 'summary.json'];

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** "nitp.lambda = 0.3, nitp.targetLayer = 2"; a λ = 0 group says it is the NTP baseline. */
export function variantLabel(variant: Record<string, unknown>): string {
  const parts = Object.entries(variant).filter(([, v]) => v !== null).map(([p, v]) => `${p} = ${show(v)}`);
  return parts.join(', ') + (variant['nitp.lambda'] === 0 ? ' (NTP)' : '') || 'all runs';
}

export function groupRuns(name: string, varied: string[], runs: SummaryInput[], note: string | null = null): GroupedRuns {
  const summary = summarizeSweep(varied, runs);
  const groups = summary.rows.map((row) => {
    const key = JSON.stringify(row.variant);
    return { variant: row.variant, label: variantLabel(row.variant), runs: runs.filter((r) => JSON.stringify(variantOf(r.config, varied)) === key) };
  });
  return { name, varied, groups, summary, note };
}

const baseOf = (path: string) => path.split('/').pop()!;
const dirOf = (path: string) => path.split('/').slice(0, -1).join('/');

/**
 * A sweep folder's runs and summary. The varied fields come from sweep.json, else summary.json,
 * else every field that differs among the runs (seed aside). A summary.json alone (no run folders)
 * shows its table without charts.
 */
export function readSweepFolder(files: readonly FolderFile[], folderName: string): GroupedRuns {
  const json = (f: FolderFile) => {
    try {
      return JSON.parse(f.text);
    } catch {
      throw new RunFileError(`${f.path} is not valid JSON`);
    }
  };
  const top = (name: string) => files.find((f) => f.path === name) ?? files.filter((f) => baseOf(f.path) === name).sort((a, b) => a.path.length - b.path.length)[0];
  const plan = top('sweep.json');
  const saved = top('summary.json');
  const byDir = new Map<string, { config?: FolderFile; metrics?: FolderFile }>();
  for (const f of files) {
    const base = baseOf(f.path);
    if (base !== 'config.json' && base !== 'metrics.jsonl') continue;
    const entry = byDir.get(dirOf(f.path)) ?? {};
    entry[base === 'config.json' ? 'config' : 'metrics'] = f;
    byDir.set(dirOf(f.path), entry);
  }
  const runs: SummaryInput[] = [];
  for (const [dir, { config, metrics }] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    if (!config || !metrics) continue;
    let resolved: RunConfig;
    try {
      resolved = resolveConfig(json(config));
    } catch (e) {
      throw new RunFileError(`${config.path} is not a valid config: ${(e as Error).message}`);
    }
    runs.push({ dir: dir || folderName, config: resolved, ...parseMetrics(metrics.text, metrics.path, resolved.nitp.lambda) });
  }
  let varied: string[] | null = null;
  if (plan) varied = json(plan).varied;
  else if (saved) varied = json(saved).varied;
  if (varied !== null && (!Array.isArray(varied) || !varied.every((v) => typeof v === 'string'))) throw new RunFileError(`${(plan ?? saved)!.path} has no list of varied fields`);
  if (runs.length === 0) {
    if (!saved) throw new RunFileError(`${folderName} has no run folders and no summary.json (choose the folder npm run sweep wrote)`);
    const summary = json(saved) as SweepSummary;
    if (summary.format !== 'nitp-lab-sweep-summary' || !Array.isArray(summary.rows)) throw new RunFileError(`${saved.path} is not a sweep summary`);
    return { name: folderName, varied: summary.varied, groups: [], summary, note: 'Only the summary was chosen: the runs\' metrics are not here, so no bands are drawn.' };
  }
  if (plan) {
    // the runs this sweep planned, in its order (a folder may hold others)
    const order: string[] = (json(plan).runs ?? []).map((r: { dir: string }) => r.dir);
    runs.sort((a, b) => order.indexOf(a.dir) - order.indexOf(b.dir));
  }
  return groupRuns(folderName, varied ?? differingFields(runs.map((r) => r.config), ['train.seed']), runs);
}

/** A saved pair as two runs: its NTP run (λ = 0) and its NITP run. */
export function savedAsRuns(run: LoadedRun): SummaryInput[] {
  const { meta } = run;
  const ntp = resolveConfig({ ...meta.config, nitp: { ...meta.config.nitp, lambda: 0 } });
  return [
    { dir: `${meta.name} — NTP model`, config: ntp, steps: run.history.ntp, evals: run.evals.ntp },
    { dir: `${meta.name} — NITP model`, config: meta.config, steps: run.history.nitp, evals: run.evals.nitp },
  ];
}

/** Saved runs grouped by a config field: each model of each pair is one run, NTP and NITP apart. */
export function groupSavedRuns(runs: readonly LoadedRun[], field: string): GroupedRuns {
  const varied = field === 'nitp.lambda' ? [field] : ['nitp.lambda', field];
  return groupRuns(`saved runs by ${field}`, varied, runs.flatMap(savedAsRuns));
}

/** The "diff only" table of saved runs: the config fields that differ among them, and each run's values of them. */
export function diffOnly(metas: readonly SavedRunMeta[]): { fields: string[]; rows: { meta: SavedRunMeta; values: unknown[] }[] } {
  const fields = differingFields(metas.map((m) => m.config));
  return { fields, rows: metas.map((meta) => ({ meta, values: fields.map((p) => fieldValue(meta.config, p)) })) };
}
