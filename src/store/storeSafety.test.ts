// Saved runs stay whole: a delete (and a checkpoint prune) is one transaction, and one tab writes a
// saved run: the recorder of a second tab with the same run finds the writer lock taken and says so.
import { describe, expect, it } from 'vitest';
import { memoryStore, RunStore, type KeyValueStore } from './runStore.ts';
import { RunRecorder, type RecorderProblem } from './recorder.ts';
import { lockName, webWriterLock } from './writerLock.ts';
import { resolveConfig } from '../model/config.ts';
import type { StepMetrics } from '../train/protocol.ts';

const metric = (step: number): StepMetrics => ({ step, lr: 1e-3, loss: 3, ntp: 3, aux: 0.5, gradNorm: 1, clipScale: 1 });
const state = (steps: number) => {
  const h = Array.from({ length: steps }, (_, i) => metric(i + 1));
  return { history: { ntp: h, nitp: h }, evals: { ntp: [], nitp: [] }, checkpoint: { step: steps, ntp: new Uint8Array([1]), nitp: new Uint8Array([2]) } };
};
const base = (id: string) => ({ id, name: id, created: 1, config: resolveConfig({}), adapter: 'test' });

/** A LockManager with Web Locks' ifAvailable semantics, shared by the "tabs" of a test. */
function fakeLocks(): LockManager {
  const held = new Set<string>();
  return {
    request: (async (name: string, _options: LockOptions, callback: (lock: Lock | null) => unknown) => {
      if (held.has(name)) return callback(null);
      held.add(name);
      try {
        return await callback({ name, mode: 'exclusive' } as Lock);
      } finally {
        held.delete(name);
      }
    }) as LockManager['request'],
    query: async () => ({ held: [...held].map((name) => ({ name })), pending: [] }),
  } as LockManager;
}

describe('saved runs stay whole', () => {
  it('a delete removes every key of the run in one transaction, and leaves other runs', async () => {
    const kv = memoryStore();
    const commits: [string, unknown][][] = [];
    const counting: KeyValueStore = { ...kv, commit: (set, prefixes) => (commits.push(set), kv.commit(set, prefixes)),
      delMany: () => Promise.reject(new Error('a delete must not take several transactions')) };
    const store = new RunStore(counting);
    const recA = new RunRecorder(store, base('a'), () => undefined);
    recA.update(state(600));
    await recA.flush();
    const recB = new RunRecorder(store, base('ab'), () => undefined);
    recB.update(state(3));
    await recB.flush();
    expect([...kv.data.keys()].filter((k) => k.startsWith('runs/a/')).length).toBeGreaterThan(3);
    await store.delete('a');
    expect(commits.length).toBe(1);
    expect([...kv.data.keys()].filter((k) => k.startsWith('runs/a/'))).toEqual([]);
    expect((await store.list()).map((r) => r.ok && r.meta.id)).toEqual(['ab']); // "runs/ab/" is not "runs/a/"
    // pruning a checkpoint: the meta and the checkpoint change together
    expect(await store.pruneCheckpoints(null)).toBe(1);
    expect(commits.length).toBe(2);
    expect(kv.data.has('runs/ab/checkpoint')).toBe(false);
    expect((await store.meta('ab'))!.checkpointStep).toBeNull();
  });

  it('the same saved run in two tabs: the second finds the writer lock taken, does not write, and says so', async () => {
    const kv = memoryStore();
    const store = new RunStore(kv);
    const locks = fakeLocks();
    const tabA = webWriterLock('x', locks);
    const tabB = webWriterLock('x', locks);
    const problems: RecorderProblem[] = [];
    const a = new RunRecorder(store, base('x'), (p) => problems.push(p), undefined, 0, tabA);
    a.update(state(10));
    await a.flush();
    const b = new RunRecorder(store, base('x'), (p) => problems.push(p), undefined, 0, tabB);
    b.update(state(99));
    await b.flush();
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^This saved run is open in another tab, which saves it; this tab goes on training without saving/)]);
    expect((await store.meta('x'))!.step).toBe(10); // tab B wrote nothing
    a.update(state(20));
    await a.flush();
    expect((await store.meta('x'))!.step).toBe(20);
    expect((await locks.query()).held!.map((l) => l.name)).toEqual([lockName('x')]);
    // once the first tab lets go, the second saves again when asked
    tabA.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    b.retry(state(30));
    await b.flush();
    expect((await store.meta('x'))!.step).toBe(30);
    expect(problems.length).toBe(1);
  });

  it('without Web Locks every tab saves, as before', async () => {
    expect(await webWriterLock('y', undefined).claim()).toBe(true);
  });
});
