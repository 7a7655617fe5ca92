// runFile.ts: a finished (or paused) NTP/NITP pair as one self-contained file that opens in any
// lab without training: the config, the adapter, the fingerprint, every step's metrics, every
// evaluation (PCA snapshots included, so the scatter replays), the probe, the text samples, what
// the views need to label tokens (vocabulary, evaluation set, token frequencies), and optionally
// both runs' checkpoints.
//
// JSON; numbers are the exact float32 values the run measured (JSON carries them exactly as
// doubles); typed arrays (PCA points, token ids) are base64 of their little-endian bytes;
// NaN and infinities are written as null and read back as NaN. Reading checks everything and
// refuses a bad, foreign or truncated file with a sentence that names the problem.
import { ConfigError, resolveConfig, type RunConfig } from '../model/config.ts';
import { fingerprint, type Fingerprint } from './fingerprint.ts';
import type { EngineInfo, EvalRecord, Pair, ProbeRecord, StepMetrics, TextSample } from '../train/protocol.ts';
import { RUNS } from '../train/protocol.ts';
import type { SavedCheckpoint } from '../store/runStore.ts';

export const RUN_FILE_FORMAT = 'nitp-lab-run';
export const RUN_FILE_VERSION = 1;
/** Larger files are refused before they are read (a 10,000-step run with checkpoints is far smaller). */
export const MAX_RUN_FILE_BYTES = 256 * 2 ** 20;

/** What a run file holds: the page shows it as it would show the live pair. */
export interface RunFileContent {
  info: Omit<EngineInfo, 'initialEval'>;
  fingerprint: Fingerprint | null;
  created: string; // ISO date
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
  probe: Pair<ProbeRecord[]> | null;
  samples: TextSample[];
  checkpoint: SavedCheckpoint | null;
}

export class RunFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

// ---- writing -------------------------------------------------------------------------------

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Columns of a run's step metrics: compact, and NaN-safe through null. */
function stepColumns(steps: StepMetrics[]) {
  const col = (f: (m: StepMetrics) => number | null) => steps.map((m) => { const v = f(m); return v === null || Number.isFinite(v) ? v : null; });
  return { step: col((m) => m.step), lr: col((m) => m.lr), loss: col((m) => m.loss), ntp: col((m) => m.ntp), aux: col((m) => m.aux), gradNorm: col((m) => m.gradNorm), clipScale: col((m) => m.clipScale) };
}

function evalJson(e: EvalRecord) {
  return {
    ...e,
    pca: { ...e.pca, points: base64(bytesOf(e.pca.points)), rows: base64(bytesOf(e.pca.rows)) },
    alignment: e.alignment && { ...e.alignment, edges: Array.from(e.alignment.edges), counts: Array.from(e.alignment.counts) },
  };
}

/** The run file's text. Set `withCheckpoint` to carry both runs' weights (large). */
export function writeRunFile(content: RunFileContent, withCheckpoint: boolean): string {
  const { info } = content;
  const doc = {
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    created: content.created,
    fingerprint: content.fingerprint,
    info: {
      ...info,
      tokenFrequency: Array.from(info.tokenFrequency),
      evalBatch: { ...info.evalBatch, tokens: base64(bytesOf(info.evalBatch.tokens)), tags: info.evalBatch.tags && base64(info.evalBatch.tags) },
      trainTokens: Number.isFinite(info.trainTokens) ? info.trainTokens : null,
    },
    runs: Object.fromEntries(RUNS.map((run) => [run, { steps: stepColumns(content.history[run]), evals: content.evals[run].map(evalJson) }])),
    probe: content.probe,
    samples: content.samples,
    checkpoint: withCheckpoint && content.checkpoint
      ? { step: content.checkpoint.step, ntp: base64(content.checkpoint.ntp), nitp: base64(content.checkpoint.nitp) }
      : null,
  };
  return JSON.stringify(doc, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));
}

// ---- reading -------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Json, key: string) => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined);

/** Reads `path` of `o` as an object, or throws naming the path. */
function object(o: Json, key: string, path: string): Json {
  const v = own(o, key);
  if (!isObject(v)) throw new RunFileError(`${path}.${key} is missing or not an object`);
  return v;
}

function array(o: Json, key: string, path: string): unknown[] {
  const v = own(o, key);
  if (!Array.isArray(v)) throw new RunFileError(`${path}.${key} is missing or not a list`);
  return v;
}

/** A number, or NaN where the file wrote null (a non-finite value when it was measured). */
function num(v: unknown, path: string, nullable = true): number {
  if (v === null && nullable) return NaN;
  if (typeof v !== 'number') throw new RunFileError(`${path} is not a number`);
  return v;
}

function str(o: Json, key: string, path: string): string {
  const v = own(o, key);
  if (typeof v !== 'string') throw new RunFileError(`${path}.${key} is missing or not text`);
  return v;
}

function unbase64(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') throw new RunFileError(`${path} is not base64 text`);
  try {
    const s = atob(v);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    throw new RunFileError(`${path} is not valid base64`);
  }
}

function typed<T>(bytes: Uint8Array, make: (b: ArrayBuffer) => T, size: number, path: string): T {
  if (bytes.length % size !== 0) throw new RunFileError(`${path} has ${bytes.length} bytes, not a multiple of ${size}`);
  return make(bytes.slice().buffer);
}

function readSteps(o: Json, path: string): StepMetrics[] {
  const cols = ['step', 'lr', 'loss', 'ntp', 'aux', 'gradNorm', 'clipScale'] as const;
  const c = Object.fromEntries(cols.map((k) => [k, array(o, k, path)])) as Record<(typeof cols)[number], unknown[]>;
  const n = c.step.length;
  for (const k of cols) if (c[k].length !== n) throw new RunFileError(`${path}.${k} has ${c[k].length} values, ${path}.step has ${n}`);
  return Array.from({ length: n }, (_, i) => {
    const step = num(c.step[i], `${path}.step[${i}]`, false);
    if (!Number.isInteger(step) || step < 1 || (i > 0 && step <= (c.step[i - 1] as number))) throw new RunFileError(`${path}.step[${i}] is ${step}: steps must be increasing integers from 1`);
    return {
      step, lr: num(c.lr[i], `${path}.lr[${i}]`), loss: num(c.loss[i], `${path}.loss[${i}]`), ntp: num(c.ntp[i], `${path}.ntp[${i}]`),
      aux: c.aux[i] === null ? null : num(c.aux[i], `${path}.aux[${i}]`), gradNorm: num(c.gradNorm[i], `${path}.gradNorm[${i}]`), clipScale: num(c.clipScale[i], `${path}.clipScale[${i}]`),
    };
  });
}

function readEval(v: unknown, path: string): EvalRecord {
  if (!isObject(v)) throw new RunFileError(`${path} is not an object`);
  const layers = array(v, 'layers', path).map((l, i) => {
    const p = `${path}.layers[${i}]`;
    if (!isObject(l)) throw new RunFileError(`${p} is not an object`);
    const layer = own(l, 'layer');
    if (layer !== 'final' && !(typeof layer === 'number' && Number.isInteger(layer) && layer >= 0)) throw new RunFileError(`${p}.layer is ${JSON.stringify(layer)}`);
    const spectrum = array(l, 'spectrum', p).map((x, j) => num(x, `${p}.spectrum[${j}]`));
    return { layer: layer as number | 'final', erank: num(own(l, 'erank'), `${p}.erank`), anisotropy: num(own(l, 'anisotropy'), `${p}.anisotropy`), norm: num(own(l, 'norm'), `${p}.norm`), spectrum, tail: num(own(l, 'tail'), `${p}.tail`) };
  });
  const pca = object(v, 'pca', path);
  const points = typed(unbase64(own(pca, 'points'), `${path}.pca.points`), (b) => new Float32Array(b), 4, `${path}.pca.points`);
  const rows = typed(unbase64(own(pca, 'rows'), `${path}.pca.rows`), (b) => new Uint32Array(b), 4, `${path}.pca.rows`);
  if (points.length !== 3 * rows.length) throw new RunFileError(`${path}.pca has ${points.length} coordinates for ${rows.length} points (3 each)`);
  const alignmentRaw = own(v, 'alignment');
  let alignment: EvalRecord['alignment'] = null;
  if (alignmentRaw !== null) {
    if (!isObject(alignmentRaw)) throw new RunFileError(`${path}.alignment is not an object or null`);
    const edges = array(alignmentRaw, 'edges', `${path}.alignment`).map((x, j) => num(x, `${path}.alignment.edges[${j}]`, false));
    const counts = array(alignmentRaw, 'counts', `${path}.alignment`).map((x, j) => num(x, `${path}.alignment.counts[${j}]`, false));
    if (edges.length !== counts.length + 1) throw new RunFileError(`${path}.alignment has ${edges.length} edges for ${counts.length} bins`);
    alignment = { edges: Float64Array.from(edges), counts: Uint32Array.from(counts), outside: num(own(alignmentRaw, 'outside'), `${path}.alignment.outside`, false) };
  }
  return {
    step: num(own(v, 'step'), `${path}.step`, false), valNtp: num(own(v, 'valNtp'), `${path}.valNtp`),
    valAux: own(v, 'valAux') === null ? null : num(own(v, 'valAux'), `${path}.valAux`), layers,
    pca: {
      points, rows, explained: array(pca, 'explained', `${path}.pca`).map((x, j) => num(x, `${path}.pca.explained[${j}]`)),
      meanProjection: array(pca, 'meanProjection', `${path}.pca`).map((x, j) => num(x, `${path}.pca.meanProjection[${j}]`)),
    },
    alignment,
  };
}

/**
 * Reads a run file's text. Throws RunFileError naming the problem: not JSON (often a truncated
 * file), another format, a newer version, an invalid config, missing or inconsistent fields, or
 * losses that do not match the file's own fingerprint.
 */
export async function readRunFile(text: string): Promise<RunFileContent> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RunFileError(`this is not a run file: it is not valid JSON (${(e as Error).message}); a file cut short reads like this`);
  }
  if (!isObject(doc)) throw new RunFileError('this is not a run file: it is not a JSON object');
  if (own(doc, 'format') !== RUN_FILE_FORMAT) {
    throw new RunFileError(`this is not an NITP Lab run file (its "format" is ${JSON.stringify(own(doc, 'format')) ?? 'missing'}, expected "${RUN_FILE_FORMAT}")`);
  }
  const version = own(doc, 'version');
  if (version !== RUN_FILE_VERSION) throw new RunFileError(`the run file's version ${JSON.stringify(version)} is not one this lab reads (it reads version ${RUN_FILE_VERSION})`);
  const infoRaw = object(doc, 'info', 'file');
  let config: RunConfig;
  try {
    config = resolveConfig(own(infoRaw, 'config'));
  } catch (e) {
    throw new RunFileError(`the run file's config is not valid: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
  }
  const vocabSize = num(own(infoRaw, 'vocabSize'), 'info.vocabSize', false);
  const vocab = array(infoRaw, 'vocab', 'info').map((x, i) => {
    if (typeof x !== 'string') throw new RunFileError(`info.vocab[${i}] is not text`);
    return x;
  });
  if (vocab.length !== vocabSize) throw new RunFileError(`info.vocab has ${vocab.length} tokens, info.vocabSize is ${vocabSize}`);
  const evalBatchRaw = object(infoRaw, 'evalBatch', 'info');
  const B = num(own(evalBatchRaw, 'B'), 'info.evalBatch.B', false);
  const T = num(own(evalBatchRaw, 'T'), 'info.evalBatch.T', false);
  const tokens = typed(unbase64(own(evalBatchRaw, 'tokens'), 'info.evalBatch.tokens'), (b) => new Int32Array(b), 4, 'info.evalBatch.tokens');
  if (tokens.length !== B * (T + 1)) throw new RunFileError(`info.evalBatch.tokens has ${tokens.length} ids, expected B·(T+1) = ${B * (T + 1)}`);
  if (tokens.some((t) => t < 0 || t >= vocabSize)) throw new RunFileError(`info.evalBatch.tokens has an id outside 0..${vocabSize - 1}`);
  const tagsRaw = own(evalBatchRaw, 'tags');
  const tags = tagsRaw === null ? null : unbase64(tagsRaw, 'info.evalBatch.tags');
  if (tags && tags.length !== tokens.length) throw new RunFileError(`info.evalBatch.tags has ${tags.length} tags for ${tokens.length} tokens`);
  const frequency = array(infoRaw, 'tokenFrequency', 'info').map((x, i) => num(x, `info.tokenFrequency[${i}]`, false));
  if (frequency.length !== vocabSize) throw new RunFileError(`info.tokenFrequency has ${frequency.length} values for ${vocabSize} tokens`);
  const parameters = object(infoRaw, 'parameters', 'info');
  const lossFloor = own(infoRaw, 'lossFloor');
  const note = own(infoRaw, 'tokenizerNote');
  const info: RunFileContent['info'] = {
    config, adapter: str(infoRaw, 'adapter', 'info'),
    parameters: { ntp: num(own(parameters, 'ntp'), 'info.parameters.ntp', false), nitp: num(own(parameters, 'nitp'), 'info.parameters.nitp', false) },
    vocabSize, vocab, tokenFrequency: Float64Array.from(frequency), evalBatch: { B, T, tokens, tags },
    tokensPerStep: num(own(infoRaw, 'tokensPerStep'), 'info.tokensPerStep', false),
    trainTokens: own(infoRaw, 'trainTokens') === null ? Infinity : num(own(infoRaw, 'trainTokens'), 'info.trainTokens', false),
    valTokens: num(own(infoRaw, 'valTokens'), 'info.valTokens', false),
    dataSummary: str(infoRaw, 'dataSummary', 'info'), tagged: own(infoRaw, 'tagged') === true,
    lossFloor: lossFloor === null ? null : num(lossFloor, 'info.lossFloor', false),
    tokenizerNote: typeof note === 'string' ? note : null,
  };
  const runs = object(doc, 'runs', 'file');
  const history = {} as Pair<StepMetrics[]>;
  const evals = {} as Pair<EvalRecord[]>;
  for (const run of RUNS) {
    const r = object(runs, run, 'runs');
    history[run] = readSteps(object(r, 'steps', `runs.${run}`), `runs.${run}.steps`);
    evals[run] = array(r, 'evals', `runs.${run}`).map((e, i) => readEval(e, `runs.${run}.evals[${i}]`));
  }
  const fpRaw = own(doc, 'fingerprint');
  let fp: Fingerprint | null = null;
  if (fpRaw !== null) {
    if (!isObject(fpRaw)) throw new RunFileError('file.fingerprint is not an object or null');
    fp = { step: num(own(fpRaw, 'step'), 'fingerprint.step', false), hash: str(fpRaw, 'hash', 'fingerprint') };
    const again = await fingerprint([history.ntp, history.nitp], fp.step);
    if (!again || again.hash !== fp.hash) {
      throw new RunFileError(`the run file's losses do not match its own fingerprint (${fp.step}.${fp.hash}): it was changed or damaged`);
    }
  }
  const checkpointRaw = own(doc, 'checkpoint');
  let checkpoint: SavedCheckpoint | null = null;
  if (checkpointRaw !== null && checkpointRaw !== undefined) {
    if (!isObject(checkpointRaw)) throw new RunFileError('file.checkpoint is not an object or null');
    checkpoint = { step: num(own(checkpointRaw, 'step'), 'checkpoint.step', false), ntp: unbase64(own(checkpointRaw, 'ntp'), 'checkpoint.ntp'), nitp: unbase64(own(checkpointRaw, 'nitp'), 'checkpoint.nitp') };
  }
  const samples = (Array.isArray(own(doc, 'samples')) ? (own(doc, 'samples') as unknown[]) : []).map((s, i) => {
    if (!isObject(s)) throw new RunFileError(`samples[${i}] is not an object`);
    const text = object(s, 'text', `samples[${i}]`);
    return { step: num(own(s, 'step'), `samples[${i}].step`, false), prompt: str(s, 'prompt', `samples[${i}]`), text: { ntp: str(text, 'ntp', `samples[${i}].text`), nitp: str(text, 'nitp', `samples[${i}].text`) } };
  });
  const probeRaw = own(doc, 'probe');
  const probe = isObject(probeRaw) ? (Object.fromEntries(RUNS.map((run) => [run, array(probeRaw, run, 'probe').map((p, i) => {
    if (!isObject(p)) throw new RunFileError(`probe.${run}[${i}] is not an object`);
    return { layer: own(p, 'layer') as ProbeRecord['layer'], accuracy: num(own(p, 'accuracy'), `probe.${run}[${i}].accuracy`), chance: num(own(p, 'chance'), `probe.${run}[${i}].chance`) };
  })])) as Pair<ProbeRecord[]>) : null;
  return { info, fingerprint: fp, created: typeof own(doc, 'created') === 'string' ? (own(doc, 'created') as string) : '', history, evals, probe, samples, checkpoint };
}

/** Reads a File, refusing it by its size before reading when it is larger than any run file. */
export async function readRunFileFrom(file: Blob & { name?: string }): Promise<RunFileContent> {
  if (file.size > MAX_RUN_FILE_BYTES) {
    throw new RunFileError(`${file.name ?? 'the file'} is ${(file.size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_RUN_FILE_BYTES / 2 ** 20} MiB a run file can be`);
  }
  return readRunFile(await file.text());
}
