// recorder.ts: saves the run in progress as it goes. update() only records the newest state;
// one write runs at a time (at most one per minIntervalMs) and takes whatever is newest when it
// starts, so saving never queues up behind training, and each write adds only what is new (the history chunks from the last saved
// step, new evaluations, a newer checkpoint).
//
// It stops saving, saying why (training goes on), when the storage is full, when a write fails,
// when the run was deleted elsewhere (another tab), or when another tab is the run's writer
// (store/writerLock.ts: the same saved run resumed in two tabs). A rename made elsewhere is kept.
import { RUN_FORMAT, summarize, type RunStore, type SavedCheckpoint, type SavedRunMeta } from './runStore.ts';
import type { RunConfig } from '../model/config.ts';
import type { EvalRecord, Pair, StepMetrics } from '../train/protocol.ts';
import type { WriterLock } from './writerLock.ts';

export interface RecordedState {
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
  checkpoint: SavedCheckpoint | null;
}

export interface RecorderProblem {
  message: string;
  /** the browser refused the write for lack of space */
  quota: boolean;
}

export class RunRecorder {
  private savedStep = 0;
  private savedEvalSteps: number[] = [];
  private savedCheckpointStep: number | null = null;
  private written = false;
  private pending: RecordedState | null = null;
  private writing: Promise<void> | null = null;
  private stoppedBy: RecorderProblem | null = null;
  /** this tab holds the run's writer lock */
  private writer = false;
  /** called after each successful write */
  onSaved: (() => void) | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly base: { id: string; name: string; created: number; config: RunConfig; adapter: string },
    private readonly onProblem: (problem: RecorderProblem) => void,
    /** a resumed run: what is already stored */
    resumed?: SavedRunMeta,
    /** least time between two writes: the page saves every few seconds, not at every step */
    private readonly minIntervalMs = 0,
    /** one tab writes a run: claimed before the first write */
    private readonly lock?: WriterLock,
  ) {
    if (resumed) {
      this.savedStep = resumed.step;
      this.savedEvalSteps = resumed.evalSteps;
      this.savedCheckpointStep = resumed.checkpointStep;
      this.written = true;
    }
  }

  get id(): string {
    return this.base.id;
  }

  get stopped(): RecorderProblem | null {
    return this.stoppedBy;
  }

  /** Saves `state` soon (superseding any state not yet written). */
  update(state: RecordedState): void {
    if (this.stoppedBy) return;
    this.pending = state;
    this.writing ??= this.drain();
  }

  /** Resolves when everything given to update() so far is written (or saving stopped). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Saving again after a problem was fixed (e.g. space freed): rewrites the whole run. */
  retry(state: RecordedState): void {
    this.stoppedBy = null;
    this.savedStep = 0;
    this.savedEvalSteps = [];
    this.savedCheckpointStep = null;
    this.update(state);
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending && !this.stoppedBy) {
        const state = this.pending;
        this.pending = null;
        const started = Date.now();
        await this.write(state);
        // newer states arriving meanwhile wait, and only the newest is written
        const rest = this.minIntervalMs - (Date.now() - started);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    } finally {
      this.writing = null;
    }
  }

  private stop(problem: RecorderProblem): void {
    this.stoppedBy = problem;
    this.pending = null;
    this.onProblem(problem);
  }

  private async write(state: RecordedState): Promise<void> {
    const { id } = this.base;
    if (!this.writer && this.lock) {
      if (!(await this.lock.claim())) {
        return this.stop({
          message: 'This saved run is open in another tab, which saves it; this tab goes on training without saving, so the two never mix their writes. ' +
            'Close the other tab and save again, or start a new run here.',
          quota: false,
        });
      }
      this.writer = true;
    }
    let stored: SavedRunMeta | undefined;
    try {
      stored = await this.store.meta(id);
    } catch {
      stored = undefined;
    }
    if (this.written && !stored) {
      return this.stop({ message: 'This run was deleted (perhaps in another tab), so it is no longer being saved; training goes on.', quota: false });
    }
    const saved = new Set(this.savedEvalSteps);
    const newEvals: Pair<EvalRecord>[] = [];
    state.evals.nitp.forEach((e, i) => {
      if (!saved.has(e.step) && state.evals.ntp[i]?.step === e.step) newEvals.push({ ntp: state.evals.ntp[i], nitp: e });
    });
    const checkpoint = state.checkpoint && state.checkpoint.step !== this.savedCheckpointStep ? state.checkpoint : undefined;
    const step = state.history.nitp.at(-1)?.step ?? 0;
    const evalSteps = [...this.savedEvalSteps.filter((s) => s <= step), ...newEvals.map((e) => e.nitp.step)];
    const meta: SavedRunMeta = {
      format: RUN_FORMAT,
      id,
      name: stored?.name ?? this.base.name,
      created: this.base.created,
      updated: Date.now(),
      config: this.base.config,
      adapter: this.base.adapter,
      step,
      checkpointStep: checkpoint?.step ?? this.savedCheckpointStep,
      evalSteps,
      summary: summarize(state.history, state.evals),
    };
    try {
      await this.store.save(meta, { history: state.history, fromStep: Math.min(this.savedStep + 1, step), evals: newEvals, checkpoint });
    } catch (e) {
      const quota = (e as DOMException)?.name === 'QuotaExceededError';
      return this.stop({
        message: quota
          ? 'The browser storage is full, so this run is no longer being saved; training goes on. Free space by deleting saved runs or their checkpoints, then save again.'
          : `Saving this run failed (${(e as Error).message}); training goes on.`,
        quota,
      });
    }
    this.written = true;
    this.savedStep = step;
    this.savedEvalSteps = evalSteps;
    this.savedCheckpointStep = meta.checkpointStep;
    this.onSaved?.();
  }
}
