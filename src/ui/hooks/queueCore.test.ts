// The queue's core: items in order, what a stopped item was, queues made from seeds, a λ list and
// an ablation, and the queue across a reload.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../model/config.ts';
import { ablationById } from '../../model/presets.ts';
import { EMPTY_QUEUE, ablationItems, lambdaItems, nextItem, outcome, queueReducer, restoreQueue, seedItems, serializeQueue, type QueueState } from './queueCore.ts';

const tiny = resolveConfig({ model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 }, train: { steps: 20, warmupSteps: 5, seed: 7 } });

describe('queue core', () => {
  it('makes queues of seeds, of a λ list and of an ablation', () => {
    expect(seedItems(tiny, 2).map((x) => [x.label, x.config.train.seed])).toEqual([['seed 7', 7], ['seed 8', 8]]);
    const lam = lambdaItems(tiny, '0, 0.3, 3', 2);
    expect(lam.map((x) => [x.config.nitp.lambda, x.config.train.seed])).toEqual([[0.3, 7], [3, 7], [0.3, 8], [3, 8]]); // λ = 0 is every pair's NTP run
    expect(lam[0].label).toBe('nitp.lambda = 0.3, seed 7');
    expect(() => lambdaItems(tiny, '1, -2', 1)).toThrow(/nitp\.lambda/);
    const abl = ablationItems(ablationById('abl-target-layer')!, 3);
    expect(abl).toHaveLength(12);
    expect(abl[0].label).toBe('Target layer k: nitp.lambda = 1, nitp.targetLayer = 0, seed 1337');
    expect(new Set(abl.map((x) => x.config.nitp.targetLayer))).toEqual(new Set([0, 1, 2, 4]));
  });

  it('runs items in order and records how each ended', () => {
    let s: QueueState = queueReducer(EMPTY_QUEUE, { type: 'add', items: seedItems(tiny, 3), ids: ['a', 'b', 'c'] });
    expect(s.items.map((i) => i.status)).toEqual(['waiting', 'waiting', 'waiting']);
    s = queueReducer(s, { type: 'start' });
    expect(s.active).toBe(true);
    expect(nextItem(s)?.id).toBe('a');
    s = queueReducer(s, { type: 'begin', id: 'a' });
    s = queueReducer(s, { type: 'saved', id: 'a', savedRunId: 'run-a' });
    s = queueReducer(s, { type: 'remove', id: 'a' }); // in training: stays
    expect(s.items).toHaveLength(3);
    s = queueReducer(s, { type: 'finish', id: 'a', status: 'done' });
    expect(nextItem(s)?.id).toBe('b');
    s = queueReducer(queueReducer(s, { type: 'begin', id: 'b' }), { type: 'finish', id: 'b', status: 'failed', error: 'diverged' });
    s = queueReducer(s, { type: 'remove', id: 'c' });
    expect(nextItem(s)).toBeNull();
    expect(s.items.map((i) => [i.id, i.status, i.savedRunId, i.error])).toEqual([['a', 'done', 'run-a', null], ['b', 'failed', null, 'diverged']]);
    expect(queueReducer(s, { type: 'start' }).active).toBe(false); // nothing left to run
    expect(queueReducer(s, { type: 'clearFinished' }).items).toEqual([]);
  });

  it('tells done from paused and failed', () => {
    const base = { sameConfig: true, lastStep: 20, steps: 20, errorBefore: null, errorNow: null };
    expect(outcome(base)).toBe('done');
    expect(outcome({ ...base, lastStep: 12 })).toBe('paused');
    expect(outcome({ ...base, sameConfig: false })).toBe('paused');
    expect(outcome({ ...base, lastStep: 12, errorNow: 'step 12: not finite' })).toBe('failed');
    expect(outcome({ ...base, errorBefore: 'old', errorNow: 'old' })).toBe('done');
  });

  it('survives a reload stopped, dropping what no longer resolves', () => {
    let s = queueReducer(EMPTY_QUEUE, { type: 'add', items: seedItems(tiny, 2), ids: ['a', 'b'] });
    s = queueReducer(queueReducer(s, { type: 'start' }), { type: 'begin', id: 'a' });
    const text = serializeQueue(s);
    const back = restoreQueue(text);
    expect(back.state).toEqual({ ...s, active: false });
    expect(back.dropped).toEqual([]);
    const broken = JSON.parse(text);
    broken.items[1].config.model.nHead = 3;
    expect(restoreQueue(JSON.stringify(broken))).toMatchObject({ dropped: ['seed 8'], state: { items: [{ id: 'a' }] } });
    expect(restoreQueue('{oops').dropped).toHaveLength(1);
    expect(restoreQueue(null).state).toEqual(EMPTY_QUEUE);
  });
});
