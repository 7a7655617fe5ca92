// runStore.ts: saved runs in the browser (IndexedDB through idb-keyval). A run is several keys,
// so one write never has to hold the whole history:
//   runs/<id>/meta            SavedRunMeta: name, dates, config, step, summary (what the list shows)
//   runs/<id>/history/<k>     Pair<StepMetrics[]>: steps k·500+1 … (k+1)·500 of both runs
//   runs/<id>/eval/<step>     Pair<EvalRecord>
//   runs/<id>/checkpoint      SavedCheckpoint: both runs' safetensors (weights + AdamW moments)
// Each save goes in one transaction (setMany) with the meta written last in it, so a run is
// listed only with the data its meta names, and a failed write leaves the previous state. A meta
// that is corrupt or from another format is listed as unreadable, and the other runs still load.
import { createStore, delMany, get, getMany, keys, promisifyRequest, setMany } from 'idb-keyval';
import { resolveConfig, type RunConfig } from '../model/config.ts';
import type { EvalRecord, Pair, PairCheckpoint, StepMetrics } from '../train/protocol.ts';

/** Saved runs changed (a save, rename or delete, in this tab or another): posted on this channel. */
export const RUNS_CHANNEL = 'nitp-lab-runs';
let announcer: BroadcastChannel | null = null;

/** Tells every runs list, in this tab (another channel object) and the others, to reload. */
export function announceRunsChanged(): void {
  announcer ??= new BroadcastChannel(RUNS_CHANNEL);
  announcer.postMessage('changed');
}

/** The format this lab writes; a stored run of another format is listed as unreadable. */
export const RUN_FORMAT = 1;
/** Steps per history key. */
export const HISTORY_CHUNK = 500;

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  /** all or nothing */
  setMany(entries: [string, unknown][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  /** Writes `set` and deletes every key starting with one of `deletePrefixes`, all in one transaction (all or nothing). */
  commit(set: [string, unknown][], deletePrefixes: string[]): Promise<void>;
  keys(): Promise<string[]>;
}

/** The keys from `prefix` on that start with it (keys are strings; U+FFFF sorts after any character they use). */
const prefixRange = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`);

/** The lab's IndexedDB database. */
export function idbStore(): KeyValueStore {
  const store = createStore('nitp-lab-runs', 'runs');
  return {
    get: (key) => get(key, store),
    getMany: (k) => getMany(k, store),
    setMany: (entries) => setMany(entries, store),
    delMany: (k) => delMany(k, store),
    commit: (set, deletePrefixes) => store('readwrite', (s) => {
      for (const prefix of deletePrefixes) s.delete(prefixRange(prefix));
      for (const [key, value] of set) s.put(value, key);
      return promisifyRequest(s.transaction);
    }),
    keys: async () => (await keys(store)).map(String),
  };
}

/** An in-memory store with IndexedDB's copy semantics (structured clone), for tests. */
export function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async <T,>(key: string) => structuredClone(data.get(key)) as T | undefined,
    getMany: async <T,>(k: string[]) => k.map((key) => structuredClone(data.get(key)) as T | undefined),
    setMany: async (entries) => {
      for (const [key, value] of entries) data.set(key, structuredClone(value));
    },
    delMany: async (k) => {
      for (const key of k) data.delete(key);
    },
    commit: async (set, deletePrefixes) => {
      for (const key of [...data.keys()]) if (deletePrefixes.some((p) => key.startsWith(p))) data.delete(key);
      for (const [key, value] of set) data.set(key, structuredClone(value));
    },
    keys: async () => [...data.keys()],
  };
}

export interface RunSummary {
  ntpLoss: number | null;
  nitpLoss: number | null;
  valNtp: Pair<number | null>;
  erank: Pair<number | null>;
  anisotropy: Pair<number | null>;
}

export interface SavedRunMeta {
  format: typeof RUN_FORMAT;
  id: string;
  name: string;
  created: number; // ms since the epoch
  updated: number;
  config: RunConfig;
  adapter: string;
  /** the last step saved */
  step: number;
  /** the step of the saved checkpoint (what a resume continues from), or null */
  checkpointStep: number | null;
  evalSteps: number[];
  summary: RunSummary;
}

/** Both runs' safetensors checkpoints after `step`. */
export type SavedCheckpoint = PairCheckpoint;

export type ListedRun = { ok: true; meta: SavedRunMeta } | { ok: false; id: string; reason: string };

export interface LoadedRun {
  meta: SavedRunMeta;
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
  checkpoint: SavedCheckpoint | null;
}

const prefix = (id: string) => `runs/${id}/`;
const metaKey = (id: string) => `${prefix(id)}meta`;
const historyKey = (id: string, chunk: number) => `${prefix(id)}history/${chunk}`;
const evalKey = (id: string, step: number) => `${prefix(id)}eval/${step}`;
const checkpointKey = (id: string) => `${prefix(id)}checkpoint`;
/** The history key holding `step` (1-based). */
export const chunkOf = (step: number) => Math.floor((step - 1) / HISTORY_CHUNK);

/** Checks a stored meta; throws naming what is wrong. */
export function validateMeta(x: unknown): SavedRunMeta {
  if (typeof x !== 'object' || x === null) throw new Error('the record is not an object');
  const m = x as Record<string, unknown>;
  if (m.format !== RUN_FORMAT) throw new Error(`it was written in format ${JSON.stringify(m.format)}; this lab reads format ${RUN_FORMAT}`);
  for (const [field, type] of [['id', 'string'], ['name', 'string'], ['created', 'number'], ['updated', 'number'], ['adapter', 'string'], ['step', 'number']] as const) {
    if (typeof m[field] !== type) throw new Error(`field "${field}" is missing or not a ${type}`);
  }
  if (m.checkpointStep !== null && typeof m.checkpointStep !== 'number') throw new Error('field "checkpointStep" is not a number or null');
  if (!Array.isArray(m.evalSteps) || !m.evalSteps.every((s) => typeof s === 'number')) throw new Error('field "evalSteps" is not a list of steps');
  if (typeof m.summary !== 'object' || m.summary === null) throw new Error('field "summary" is missing');
  try {
    resolveConfig(m.config);
  } catch (e) {
    throw new Error(`its config is not valid: ${(e as Error).message}`);
  }
  return m as unknown as SavedRunMeta;
}

/** The run summary the list shows: last losses, last evaluation's final-layer metrics. */
export function summarize(history: Pair<StepMetrics[]>, evals: Pair<EvalRecord[]>): RunSummary {
  const lastEval = (run: keyof Pair<unknown>) => evals[run].at(-1);
  const final = (run: keyof Pair<unknown>) => lastEval(run)?.layers.find((l) => l.layer === 'final');
  return {
    ntpLoss: history.ntp.at(-1)?.loss ?? null,
    nitpLoss: history.nitp.at(-1)?.loss ?? null,
    valNtp: { ntp: lastEval('ntp')?.valNtp ?? null, nitp: lastEval('nitp')?.valNtp ?? null },
    erank: { ntp: final('ntp')?.erank ?? null, nitp: final('nitp')?.erank ?? null },
    anisotropy: { ntp: final('ntp')?.anisotropy ?? null, nitp: final('nitp')?.anisotropy ?? null },
  };
}

export class RunStore {
  constructor(private readonly kv: KeyValueStore) {}

  /** Every stored run, newest first; unreadable ones with their reason. */
  async list(): Promise<ListedRun[]> {
    const metaKeys = (await this.kv.keys()).filter((k) => k.startsWith('runs/') && k.endsWith('/meta'));
    const values = await this.kv.getMany<unknown>(metaKeys);
    const out: ListedRun[] = metaKeys.map((key, i) => {
      const id = key.slice('runs/'.length, -'/meta'.length);
      try {
        return { ok: true, meta: validateMeta(values[i]) };
      } catch (e) {
        return { ok: false, id, reason: (e as Error).message };
      }
    });
    return out.sort((a, b) => (b.ok ? b.meta.updated : 0) - (a.ok ? a.meta.updated : 0));
  }

  async meta(id: string): Promise<SavedRunMeta | undefined> {
    const m = await this.kv.get<unknown>(metaKey(id));
    return m === undefined ? undefined : validateMeta(m);
  }

  /**
   * Writes a run's new data and its meta in one transaction: the history chunks holding steps
   * from `fromStep` on, the evaluations given, and the checkpoint when given.
   */
  async save(meta: SavedRunMeta, data: { history: Pair<StepMetrics[]>; fromStep: number; evals: Pair<EvalRecord>[]; checkpoint?: SavedCheckpoint }): Promise<void> {
    const entries: [string, unknown][] = [];
    const last = Math.max(data.history.nitp.at(-1)?.step ?? 0, data.history.ntp.at(-1)?.step ?? 0);
    for (let chunk = chunkOf(Math.max(1, data.fromStep)); data.fromStep <= last && chunk <= chunkOf(last); chunk++) {
      const inChunk = (m: StepMetrics) => chunkOf(m.step) === chunk;
      entries.push([historyKey(meta.id, chunk), { ntp: data.history.ntp.filter(inChunk), nitp: data.history.nitp.filter(inChunk) }]);
    }
    for (const e of data.evals) entries.push([evalKey(meta.id, e.nitp.step), e]);
    if (data.checkpoint) entries.push([checkpointKey(meta.id), data.checkpoint]);
    entries.push([metaKey(meta.id), meta]);
    await this.kv.setMany(entries);
  }

  /** A run with its history, evaluations and checkpoint; throws naming a missing or bad key. */
  async load(id: string): Promise<LoadedRun> {
    const meta = await this.meta(id);
    if (!meta) throw new Error(`no saved run "${id}"`);
    const history: Pair<StepMetrics[]> = { ntp: [], nitp: [] };
    const chunkKeys = Array.from({ length: meta.step > 0 ? chunkOf(meta.step) + 1 : 0 }, (_, k) => historyKey(id, k));
    const chunks = await this.kv.getMany<Pair<StepMetrics[]>>(chunkKeys);
    chunks.forEach((c, k) => {
      if (!c || !Array.isArray(c.ntp) || !Array.isArray(c.nitp)) throw new Error(`the saved run "${meta.name}" is damaged: ${chunkKeys[k]} is missing`);
      history.ntp.push(...c.ntp);
      history.nitp.push(...c.nitp);
    });
    const evalRecords = await this.kv.getMany<Pair<EvalRecord>>(meta.evalSteps.map((s) => evalKey(id, s)));
    const evals: Pair<EvalRecord[]> = { ntp: [], nitp: [] };
    evalRecords.forEach((e, i) => {
      if (!e) throw new Error(`the saved run "${meta.name}" is damaged: the evaluation of step ${meta.evalSteps[i]} is missing`);
      evals.ntp.push(e.ntp);
      evals.nitp.push(e.nitp);
    });
    const checkpoint = meta.checkpointStep === null ? null : (await this.kv.get<SavedCheckpoint>(checkpointKey(id))) ?? null;
    if (meta.checkpointStep !== null && checkpoint?.step !== meta.checkpointStep) {
      throw new Error(`the saved run "${meta.name}" is damaged: its checkpoint of step ${meta.checkpointStep} is missing`);
    }
    return { meta, history, evals, checkpoint };
  }

  async rename(id: string, name: string): Promise<void> {
    const meta = await this.meta(id);
    if (!meta) throw new Error(`no saved run "${id}"`);
    await this.kv.setMany([[metaKey(id), { ...meta, name }]]);
  }

  /** Deletes a run (readable or not) with all its keys, in one transaction: a delete is never half done. */
  async delete(id: string): Promise<void> {
    await this.kv.commit([], [prefix(id)]);
  }

  /** Deletes the checkpoints of every run but `keep` (they can then no longer be resumed). */
  async pruneCheckpoints(keep: string | null): Promise<number> {
    let pruned = 0;
    for (const run of await this.list()) {
      if (!run.ok || run.meta.id === keep || run.meta.checkpointStep === null) continue;
      // one transaction: the meta never names a checkpoint that is gone
      await this.kv.commit([[metaKey(run.meta.id), { ...run.meta, checkpointStep: null }]], [checkpointKey(run.meta.id)]);
      pruned++;
    }
    return pruned;
  }
}
