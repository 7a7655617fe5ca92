// writerLock.ts: one tab writes a saved run. A tab that saves a run holds a Web Lock named after
// it for as long as it saves it; another tab with the same run open (a resume in two tabs) finds
// the lock taken, does not write, and says so (store/recorder.ts), so the two never interleave
// their writes. Browsers without Web Locks save as before.

export interface WriterLock {
  readonly runId: string;
  /** Resolves true once this tab holds the run's lock (and keeps it), false when another tab has it. */
  claim(): Promise<boolean>;
  /** Gives the lock up (a new pair, or the run is left). */
  release(): void;
}

export const lockName = (runId: string) => `nitp-lab-run-writer/${runId}`;

export function webWriterLock(runId: string, locks: LockManager | undefined = globalThis.navigator?.locks): WriterLock {
  let held: Promise<boolean> | null = null;
  let release = () => {};
  return {
    runId,
    claim() {
      if (!locks) return Promise.resolve(true);
      if (!held) {
        const attempt = new Promise<boolean>((resolve) => {
          locks.request(lockName(runId), { ifAvailable: true }, (lock) => {
            resolve(lock !== null);
            // held until release(); a refusal is asked again later (Save again: the other tab may be gone)
            return lock ? new Promise<void>((done) => { release = done; }) : undefined;
          }).catch(() => resolve(true));
        });
        held = attempt;
        attempt.then((ok) => { if (!ok && held === attempt) held = null; });
      }
      return held;
    },
    release() {
      release();
      held = null;
    },
  };
}
