// useQueue.ts: the run queue on the page. Items train one after another as the page's pair (new
// settings, then Train), so each is saved by the recorder like any run and lands in Saved runs,
// named after its item once done. The queue lives in localStorage and survives a reload stopped;
// "Run queue" then continues the item that was training from its saved checkpoint. The Pause
// button stops the queue after the pair pauses; a run that diverges is marked failed and the next
// one starts. The rules are in queueCore.ts (pure, tested).
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useStableCallback } from './useStableCallback.ts';
import type { PartialRunConfig, RunConfig } from '../../model/config.ts';
import type { PairInfo } from '../../train/protocol.ts';
import { announceRunsChanged, type LoadedRun, type RunStore } from '../../store/runStore.ts';
import { QUEUE_KEY, nextItem, outcome, queueReducer, restoreQueue, serializeQueue, type QueueItem, type QueueState } from './queueCore.ts';

/** What the queue needs of useEngine. */
export interface QueueEngine {
  api: unknown;
  info: PairInfo | null;
  running: boolean;
  error: string | null;
  history: { nitp: { step: number }[] };
  applyConfig: (config: PartialRunConfig) => Promise<void>;
  resume: (run: LoadedRun) => Promise<void>;
  start: () => Promise<void>;
  pause: () => unknown;
}

const same = (a: RunConfig | undefined, b: RunConfig) => JSON.stringify(a) === JSON.stringify(b);

function load(): { state: QueueState; dropped: string[] } {
  try {
    return restoreQueue(localStorage.getItem(QUEUE_KEY));
  } catch {
    return restoreQueue(null); // storage unavailable (private mode): the queue lives for this page only
  }
}

export function useQueue(engine: QueueEngine, currentId: string | null, store: RunStore) {
  const [initial] = useState(load);
  const [state, dispatch] = useReducer(queueReducer, initial.state);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(initial.dropped.length ? `Left out of the stored queue (no longer valid): ${initial.dropped.join(', ')}.` : null);
  /** set when an item's training stopped: the next render decides what it was */
  const stopped = useRef<{ id: string; errorBefore: string | null } | null>(null);

  useEffect(() => {
    try {
      localStorage.setItem(QUEUE_KEY, serializeQueue(state));
    } catch {
      // storage full or unavailable: the queue still runs on this page
    }
  }, [state]);

  const lastStep = engine.history.nitp.at(-1)?.step ?? 0;
  const current = state.items.find((i) => i.status === 'running') ?? null;

  // the saved run an item trains into: known once its pair trains
  useEffect(() => {
    if (current && engine.running && currentId && current.savedRunId !== currentId && same(engine.info?.config, current.config)) {
      dispatch({ type: 'saved', id: current.id, savedRunId: currentId });
    }
  }, [current, engine.running, currentId, engine.info]);

  /**
   * Names the saved run after its item once the recorder is done with it: a rename rewrites the
   * stored meta, so it waits until the meta has not changed for longer than the recorder's 2 s
   * between saves (a rename between the recorder's read and write would lose its last evaluation).
   */
  const rename = async (id: string, label: string) => {
    let seen: number | null = null;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 2500));
      const meta = await store.meta(id).catch(() => undefined);
      if (meta && meta.updated === seen) {
        await store.rename(id, label);
        announceRunsChanged();
        return;
      }
      seen = meta?.updated ?? null;
    }
  };

  /** Builds the item's pair (or continues it) and trains it; the next render sees how it stopped. */
  const launch = async (item: QueueItem, first: boolean) => {
    setBusy(true);
    const errorBefore = engine.error;
    try {
      const onPage = same(engine.info?.config, item.config) && currentId !== null && currentId === item.savedRunId;
      if (first || !onPage) {
        let resumed = false;
        if (!first && item.savedRunId) {
          // interrupted (a reload): continue from the saved checkpoint when there is one
          const run = await store.load(item.savedRunId).catch(() => null);
          if (run?.checkpoint) {
            await engine.resume(run);
            resumed = true;
          }
        }
        if (!resumed) await engine.applyConfig(item.config);
      }
      stopped.current = { id: item.id, errorBefore };
      await engine.start();
    } catch (e) {
      stopped.current = null;
      dispatch({ type: 'finish', id: item.id, status: 'failed', error: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!state.active) {
      stopped.current = null; // stopped by hand: "Run queue" continues the item
      return;
    }
    if (busy || engine.running || !engine.api) return;
    const item = nextItem(state);
    const done = stopped.current;
    if (done && item?.id === done.id) {
      stopped.current = null;
      const how = outcome({ sameConfig: same(engine.info?.config, item.config), lastStep, steps: item.config.train.steps, errorBefore: done.errorBefore, errorNow: engine.error });
      if (how === 'paused') return dispatch({ type: 'stop' });
      dispatch({ type: 'finish', id: item.id, status: how, error: how === 'failed' ? engine.error ?? undefined : undefined });
      const saved = item.savedRunId ?? currentId;
      if (how === 'done' && saved) rename(saved, item.label).catch(() => undefined);
      return;
    }
    if (!item) return dispatch({ type: 'stop' });
    if (item.status === 'waiting') dispatch({ type: 'begin', id: item.id });
    launch(item, item.status === 'waiting');
  }, [state, busy, engine.running, engine.api]);

  const add = useCallback((items: { label: string; config: RunConfig }[]) => {
    setProblem(null);
    dispatch({ type: 'add', items, ids: items.map(() => crypto.randomUUID()) });
  }, []);

  const remove = useCallback((id: string) => dispatch({ type: 'remove', id }), []);
  const clearFinished = useCallback(() => dispatch({ type: 'clearFinished' }), []);
  const run = useCallback(() => dispatch({ type: 'start' }), []);
  /** stops the queue: the pair in training pauses (with a checkpoint), and "Run queue" continues it */
  const stop = useStableCallback(() => {
    dispatch({ type: 'stop' });
    if (engine.running) engine.pause();
  });
  // one object per change of the queue, not per render: the queue panel is memoised
  return useMemo(() => ({ state, busy, problem, add, remove, clearFinished, run, stop }), [state, busy, problem, add, remove, clearFinished, run, stop]);
}

export type Queue = ReturnType<typeof useQueue>;
