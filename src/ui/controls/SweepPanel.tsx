// SweepPanel.tsx: "Open a sweep folder" (a folder `npm run sweep` wrote, or just its summary.json)
// and the comparison of saved runs: tick runs, then "Compare selected" (research/ResearchView.tsx
// shows both). Only config.json, metrics.jsonl, sweep.json and summary.json are read.
import { memo, useEffect, useState } from 'react';
import { Panel } from './Panel.tsx';
import { MAX_METRICS_BYTES, type FolderFile } from '../../share/cliRun.ts';
import { SWEEP_FILES, readSweepFolder, type GroupedRuns } from '../../share/runGroups.ts';
import { RUNS_CHANNEL, type RunStore, type SavedRunMeta } from '../../store/runStore.ts';
import '../research/research.css';

interface Props {
  store: RunStore;
  onOpen: (grouped: GroupedRuns) => void;
  onCompare: (ids: string[]) => Promise<void>;
}

async function sweepFiles(list: (File & { webkitRelativePath?: string })[]): Promise<FolderFile[]> {
  const out: FolderFile[] = [];
  for (const f of list) {
    const path = f.webkitRelativePath || f.name;
    if (!SWEEP_FILES.includes(path.split('/').pop()!)) continue;
    if (f.size > MAX_METRICS_BYTES) throw new Error(`${path} is ${(f.size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_METRICS_BYTES / 2 ** 20} MiB the lab reads`);
    // relative to the chosen folder (its own name is the first part)
    out.push({ path: path.split('/').slice(1).join('/') || f.name, text: await f.text() });
  }
  return out;
}

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const SweepPanel = memo(function SweepPanel({ store, onOpen, onCompare }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [runs, setRuns] = useState<SavedRunMeta[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const channel = new BroadcastChannel(RUNS_CHANNEL);
    channel.onmessage = () => setVersion((v) => v + 1);
    return () => channel.close();
  }, []);
  useEffect(() => {
    store.list().then((list) => setRuns(list.flatMap((r) => (r.ok ? [r.meta] : []))), () => setRuns([]));
  }, [store, version]);

  const open = async (list: (File & { webkitRelativePath?: string })[]) => {
    setError(null);
    setStatus(null);
    const name = list[0]?.webkitRelativePath?.split('/')[0] || list[0]?.name || 'the folder';
    try {
      const grouped = readSweepFolder(await sweepFiles(list), name);
      onOpen(grouped);
      setStatus(`Opened ${name}: ${grouped.groups.reduce((n, g) => n + g.runs.length, 0)} runs in ${grouped.summary.rows.length} groups.`);
    } catch (e) {
      setError(`${(e as Error).message}. Nothing on the page changed.`);
    }
  };
  const shown = selected.filter((id) => runs.some((r) => r.id === id));
  return (
    <Panel title="Sweeps and comparisons" defaultOpen={false}>
      <p className="explain">
        A folder written by <code>npm run sweep</code> opens with each variant as a mean line and a band over its seeds, and the
        summary table. Saved runs can be compared: a table of only the settings that differ, their final metrics, an overlay,
        and mean ± spread grouped by a field.
      </p>
      <div className="fields">
        <label>
          Open a sweep folder
          <input type="file" {...{ webkitdirectory: '', directory: '' }}
            onChange={(e) => { const list = Array.from(e.target.files ?? []); e.target.value = ''; if (list.length) open(list); }} />
        </label>
        <label>
          Open a summary.json
          <input type="file" accept=".json,application/json"
            onChange={(e) => { const list = Array.from(e.target.files ?? []); e.target.value = ''; if (list.length) open(list); }} />
        </label>
      </div>
      {status && <p role="status" data-testid="sweep-status">{status}</p>}
      {error && <div className="error" role="alert" data-testid="sweep-error">{error}</div>}
      <h3 className="section-title">Compare saved runs</h3>
      {runs.length === 0 ? <p className="sub">No saved runs yet.</p> : (
        <ul className="compare-list" data-testid="compare-list">
          {runs.map((r) => (
            <li key={r.id}>
              <label><input type="checkbox" checked={shown.includes(r.id)} aria-label={`Compare ${r.name}`}
                onChange={(e) => setSelected((s) => (e.target.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))} /> {r.name} <span className="sub">step {r.step}</span></label>
            </li>
          ))}
        </ul>
      )}
      <div className="controls">
        <button disabled={shown.length < 2} onClick={() => onCompare(shown)}>Compare selected ({shown.length})</button>
      </div>
    </Panel>
  );
});
