// QueuePanel.tsx: the run queue (hooks/useQueue.ts) and the Ablations menu. Queue the config on
// the page at N seeds, a λ list, or one of the paper's ablations (model/presets.ts ABLATIONS);
// the items train one after another and land in Saved runs; "Compare finished" opens them side by side.
import { memo, useState } from 'react';
import { Panel } from './Panel.tsx';
import type { RunConfig } from '../../model/config.ts';
import { ABLATIONS, presetOf } from '../../model/presets.ts';
import { ablationItems, lambdaItems, seedItems } from '../hooks/queueCore.ts';
import type { Queue } from '../hooks/useQueue.ts';
import '../research/research.css';

interface Props {
  queue: Queue;
  /** the config on the page (what "Queue … seeds" and a λ list start from) */
  config: RunConfig | null;
  /** whether the page can train (a worker with WebGPU) */
  canTrain: boolean;
  onCompare: (savedRunIds: string[]) => void;
}

const STATUS: Record<string, string> = { waiting: 'waiting', running: 'training', done: 'done', failed: 'failed' };

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const QueuePanel = memo(function QueuePanel({ queue, config, canTrain, onCompare }: Props) {
  const [seeds, setSeeds] = useState(3);
  const [lambdas, setLambdas] = useState('0.3, 1, 3');
  const [ablation, setAblation] = useState(ABLATIONS[0].id);
  const [error, setError] = useState<string | null>(null);
  const { state } = queue;
  const chosen = ABLATIONS.find((a) => a.id === ablation)!;
  const upload = config?.data.corpus === 'upload';
  const add = (make: () => { label: string; config: RunConfig }[]) => {
    setError(null);
    try {
      queue.add(make());
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const name = config ? presetOf(config)?.name ?? 'Experiment' : '';
  const finished = state.items.filter((i) => i.status === 'done' && i.savedRunId);
  const waiting = state.items.filter((i) => i.status !== 'done' && i.status !== 'failed').length;
  return (
    <Panel title="Queue and ablations" summary={state.items.length ? `${waiting} to run, ${state.items.length - waiting} finished` : 'empty'} defaultOpen={false}>
      <p className="explain">
        Queued experiments train one after another, each as an NTP/NITP pair, and land in Saved runs. The queue is kept in this
        browser: after a reload, “Run queue” continues it.
      </p>
      <div className="fields queue-add">
        <label>Seeds <input type="number" min={1} max={20} value={seeds} aria-label="Seeds per experiment"
          onChange={(e) => setSeeds(Math.max(1, Math.min(20, Math.round(Number(e.target.value) || 1))))} /></label>
        <button disabled={!config || upload} onClick={() => add(() => seedItems(config!, seeds).map((x) => ({ ...x, label: `${name}, ${x.label}` })))}>
          Queue this config at {seeds} seed{seeds === 1 ? '' : 's'}
        </button>
        <label>λ list <input value={lambdas} onChange={(e) => setLambdas(e.target.value)} aria-label="λ list" /></label>
        <button disabled={!config || upload} onClick={() => add(() => lambdaItems(config!, lambdas, seeds).map((x) => ({ ...x, label: `${name}, ${x.label}` })))}>Queue λ list</button>
        <label>Ablations
          <select value={ablation} onChange={(e) => setAblation(e.target.value)} aria-label="Ablation">
            {ABLATIONS.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <p className="sub" data-testid="ablation-note"><b>Paper:</b> {chosen.paper} <b>Here:</b> {chosen.expect}</p>
        <button onClick={() => add(() => ablationItems(chosen, seeds))}>Queue ablation at {seeds} seed{seeds === 1 ? '' : 's'}</button>
      </div>
      {upload && <p className="note">An uploaded text is not kept by the lab, so its runs cannot be queued.</p>}
      {error && <div className="error" role="alert" data-testid="queue-error">{error}</div>}
      {queue.problem && <div className="note" data-testid="queue-problem">{queue.problem}</div>}
      <ol className="queue-items" data-testid="queue-items">
        {state.items.map((i) => (
          <li key={i.id} data-status={i.status}>
            <span className={`queue-status ${i.status}`}>{STATUS[i.status]}</span> {i.label}
            {i.error && <span className="error-text"> — {i.error}</span>}
            {!(state.active && i.status === 'running') && <button className="link" aria-label={`Remove ${i.label}`} onClick={() => queue.remove(i.id)}>×</button>}
          </li>
        ))}
      </ol>
      <div className="controls">
        {state.active
          ? <button onClick={queue.stop}>Stop queue</button>
          : <button className="primary" disabled={!canTrain || waiting === 0} onClick={queue.run}>Run queue</button>}
        <button disabled={finished.length < 2} onClick={() => onCompare(finished.map((i) => i.savedRunId!))}>Compare finished</button>
        <button disabled={state.items.length === waiting} onClick={queue.clearFinished}>Clear finished</button>
      </div>
    </Panel>
  );
});
