// sweep.ts: a grid of runs, one after another, and their summary.
//   npm run sweep -- --config FILE | --preset ID  --vary section.field=v1,v2,... [--vary ...]
//                    [--seeds N] [--steps N] [--set section.field=value ...] [--checkpoint-every N]
//                    [--adapter auto|default|swiftshader] [--kernels auto|registers|workgroup] --out DIR
// Each (variant, seed) is one folder DIR/<name> written by `npm run train` itself (its main), so
// every folder is laid out as a train run. Seeds are the base config's train.seed, +1, … (--seeds
// N). --vary takes the dotted names and per-field checks of --set; every grid point is resolved
// before the first run starts. --preset also takes an ablation (model/presets.ts ABLATIONS): its
// fields are varied unless --vary names them.
// Resumable: a folder with final.safetensors is done and skipped; one with a checkpoint is
// continued (train --resume, bit for bit); any other is trained from step 0. DIR/sweep.json holds
// the plan, so a second start with another grid is refused instead of mixing runs.
// At the end: DIR/summary.json and DIR/summary.csv (share/sweep.ts summarizeSweep), computed from
// the run folders' config.json and metrics.jsonl alone.
import { runAsCommand } from './args.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, setField, type PartialRunConfig } from '../model/config.ts';
import { ABLATIONS, PRESETS, ablationById, presetById } from '../model/presets.ts';
import { parseVary, summarizeSweep, summaryCsv, sweepPlan, type SummaryInput, type SweepRunPlan, type SweepSummary, type VaryAxis } from '../share/sweep.ts';
import { parseMetrics } from '../share/cliRun.ts';
import { main as train } from './train.ts';

interface SweepArgs {
  config: string | null;
  preset: string | null;
  vary: VaryAxis[];
  seeds: number;
  steps: number | null;
  set: string[];
  out: string | null;
  checkpointEvery: number | null;
  adapter: string | null;
  kernels: string | null;
}

const USAGE = 'usage: npm run sweep -- --config FILE | --preset ID --vary section.field=v1,v2,... [--vary ...] [--seeds N] [--steps N] ' +
  '[--set section.field=value ...] [--checkpoint-every N] [--adapter auto|default|swiftshader] [--kernels auto|registers|workgroup] --out DIR';

export function parseSweepArgs(argv: string[]): SweepArgs {
  const args: SweepArgs = { config: null, preset: null, vary: [], seeds: 1, steps: null, set: [], out: null, checkpointEvery: null, adapter: null, kernels: null };
  const positive = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--config') args.config = value();
    else if (a === '--preset') args.preset = value();
    else if (a === '--vary') args.vary.push(parseVary(value()));
    else if (a === '--seeds') args.seeds = positive(a, value());
    else if (a === '--steps') args.steps = positive(a, value());
    else if (a === '--set') args.set.push(value());
    else if (a === '--out') args.out = value();
    else if (a === '--checkpoint-every') args.checkpointEvery = positive(a, value());
    else if (a === '--adapter') args.adapter = value();
    else if (a === '--kernels') args.kernels = value();
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (!args.out) throw new Error(`--out DIR is required\n${USAGE}`);
  if (args.config && args.preset) throw new Error('--config and --preset both give a starting config: choose one (and adjust it with --set)');
  if (args.preset && !presetById(args.preset) && !ablationById(args.preset)) {
    throw new Error(`--preset: no preset "${args.preset}"; presets are ${[...PRESETS, ...ABLATIONS].map((p) => p.id).join(', ')}`);
  }
  if (args.set.some((s) => s.startsWith('train.seed='))) throw new Error('--set train.seed: the seeds are the base seed, +1, … ; give the base seed in the config');
  return args;
}

/** The base config and the grid's axes the arguments describe (an ablation preset brings its own axes). */
export function sweepSpec(args: SweepArgs): { base: PartialRunConfig; axes: VaryAxis[] } {
  let base: PartialRunConfig = {};
  let axes = args.vary;
  if (args.config) {
    try {
      base = JSON.parse(readFileSync(args.config, 'utf8'));
    } catch (e) {
      throw new Error(`${args.config} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const ablation = args.preset ? ablationById(args.preset) : null;
  if (args.preset) base = ablation?.config ?? presetById(args.preset)!.config;
  if (ablation) axes = [...ablation.vary.filter((v) => !args.vary.some((a) => a.path === v.path)), ...args.vary];
  if (args.steps !== null) base = { ...base, train: { ...(base.train ?? {}), steps: args.steps } };
  for (const s of args.set) base = setField(base, s);
  if (axes.length === 0) throw new Error(`give at least one --vary section.field=v1,v2,...\n${USAGE}`);
  return { base, axes };
}

/** What DIR/sweep.json records: the plan, so a restart with another grid is refused. */
function planRecord(axes: VaryAxis[], runs: SweepRunPlan[]) {
  return { format: 'nitp-lab-sweep', version: 1, varied: axes.map((a) => a.path), runs: runs.map((r) => ({ dir: r.dir, seed: r.seed, variant: r.variant, config: r.config })) };
}

/** Reads a sweep folder's runs (those with config.json and metrics.jsonl) for the summary. */
export function readSweepRuns(out: string, dirs: readonly string[]): SummaryInput[] {
  return dirs.flatMap((dir) => {
    const configPath = join(out, dir, 'config.json');
    const metricsPath = join(out, dir, 'metrics.jsonl');
    if (!existsSync(configPath) || !existsSync(metricsPath)) return [];
    const config = resolveConfig(JSON.parse(readFileSync(configPath, 'utf8')));
    return [{ dir, config, ...parseMetrics(readFileSync(metricsPath, 'utf8'), metricsPath, config.nitp.lambda) }];
  });
}

export interface SweepResult {
  trained: string[];
  resumed: string[];
  skipped: string[];
  /** runs whose training stopped with an error (divergence); the summary leaves them out */
  failed: string[];
  summary: SweepSummary;
}

export async function runSweep(argv: string[], log: (line: string) => void = console.log): Promise<SweepResult> {
  const args = parseSweepArgs(argv);
  const { base, axes } = sweepSpec(args);
  const runs = sweepPlan(base, axes, args.seeds);
  const out = args.out!;
  mkdirSync(out, { recursive: true });
  const record = JSON.stringify(planRecord(axes, runs), null, 2) + '\n';
  const planPath = join(out, 'sweep.json');
  if (existsSync(planPath) && readFileSync(planPath, 'utf8') !== record) {
    throw new Error(`${out} holds another sweep (its sweep.json differs from this grid); choose another --out, or delete ${planPath} to start over there`);
  }
  writeFileSync(planPath, record);
  const variants = new Set(runs.map((r) => JSON.stringify(r.variant))).size;
  log(`sweep: ${variants} variants × ${args.seeds} seeds = ${runs.length} runs in ${out}`);
  const result: SweepResult = { trained: [], resumed: [], skipped: [], failed: [], summary: null as unknown as SweepSummary };
  const extra = [
    ...(args.checkpointEvery !== null ? ['--checkpoint-every', String(args.checkpointEvery)] : []),
    ...(args.adapter !== null ? ['--adapter', args.adapter] : []),
    ...(args.kernels !== null ? ['--kernels', args.kernels] : []),
  ];
  for (const [i, run] of runs.entries()) {
    const dir = join(out, run.dir);
    const tag = `[${i + 1}/${runs.length}] ${run.dir}`;
    if (existsSync(join(dir, 'final.safetensors'))) {
      log(`${tag}: done, skipped`);
      result.skipped.push(run.dir);
      continue;
    }
    let code: number;
    const configPath = join(dir, 'config.json');
    const sameConfig = existsSync(configPath) && JSON.stringify(resolveConfig(JSON.parse(readFileSync(configPath, 'utf8')))) === JSON.stringify(run.config);
    if (sameConfig && existsSync(join(dir, 'checkpoint.safetensors'))) {
      log(`${tag}: continuing from its checkpoint`);
      code = await train(['--out', dir, '--resume', ...extra]);
      result.resumed.push(run.dir);
    } else {
      log(`${tag}: training`);
      mkdirSync(dir, { recursive: true });
      // train reads this file and writes it back resolved: the same text
      writeFileSync(configPath, JSON.stringify(run.config, null, 2) + '\n');
      code = await train(['--config', configPath, '--out', dir, ...extra]);
      result.trained.push(run.dir);
    }
    if (code !== 0) result.failed.push(run.dir);
  }
  const summary = summarizeSweep(axes.map((a) => a.path), readSweepRuns(out, runs.map((r) => r.dir)));
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(out, 'summary.csv'), summaryCsv(summary));
  log(`wrote ${join(out, 'summary.csv')} and summary.json (${summary.rows.length} rows)${result.failed.length ? `; ${result.failed.length} runs stopped with an error: ${result.failed.join(', ')}` : ''}`);
  result.summary = summary;
  return result;
}

export async function main(argv: string[]): Promise<number> {
  const result = await runSweep(argv);
  return result.failed.length > 0 ? 1 : 0;
}

runAsCommand(import.meta.url, main);
