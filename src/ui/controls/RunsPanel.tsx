// RunsPanel.tsx: the runs saved in this browser. Each can be renamed, deleted, drawn over the
// charts, or resumed from its last checkpoint; unreadable records are listed with their reason and
// can be deleted. Also: how much storage the lab uses, a request for persistent storage, and what
// to do when saving stopped (full storage: delete other runs' checkpoints, then save again).
import { memo, useEffect, useRef, useState } from 'react';
import { Panel } from './Panel.tsx';
import { configSummary } from './ConfigPanel.tsx';
import { RUNS_CHANNEL, announceRunsChanged, type ListedRun, type RunStore } from '../../store/runStore.ts';
import type { RecorderProblem } from '../../store/recorder.ts';

interface Props {
  store: RunStore;
  currentId: string | null;
  overlayIds: string[];
  problem: RecorderProblem | null;
  busy: boolean;
  onResume: (id: string) => Promise<void>;
  onToggleOverlay: (id: string, on: boolean) => Promise<void>;
  onRetry: () => void;
}

const formatMB = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);
const num = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const RunsPanel = memo(function RunsPanel({ store, currentId, overlayIds, problem, busy, onResume, onToggleOverlay, onRetry }: Props) {
  const [runs, setRuns] = useState<ListedRun[]>([]);
  const [usage, setUsage] = useState<string | null>(null);
  const [persisted, setPersisted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [version, setVersion] = useState(0);
  const reloading = useRef(false);

  // saves, renames and deletes here and in other tabs announce themselves on the channel
  useEffect(() => {
    const channel = new BroadcastChannel(RUNS_CHANNEL);
    channel.onmessage = () => setVersion((v) => v + 1);
    return () => channel.close();
  }, []);

  useEffect(() => {
    // at most one reload a second while a run saves every few steps
    if (reloading.current) return;
    reloading.current = true;
    setTimeout(async () => {
      try {
        setRuns(await store.list());
      } catch (e) {
        setError(`The saved runs could not be read: ${(e as Error).message}`);
      } finally {
        reloading.current = false;
      }
      const estimate = await navigator.storage?.estimate?.();
      if (estimate?.usage !== undefined && estimate.quota) setUsage(`${formatMB(estimate.usage)} used of ${formatMB(estimate.quota)} available to this site`);
      const p = await navigator.storage?.persisted?.();
      if (p !== undefined) setPersisted(p);
    }, version === 0 ? 0 : 1000);
  }, [store, version]);

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      announceRunsChanged();
      setVersion((v) => v + 1);
    }
  };

  return (
    <Panel title="Saved runs" summary={`${runs.length} in this browser`}>
      <p className="explain">Every run is saved here as it trains (metrics, evaluations, a checkpoint at each evaluation and at each pause).</p>
      {problem && (
        <div className="error" role="alert" data-testid="save-problem">
          {problem.message}{' '}
          {problem.quota && (
            <button onClick={() => act(async () => {
              const n = await store.pruneCheckpoints(currentId);
              setError(null);
              if (n === 0) throw new Error('no other run has a checkpoint to delete; delete whole runs instead');
            })}>Delete the checkpoints of other runs</button>
          )}{' '}
          <button onClick={onRetry}>Save again</button>
        </div>
      )}
      <ul className="saved-runs" data-testid="saved-runs">
        {runs.map((r) => r.ok ? (
          <li key={r.meta.id} data-run-id={r.meta.id} className={r.meta.id === currentId ? 'current' : undefined}>
            <input aria-label="Run name" defaultValue={r.meta.name} key={r.meta.name} maxLength={120}
              onBlur={(e) => e.target.value.trim() && e.target.value !== r.meta.name && act(() => store.rename(r.meta.id, e.target.value.trim()))} />
            {r.meta.id === currentId && <span className="badge">this run</span>}
            <div className="run-facts">
              {new Date(r.meta.created).toLocaleString()} · {configSummary(r.meta.config)} · step {r.meta.step}
              {' '}· loss NTP {num(r.meta.summary.ntpLoss)} / NITP {num(r.meta.summary.nitpLoss)}
              {' '}· erank {num(r.meta.summary.erank.ntp, 2)} / {num(r.meta.summary.erank.nitp, 2)}
            </div>
            <div className="controls">
              <button disabled={busy || r.meta.checkpointStep === null} onClick={() => act(() => onResume(r.meta.id))}
                title={r.meta.checkpointStep === null ? 'no checkpoint saved' : `continue from step ${r.meta.checkpointStep}`}>
                Resume{r.meta.checkpointStep !== null ? ` from step ${r.meta.checkpointStep}` : ''}
              </button>
              {r.meta.id !== currentId && (
                <label><input type="checkbox" checked={overlayIds.includes(r.meta.id)}
                  onChange={(e) => act(() => onToggleOverlay(r.meta.id, e.target.checked))} /> overlay on charts</label>
              )}
              <button onClick={() => act(() => store.delete(r.meta.id))}>Delete</button>
            </div>
          </li>
        ) : (
          <li key={r.id} className="unreadable" data-run-id={r.id}>
            <span>Unreadable saved run “{r.id}”: {r.reason}.</span>{' '}
            <button onClick={() => act(() => store.delete(r.id))}>Delete</button>
          </li>
        ))}
      </ul>
      <p className="sub" data-testid="storage-usage">
        {usage ?? 'Storage use: unknown in this browser.'}{' '}
        {persisted === false && (
          <button onClick={() => act(async () => setPersisted(await navigator.storage.persist()))}
            title="Ask the browser not to clear the saved runs when space runs low">Keep saved runs (persistent storage)</button>
        )}
        {persisted && 'Saved runs are kept (persistent storage).'}
      </p>
      {error && <div className="error" role="alert" data-testid="runs-error">{error}</div>}
    </Panel>
  );
});
