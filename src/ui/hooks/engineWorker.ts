// engineWorker.ts: the training worker, watched. The worker (train/worker.ts) sends a heartbeat
// every HEARTBEAT_MS and forwards its uncaught errors and unhandled rejections; a worker that
// crashes or stays silent for hungAfterMs is terminated, every call still pending on it rejects
// with a WorkerDied error, and `onDeath` is told (the page then starts a new worker and offers to
// resume from the last checkpoint). Long work in the worker runs in slices (util/cooperative.ts),
// so a healthy worker never goes silent that long.
import * as Comlink from 'comlink';
import type { TrainerApi, WorkerSignal } from '../../train/protocol.ts';

/** Silence after which a worker counts as hung (overridable for tests: globalThis.nitpHungAfterMs). */
export const HUNG_AFTER_MS = 30_000;
const WATCH_MS = 1000;

/** The worker died or hung: its pending calls reject with this. */
export class WorkerDied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDied';
  }
}

export interface EngineWorker {
  /** the comlink proxy; every call rejects with WorkerDied once the worker is gone */
  api: Comlink.Remote<TrainerApi>;
  terminate(): void;
}

/**
 * @param onDeath the worker crashed or hung (it is terminated)
 * @param onTuning the worker started (true) or finished (false) timing kernels for this GPU
 */
export function startEngineWorker(onDeath: (message: string) => void, onTuning: (active: boolean) => void = () => {}): EngineWorker {
  const hungAfterMs = (globalThis as { nitpHungAfterMs?: number }).nitpHungAfterMs ?? HUNG_AFTER_MS;
  const worker = new Worker(new URL('../../train/worker.ts', import.meta.url), { type: 'module' });
  const remote = Comlink.wrap<TrainerApi>(worker);
  let rejectPending!: (e: Error) => void;
  const dead = new Promise<never>((_, reject) => { rejectPending = reject; });
  dead.catch(() => undefined); // rejects on purpose; callers see it through their own calls
  let alive = true;
  let lastBeat = performance.now();
  let lastTick = performance.now();

  const end = () => {
    alive = false;
    clearInterval(watch);
    worker.terminate();
    remote[Comlink.releaseProxy]();
  };
  const die = (message: string) => {
    if (!alive) return;
    end();
    rejectPending(new WorkerDied(message));
    onDeath(message);
  };
  worker.addEventListener('message', (event: MessageEvent) => {
    const signal = event.data as WorkerSignal | undefined;
    if (signal?.nitp === 'heartbeat') lastBeat = performance.now();
    else if (signal?.nitp === 'error') die(`The training worker crashed (${signal.message})`);
    else if (signal?.nitp === 'tuning') onTuning(signal.active);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    die(`The training worker crashed (${event.message || 'it failed to load or threw'})`);
  });
  const watch = setInterval(() => {
    const now = performance.now();
    // a throttled or frozen page (background tab) hears no heartbeat either: that is not the worker's fault
    if (now - lastTick > 3 * WATCH_MS) lastBeat = now;
    lastTick = now;
    if (now - lastBeat > hungAfterMs) die(`The training worker stopped answering for ${Math.round((now - lastBeat) / 1000)} s`);
  }, WATCH_MS);

  // every call races the worker's death, so none waits forever on a worker that is gone
  const api = new Proxy(remote, {
    get(target, prop, receiver) {
      // a released comlink proxy throws on any access: a call on a dead worker rejects instead
      if (!alive) return typeof prop === 'symbol' || prop === 'then' ? undefined : () => dead;
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop === 'symbol' || typeof value !== 'function') return value;
      return (...args: unknown[]) => (alive ? Promise.race([(value as (...a: unknown[]) => Promise<unknown>)(...args), dead]) : dead);
    },
  });
  return { api, terminate: () => alive && end() };
}
