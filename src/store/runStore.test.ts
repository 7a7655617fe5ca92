// Saved runs: written as they go, loaded back whole, renamed, deleted, pruned; unreadable records
// listed with their reason; a full disk, a failed write and a deletion in another tab each stop
// saving with a message and leave what was stored intact.
import { describe, expect, it } from 'vitest';
import { HISTORY_CHUNK, RUN_FORMAT, RunStore, memoryStore, type KeyValueStore, type SavedCheckpoint } from './runStore.ts';
import { RunRecorder, type RecorderProblem } from './recorder.ts';
import { resolveConfig } from '../model/config.ts';
import type { EvalRecord, Pair, StepMetrics } from '../train/protocol.ts';

const config = resolveConfig({ model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 }, train: { steps: 1200 } });
const metric = (step: number, offset: number): StepMetrics => ({ step, lr: 1e-3, loss: 3 + offset - step / 1000, ntp: 3, aux: offset ? 0.5 : null, gradNorm: 1, clipScale: 1 });
const evalRecord = (step: number, erank: number): EvalRecord => ({
  step, valNtp: 2, valAux: null, alignment: null,
  layers: [{ layer: 'final', erank, anisotropy: 0.2, norm: 1, spectrum: [0.5], tail: 0.1 }],
  pca: { points: new Float32Array([1, 2, 3]), rows: new Uint32Array([0]), explained: [0.5, 0.2, 0.1], meanProjection: [0, 0, 0] },
});
/** The state of a pair trained to `steps`, evaluated every 100 steps. */
function state(steps: number, checkpointStep: number | null = null) {
  const history: Pair<StepMetrics[]> = { ntp: [], nitp: [] };
  const evals: Pair<EvalRecord[]> = { ntp: [], nitp: [] };
  for (let s = 1; s <= steps; s++) {
    history.ntp.push(metric(s, 0));
    history.nitp.push(metric(s, 1));
    if (s % 100 === 0) {
      evals.ntp.push(evalRecord(s, 10 - s / 1000));
      evals.nitp.push(evalRecord(s, 12));
    }
  }
  const checkpoint: SavedCheckpoint | null = checkpointStep === null ? null
    : { step: checkpointStep, ntp: new Uint8Array([1, 2, checkpointStep % 256]), nitp: new Uint8Array([3, 4]) };
  return { history, evals, checkpoint };
}

function recorder(store: RunStore, problems: RecorderProblem[], id = 'run-a') {
  return new RunRecorder(store, { id, name: 'first try', created: 1000, config, adapter: 'test' }, (p) => problems.push(p));
}

describe('saved runs', () => {
  it('save as they go and load back whole', async () => {
    const kv = memoryStore();
    const store = new RunStore(kv);
    const problems: RecorderProblem[] = [];
    const rec = recorder(store, problems);
    // many updates while a write is in flight: the newest state wins, nothing is lost
    for (const steps of [10, 20, 250, 499, 500, 501, 740]) rec.update(state(steps, steps >= 500 ? 500 : null));
    await rec.flush();
    rec.update(state(1100, 1000));
    await rec.flush();
    expect(problems).toEqual([]);
    const [listed] = await store.list();
    expect(listed.ok && listed.meta).toMatchObject({ format: RUN_FORMAT, name: 'first try', step: 1100, checkpointStep: 1000, evalSteps: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100] });
    const loaded = await store.load('run-a');
    const expected = state(1100, 1000);
    expect(loaded.history).toEqual(expected.history);
    expect(loaded.evals).toEqual(expected.evals);
    expect(loaded.checkpoint).toEqual(expected.checkpoint);
    expect(loaded.meta.summary.erank).toEqual({ ntp: 10 - 1.1, nitp: 12 });
    expect([...kv.data.keys()].filter((k) => k.includes('/history/'))).toHaveLength(Math.ceil(1100 / HISTORY_CHUNK));
  });

  it('keep a rename made elsewhere, and stop saving a run deleted elsewhere', async () => {
    const kv = memoryStore();
    const problems: RecorderProblem[] = [];
    const rec = recorder(new RunStore(kv), problems);
    rec.update(state(50));
    await rec.flush();
    const otherTab = new RunStore(kv);
    await otherTab.rename('run-a', 'renamed in tab 2');
    rec.update(state(60));
    await rec.flush();
    expect((await otherTab.meta('run-a'))!.name).toBe('renamed in tab 2');
    expect((await otherTab.meta('run-a'))!.step).toBe(60);
    await otherTab.delete('run-a');
    rec.update(state(70));
    await rec.flush();
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/deleted \(perhaps in another tab\)/)]);
    expect(kv.data.size).toBe(0); // nothing came back
  });

  it('stop saving when the storage is full, keeping what was stored, and save again after space is freed', async () => {
    const kv = memoryStore();
    let full = false;
    const limited: KeyValueStore = { ...kv, setMany: async (entries) => {
      if (full) throw new DOMException('quota exceeded', 'QuotaExceededError');
      return kv.setMany(entries);
    } };
    const store = new RunStore(limited);
    const problems: RecorderProblem[] = [];
    const rec = recorder(store, problems);
    rec.update(state(100, 100));
    await rec.flush();
    full = true;
    rec.update(state(200, 200));
    await rec.flush();
    expect(problems).toEqual([{ quota: true, message: expect.stringMatching(/storage is full.*training goes on/) }]);
    expect(rec.stopped?.quota).toBe(true);
    const kept = await store.load('run-a');
    expect(kept.meta.step).toBe(100);
    expect(kept.checkpoint!.step).toBe(100);
    full = false;
    rec.retry(state(300, 300));
    await rec.flush();
    expect((await store.load('run-a')).history.nitp).toHaveLength(300);
  });

  it('list unreadable records with their reason; the others still load', async () => {
    const kv = memoryStore();
    const store = new RunStore(kv);
    const rec = recorder(store, []);
    rec.update(state(30));
    await rec.flush();
    await kv.setMany([
      ['runs/old/meta', { format: 0, id: 'old', name: 'from last year' }],
      ['runs/junk/meta', 'not an object'],
      ['runs/badconfig/meta', { ...(await store.meta('run-a')), id: 'badconfig', config: { model: { nLayer: -1 } } }],
    ]);
    const listed = await store.list();
    expect(listed.filter((r) => r.ok)).toHaveLength(1);
    const bad = Object.fromEntries(listed.filter((r) => !r.ok).map((r) => [(r as { id: string }).id, (r as { reason: string }).reason]));
    expect(bad).toEqual({
      old: 'it was written in format 0; this lab reads format 1',
      junk: 'the record is not an object',
      badconfig: expect.stringMatching(/^its config is not valid: config field "model.nLayer"/),
    });
    await store.delete('old');
    expect((await store.list()).map((r) => (r.ok ? r.meta.id : r.id)).sort()).toEqual(['badconfig', 'junk', 'run-a']);
    // a damaged run names the missing piece when opened
    kv.data.delete('runs/run-a/history/0');
    await expect(store.load('run-a')).rejects.toThrow('the saved run "first try" is damaged: runs/run-a/history/0 is missing');
  });

  it('prunes the checkpoints of other runs', async () => {
    const kv = memoryStore();
    const store = new RunStore(kv);
    for (const id of ['a', 'b', 'c']) {
      const rec = recorder(store, [], id);
      rec.update(state(100, 100));
      await rec.flush();
    }
    expect(await store.pruneCheckpoints('b')).toBe(2);
    expect((await store.load('a')).checkpoint).toBeNull();
    expect((await store.load('b')).checkpoint!.step).toBe(100);
    expect([...kv.data.keys()].filter((k) => k.endsWith('/checkpoint'))).toEqual(['runs/b/checkpoint']);
  });
});
