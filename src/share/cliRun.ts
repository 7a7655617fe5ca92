// cliRun.ts: a `npm run train` output folder (or one that train.py writes in the same layout)
// read as a run the lab can show. A folder holds one run (config.json + metrics.jsonl); the lab
// shows a pair, so a chosen folder may hold two run folders of one config, λ = 0 and λ > 0, or a
// single run (shown alone). metrics.jsonl holds step records, evaluation records (rank,
// anisotropy and norm per layer, validation losses) and the probe; it has no spectra, PCA
// snapshots or vocabulary, so the views that need those say so instead of drawing anything.
import { ConfigError, resolveConfig, type RunConfig } from '../model/config.ts';
import type { EvalRecord, LayerId, Pair, ProbeRecord, RunName, StepMetrics } from '../train/protocol.ts';
import { RunFileError, type RunFileContent } from './runFile.ts';

/** A file of the chosen folder: its path relative to the folder, and its text. */
export interface FolderFile {
  path: string;
  text: string;
}

/** Larger metrics files are refused before they are read (a million steps is ~150 MB). */
export const MAX_METRICS_BYTES = 512 * 2 ** 20;

interface CliRun {
  dir: string;
  config: RunConfig;
  steps: StepMetrics[];
  evals: EvalRecord[];
  probe: ProbeRecord[] | null;
}

const dirOf = (path: string) => path.split('/').slice(0, -1).join('/');
const baseOf = (path: string) => path.split('/').pop()!;

const numberOrNaN = (v: unknown) => (typeof v === 'number' ? v : NaN);

/** One run folder's metrics.jsonl, line by line; a malformed line is refused with its number. */
export function parseMetrics(text: string, where: string, lambda: number): Pick<CliRun, 'steps' | 'evals' | 'probe'> {
  const steps: StepMetrics[] = [];
  const evals: EvalRecord[] = [];
  let probe: ProbeRecord[] | null = null;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line);
    } catch {
      throw new RunFileError(`${where} line ${i + 1} is not JSON${i === lines.length - 1 ? ' (the file may be cut short)' : ''}`);
    }
    if (typeof r !== 'object' || r === null || typeof r.step !== 'number') throw new RunFileError(`${where} line ${i + 1} has no "step"`);
    const step = r.step;
    if (Object.prototype.hasOwnProperty.call(r, 'eval')) {
      const e = r.eval as { layers?: unknown; valNtp?: unknown; valNitp?: unknown };
      if (!e || !Array.isArray(e.layers)) throw new RunFileError(`${where} line ${i + 1}: its "eval" has no layers`);
      evals.push({
        step, valNtp: numberOrNaN(e.valNtp), valAux: e.valNitp === null || e.valNitp === undefined ? null : numberOrNaN(e.valNitp),
        layers: e.layers.map((l: { layer?: unknown; erank?: unknown; anisotropy?: unknown; norm?: unknown }) => ({
          layer: l.layer as LayerId, erank: numberOrNaN(l.erank), anisotropy: numberOrNaN(l.anisotropy), norm: numberOrNaN(l.norm), spectrum: [], tail: NaN,
        })),
        pca: { points: new Float32Array(0), rows: new Uint32Array(0), explained: [], meanProjection: [] },
        alignment: null,
      });
    } else if (Object.prototype.hasOwnProperty.call(r, 'probe')) {
      probe = (r.probe as ProbeRecord[]).map((p) => ({ layer: p.layer, accuracy: numberOrNaN(p.accuracy), chance: numberOrNaN(p.chance) }));
    } else {
      steps.push({
        step, lr: numberOrNaN(r.lr), loss: numberOrNaN(r.loss), ntp: numberOrNaN(r.ntp),
        aux: lambda > 0 ? numberOrNaN(r.nitp) : null, gradNorm: numberOrNaN(r.gradNorm), clipScale: NaN,
      });
    }
  });
  if (steps.length === 0 && evals.length === 0) throw new RunFileError(`${where} has no step or evaluation records`);
  return { steps, evals, probe };
}

/** Every run folder among the files: a directory with both config.json and metrics.jsonl. */
function findRuns(files: readonly FolderFile[]): CliRun[] {
  const byDir = new Map<string, { config?: FolderFile; metrics?: FolderFile }>();
  for (const f of files) {
    const name = baseOf(f.path);
    if (name !== 'config.json' && name !== 'metrics.jsonl') continue;
    const entry = byDir.get(dirOf(f.path)) ?? {};
    entry[name === 'config.json' ? 'config' : 'metrics'] = f;
    byDir.set(dirOf(f.path), entry);
  }
  const runs: CliRun[] = [];
  for (const [dir, { config, metrics }] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    if (!config || !metrics) continue;
    let resolved: RunConfig;
    try {
      resolved = resolveConfig(JSON.parse(config.text));
    } catch (e) {
      throw new RunFileError(`${config.path} is not a valid config: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
    }
    runs.push({ dir, config: resolved, ...parseMetrics(metrics.text, metrics.path, resolved.nitp.lambda) });
  }
  return runs;
}

const withoutLambda = (c: RunConfig) => JSON.stringify({ ...c, nitp: { ...c.nitp, lambda: 0 } });

/**
 * The pair (or single run) in a chosen folder's files. Refuses, naming why: no run folder, more
 * than two, two that are not the λ = 0 and λ > 0 runs of one config.
 */
export function readCliFolder(files: readonly FolderFile[], folderName: string): RunFileContent {
  const runs = findRuns(files);
  if (runs.length === 0) throw new RunFileError(`${folderName} has no run folder (a folder with config.json and metrics.jsonl, as npm run train writes)`);
  if (runs.length > 2) throw new RunFileError(`${folderName} has ${runs.length} run folders (${runs.map((r) => r.dir || '.').join(', ')}); choose one run, or a folder with the λ = 0 and λ > 0 runs of one config`);
  const byRun: Partial<Pair<CliRun>> = {};
  for (const r of runs) {
    const name: RunName = r.config.nitp.lambda === 0 ? 'ntp' : 'nitp';
    if (byRun[name]) throw new RunFileError(`${folderName} has two ${name === 'ntp' ? 'λ = 0' : 'λ > 0'} runs (${byRun[name]!.dir}, ${r.dir}); a pair is one of each`);
    byRun[name] = r;
  }
  if (byRun.ntp && byRun.nitp && withoutLambda(byRun.ntp.config) !== withoutLambda(byRun.nitp.config)) {
    throw new RunFileError(`the two runs in ${folderName} differ in more than λ: they are not a pair of one config`);
  }
  const main = (byRun.nitp ?? byRun.ntp)!;
  const { config } = main;
  const T = config.model.contextLength;
  const empty = { steps: [], evals: [], probe: null };
  const ntp = byRun.ntp ?? empty;
  const nitp = byRun.nitp ?? empty;
  return {
    info: {
      config, adapter: 'recorded by npm run train (not known to this page)', parameters: { ntp: NaN, nitp: NaN },
      vocabSize: 0, vocab: [], tokenFrequency: new Float64Array(0), evalBatch: { B: 0, T, tokens: new Int32Array(0), tags: null },
      tokensPerStep: config.train.batchSize * T, trainTokens: Infinity, valTokens: 0,
      dataSummary: `${folderName}: ${runs.map((r) => `${r.dir || folderName} (λ = ${r.config.nitp.lambda})`).join(' and ')}, from metrics.jsonl`,
      tagged: false, lossFloor: null, tokenizerNote: null,
    },
    fingerprint: null, created: '',
    history: { ntp: ntp.steps, nitp: nitp.steps },
    evals: { ntp: ntp.evals, nitp: nitp.evals },
    probe: ntp.probe && nitp.probe ? { ntp: ntp.probe, nitp: nitp.probe } : null,
    samples: [], checkpoint: null,
  };
}
