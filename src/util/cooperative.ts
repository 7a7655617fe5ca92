// cooperative.ts: long synchronous work in slices. A worker busy for seconds answers no call and
// sends no heartbeat (the page would take it for hung, src/ui/hooks/engineWorker.ts), and cannot be
// cancelled; so BPE training and the batch skipping of a resume give the event loop a turn every
// SLICE_MS and stop when asked.

/** The longest the work runs without letting the event loop in. */
export const SLICE_MS = 50;

/** Thrown by work that was asked to stop. */
export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

/** What long work is given: whether to stop now. */
export interface Cancellation {
  shouldStop?: () => boolean;
}

/** Lets the event loop run (messages, timers) before the work goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Drives a generator that yields between small units of work: the event loop gets a turn every
 * SLICE_MS, and `shouldStop` is asked at each turn (CancelledError naming `what`).
 */
export async function runSliced<T>(work: Generator<void, T>, what: string, { shouldStop }: Cancellation = {}): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      if (shouldStop?.()) {
        work.return(undefined as T);
        throw new CancelledError(what);
      }
      sliceStart = performance.now();
    }
  }
}

/** Runs a generator to its end at once (the synchronous callers: tests, the CLI). */
export function runAtOnce<T>(work: Generator<void, T>): T {
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
  }
}
