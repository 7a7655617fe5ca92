// queueCore.ts: the browser's run queue without React or storage: configs that train one after
// another in the worker (each as an NTP/NITP pair, saved by the recorder like any run), how a
// queue is made (N seeds of a config, a λ list, an ablation), what a finished item was, and the
// queue as JSON in localStorage. useQueue.ts drives it.
import { resolveConfig, type RunConfig } from '../../model/config.ts';
import type { Ablation } from '../../model/presets.ts';
import { parseVary, sweepPlan, type VaryAxis } from '../../share/sweep.ts';
import { variantLabel } from '../../share/runGroups.ts';

export type ItemStatus = 'waiting' | 'running' | 'done' | 'failed';

export interface QueueItem {
  id: string;
  /** the saved run's name once it is done, e.g. "nitp.lambda = 3, seed 1338" */
  label: string;
  config: RunConfig;
  status: ItemStatus;
  /** the saved run this item trains into (known once its pair started) */
  savedRunId: string | null;
  error: string | null;
}

export interface QueueState {
  items: QueueItem[];
  /** whether the queue is running (false: stopped, paused or finished) */
  active: boolean;
}

export type QueueAction =
  | { type: 'add'; items: { label: string; config: RunConfig }[]; ids: string[] }
  | { type: 'remove'; id: string }
  | { type: 'clearFinished' }
  | { type: 'start' }
  | { type: 'stop' }
  /** the item's pair is being built and trained */
  | { type: 'begin'; id: string }
  | { type: 'saved'; id: string; savedRunId: string }
  | { type: 'finish'; id: string; status: 'done' | 'failed'; error?: string };

export const EMPTY_QUEUE: QueueState = { items: [], active: false };

const update = (state: QueueState, id: string, change: Partial<QueueItem>): QueueState =>
  ({ ...state, items: state.items.map((i) => (i.id === id ? { ...i, ...change } : i)) });

export function queueReducer(state: QueueState, action: QueueAction): QueueState {
  switch (action.type) {
    case 'add':
      return { ...state, items: [...state.items, ...action.items.map((x, i) => ({ id: action.ids[i], ...x, status: 'waiting' as const, savedRunId: null, error: null }))] };
    case 'remove': // the item in training stays: stop the queue first
      return { ...state, items: state.items.filter((i) => i.id !== action.id || (state.active && i.status === 'running')) };
    case 'clearFinished':
      return { ...state, items: state.items.filter((i) => i.status !== 'done' && i.status !== 'failed') };
    case 'start':
      return { ...state, active: state.items.some((i) => i.status === 'waiting' || i.status === 'running') };
    case 'stop':
      return { ...state, active: false };
    case 'begin':
      return update(state, action.id, { status: 'running', error: null });
    case 'saved':
      return update(state, action.id, { savedRunId: action.savedRunId });
    case 'finish':
      return update(state, action.id, { status: action.status, error: action.error ?? null });
  }
}

/** The item to train now: the one in training (e.g. paused, or interrupted by a reload), else the first waiting. */
export function nextItem(state: QueueState): QueueItem | null {
  return state.items.find((i) => i.status === 'running') ?? state.items.find((i) => i.status === 'waiting') ?? null;
}

/**
 * What became of an item once training stopped: done when the pair reached its last step, failed
 * when a new error appeared (a divergence, a lost device), paused otherwise (the Pause button).
 */
export function outcome(o: { sameConfig: boolean; lastStep: number; steps: number; errorBefore: string | null; errorNow: string | null }): 'done' | 'failed' | 'paused' {
  if (o.errorNow && o.errorNow !== o.errorBefore) return 'failed';
  return o.sameConfig && o.lastStep >= o.steps ? 'done' : 'paused';
}

/** Grid points as queue items: each λ > 0 point at every seed (each pair trains its own NTP run, so λ = 0 points are left out). */
export function gridItems(base: RunConfig, axes: readonly VaryAxis[], seeds: number): { label: string; config: RunConfig }[] {
  const runs = sweepPlan(base, axes, seeds).filter((r) => r.config.nitp.lambda > 0);
  return runs.map((r) => ({ label: `${axes.length ? `${variantLabel(r.variant)}, ` : ''}seed ${r.seed}`, config: r.config }));
}

/** The config at N seeds: its own seed, +1, … */
export function seedItems(config: RunConfig, seeds: number): { label: string; config: RunConfig }[] {
  return gridItems(config, [], seeds);
}

/** A λ list ("0.3, 1, 3", checked like --vary) at N seeds. */
export function lambdaItems(config: RunConfig, list: string, seeds: number): { label: string; config: RunConfig }[] {
  return gridItems(config, [parseVary(`nitp.lambda=${list.replace(/\s+/g, '')}`)], seeds);
}

/** An ablation at N seeds: its λ > 0 variants, each a pair with its NTP baseline. */
export function ablationItems(ablation: Ablation, seeds: number): { label: string; config: RunConfig }[] {
  return gridItems(resolveConfig(ablation.config), ablation.vary, seeds).map((x) => ({ ...x, label: `${ablation.name}: ${x.label}` }));
}

export const QUEUE_KEY = 'nitp-lab-queue';
const QUEUE_FORMAT = 1;

export function serializeQueue(state: QueueState): string {
  return JSON.stringify({ format: QUEUE_FORMAT, items: state.items });
}

/**
 * The stored queue after a reload: stopped (the user continues it), every item checked; an item
 * whose config no longer resolves is dropped and named.
 */
export function restoreQueue(text: string | null): { state: QueueState; dropped: string[] } {
  if (!text) return { state: EMPTY_QUEUE, dropped: [] };
  let stored: { format?: unknown; items?: unknown };
  try {
    stored = JSON.parse(text);
  } catch {
    return { state: EMPTY_QUEUE, dropped: ['the stored queue (not valid JSON)'] };
  }
  if (stored.format !== QUEUE_FORMAT || !Array.isArray(stored.items)) return { state: EMPTY_QUEUE, dropped: ['the stored queue (another format)'] };
  const items: QueueItem[] = [];
  const dropped: string[] = [];
  for (const raw of stored.items as Partial<QueueItem>[]) {
    const label = typeof raw?.label === 'string' ? raw.label : '(unnamed)';
    try {
      if (typeof raw.id !== 'string' || !['waiting', 'running', 'done', 'failed'].includes(raw.status as string)) throw new Error('bad item');
      items.push({
        id: raw.id, label, config: resolveConfig(raw.config), status: raw.status as ItemStatus,
        savedRunId: typeof raw.savedRunId === 'string' ? raw.savedRunId : null, error: typeof raw.error === 'string' ? raw.error : null,
      });
    } catch {
      dropped.push(label);
    }
  }
  return { state: { items, active: false }, dropped };
}
