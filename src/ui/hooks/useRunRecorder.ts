// useRunRecorder.ts: saving the pair in training to the browser's run store. Each new pair gets
// its own RunRecorder (a fresh id, or a resumed run's stored meta); saves announce themselves to
// other tabs, and the first one asks the browser to keep the lab's storage.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { PairInfo } from '../../train/protocol.ts';
import { announceRunsChanged, type RunStore, type SavedRunMeta } from '../../store/runStore.ts';
import { RunRecorder, type RecordedState, type RecorderProblem } from '../../store/recorder.ts';
import { webWriterLock, type WriterLock } from '../../store/writerLock.ts';
import { presetOf } from '../../model/presets.ts';

/** Saving the run in progress at most this often keeps its cost off the page's frames. */
const SAVE_INTERVAL_MS = 2000;

export interface RunRecording {
  /** id of the run being saved; null before the first pair */
  currentId: string | null;
  /** why saving stopped (training goes on); null while it works */
  problem: RecorderProblem | null;
  /** A new pair: saved under a new id once it has steps, or under `resumed`'s id, after what is stored. */
  begin(info: PairInfo, resumed?: SavedRunMeta): void;
  /** Saves `state` in the background (the newest state wins). */
  update(state: RecordedState): void;
  /** Saving again after a problem was fixed: rewrites the whole run. */
  retry(state: RecordedState): void;
}

export function useRunRecorder(store: RunStore): RunRecording {
  const recorder = useRef<RunRecorder | null>(null);
  const lock = useRef<WriterLock | null>(null);
  const persistAsked = useRef(false);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [problem, setProblem] = useState<RecorderProblem | null>(null);

  const begin = useCallback((info: PairInfo, resumed?: SavedRunMeta) => {
    const { config, adapter } = info;
    const base = resumed
      ? { id: resumed.id, name: resumed.name, created: resumed.created, config, adapter }
      : { id: crypto.randomUUID(), name: `${presetOf(config)?.name ?? 'Experiment'}, ${new Date().toLocaleString()}`, created: Date.now(), config, adapter };
    // the lock of the run this tab writes is kept across its own resumes; another run's is let go
    if (lock.current?.runId !== base.id) {
      lock.current?.release();
      lock.current = webWriterLock(base.id);
    }
    const rec = new RunRecorder(store, base, setProblem, resumed, SAVE_INTERVAL_MS, lock.current);
    rec.onSaved = () => {
      announceRunsChanged();
      // once a run is stored, ask the browser to keep the lab's storage when space runs low
      if (!persistAsked.current) {
        persistAsked.current = true;
        navigator.storage?.persist?.().catch(() => undefined);
      }
    };
    recorder.current = rec;
    setCurrentId(base.id);
    setProblem(null);
  }, [store]);

  const update = useCallback((state: RecordedState) => recorder.current?.update(state), []);
  const retry = useCallback((state: RecordedState) => {
    setProblem(null);
    recorder.current?.retry(state);
  }, []);

  return useMemo(() => ({ currentId, problem, begin, update, retry }), [currentId, problem, begin, update, retry]);
}
