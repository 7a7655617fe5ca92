// ResearchView.tsx: the page's view of several runs at once, above the live charts: a sweep folder
// (its variants with bands and the summary table) or saved runs compared side by side (a table of
// only the config fields that differ, their final metrics, an overlay of the selection, and the
// selection grouped by a field with mean ± spread). useResearch holds which one is open.
import { useCallback, useMemo, useState } from 'react';
import type { LoadedRun, RunStore } from '../../store/runStore.ts';
import { diffOnly, groupSavedRuns, type GroupedRuns } from '../../share/runGroups.ts';
import { SweepView } from './SweepView.tsx';
import './research.css';

export type ResearchContent = { kind: 'sweep'; grouped: GroupedRuns } | { kind: 'compare'; runs: LoadedRun[] };

export function useResearch(store: RunStore) {
  const [content, setContent] = useState<ResearchContent | null>(null);
  const [error, setError] = useState<string | null>(null);
  // the commands keep their identity: the sweep and queue panels they are handed to are memoised
  const openSweep = useCallback((grouped: GroupedRuns) => {
    setError(null);
    setContent({ kind: 'sweep', grouped });
  }, []);
  /** loads the saved runs and compares them */
  const compare = useCallback(async (ids: string[]) => {
    setError(null);
    try {
      setContent({ kind: 'compare', runs: await Promise.all(ids.map((id) => store.load(id))) });
    } catch (e) {
      setError(`The runs could not be compared: ${(e as Error).message}`);
    }
  }, [store]);
  const close = useCallback(() => setContent(null), []);
  return useMemo(() => ({ content, error, openSweep, compare, close }), [content, error, openSweep, compare, close]);
}

interface Props {
  research: ReturnType<typeof useResearch>;
  width: number;
  cursorStep: number | null;
  onCursor: (step: number | null) => void;
  /** draws these saved runs over the live charts */
  onOverlay: (ids: string[]) => void;
}

export function ResearchView({ research, width, cursorStep, onCursor, onOverlay }: Props) {
  const { content, error } = research;
  if (!content) return error ? <div className="error" role="alert" data-testid="research-error">{error}</div> : null;
  const title = content.kind === 'sweep' ? `Sweep: ${content.grouped.name}` : `Comparing ${content.runs.length} saved runs`;
  return (
    <section className="research" aria-label={title} data-testid="research-view">
      <div className="head">
        <h2>{title}</h2>
        <button className="close" onClick={research.close}>Close</button>
      </div>
      {content.kind === 'sweep'
        ? <SweepView grouped={content.grouped} width={width - 30} cursorStep={cursorStep} onCursor={onCursor} />
        : <CompareView key={content.runs.map((r) => r.meta.id).join()} runs={content.runs} width={width - 30} cursorStep={cursorStep} onCursor={onCursor} onOverlay={onOverlay} />}
    </section>
  );
}

const show = (v: unknown) => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));
const num = (x: number | null, digits: number) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));

function CompareView({ runs, width, cursorStep, onCursor, onOverlay }: { runs: LoadedRun[]; width: number; cursorStep: number | null; onCursor: (s: number | null) => void; onOverlay: (ids: string[]) => void }) {
  const table = diffOnly(runs.map((r) => r.meta));
  const groupable = ['nitp.lambda', ...table.fields.filter((f) => f !== 'nitp.lambda' && f !== 'train.seed')];
  const [groupBy, setGroupBy] = useState<string>('nitp.lambda');
  const grouped = groupBy ? groupSavedRuns(runs, groupBy) : null;
  return (
    <div data-testid="compare-view">
      <p className="explain">
        {table.fields.length === 0 ? 'These runs have the same config.' : `Only the config fields that differ between them (${table.fields.length} of them); every other field is the same.`}{' '}
        Final metrics are each run's last saved evaluation (NTP model / NITP model).
      </p>
      <div className="table-scroll">
        <table className="results" data-testid="diff-table">
          <thead>
            <tr>
              <th>run</th>
              {table.fields.map((f) => <th key={f} data-field={f}>{f}</th>)}
              <th>step</th>
              <th>held-out NTP loss</th>
              <th>effective rank (h)</th>
              <th>anisotropy (h)</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map(({ meta, values }) => (
              <tr key={meta.id}>
                <td>{meta.name}</td>
                {values.map((v, i) => <td key={table.fields[i]} className="field">{show(v)}</td>)}
                <td>{meta.step}</td>
                <td>{num(meta.summary.valNtp.ntp, 4)} / {num(meta.summary.valNtp.nitp, 4)}</td>
                <td>{num(meta.summary.erank.ntp, 2)} / {num(meta.summary.erank.nitp, 2)}</td>
                <td>{num(meta.summary.anisotropy.ntp, 3)} / {num(meta.summary.anisotropy.nitp, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="controls">
        <button onClick={() => onOverlay(runs.map((r) => r.meta.id))}>Overlay these on the charts</button>
        <label>Group by <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)} aria-label="Group by">
          <option value="">(no grouping)</option>
          {groupable.map((f) => <option key={f} value={f}>{f}</option>)}
        </select></label>
      </div>
      {grouped && <SweepView grouped={grouped} width={width} cursorStep={cursorStep} onCursor={onCursor} />}
    </div>
  );
}
