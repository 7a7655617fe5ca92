// FilesPanel.tsx: results out of the lab and checkpoints in: the metric history as CSV or JSON,
// either run's checkpoint as .safetensors (docs/method.md §6, loadable into a nanoGPT-style model), and
// a checkpoint loaded into a run to continue training or to generate text.
import { useState } from 'react';
import type * as Comlink from 'comlink';
import { transfer } from 'comlink';
import { checkCheckpointSize } from '../../model/checkpoint.ts';
import { Panel } from './Panel.tsx';
import type { PairInfo, EvalRecord, Pair, RunName, StepMetrics, TrainerApi } from '../../train/protocol.ts';
import { metricsCsv, metricsJson } from '../../share/exportMetrics.ts';
import { downloadBlob } from '../chartExport.ts';

interface Props {
  engine: Comlink.Remote<TrainerApi> | null;
  info: PairInfo;
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
  /** training is running: checkpoints wait for a pause */
  running: boolean;
  /** a checkpoint of `step` was loaded into `run` */
  onImported: (run: RunName, step: number) => void;
}

const RUN_LABELS: Pair<string> = { ntp: 'NTP', nitp: 'NTP + NITP' };

export function FilesPanel({ engine, info, history, evals, running, onImported }: Props) {
  const [run, setRun] = useState<RunName>('nitp');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      setStatus(await what());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const saveCheckpoint = () => act(async () => {
    const bytes = await engine!.exportCheckpoint(run);
    const step = history[run].at(-1)?.step ?? 0;
    downloadBlob(`nitp-lab-${run}-step${step}.safetensors`, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    return `Saved the ${RUN_LABELS[run]} run's checkpoint (${(bytes.length / 1024).toFixed(0)} KiB).`;
  });

  const loadCheckpoint = (file: File) => act(async () => {
    let step: number;
    try {
      checkCheckpointSize(file.size, info.parameters[run], file.name); // before reading a byte of it
      const bytes = new Uint8Array(await file.arrayBuffer());
      step = await engine!.importCheckpoint(run, transfer(bytes, [bytes.buffer])); // moved, not copied
    } catch (e) {
      throw new Error(`${file.name} was not loaded: ${(e as Error).message}. The ${RUN_LABELS[run]} run did not change.`);
    }
    onImported(run, step);
    return `Loaded ${file.name} into the ${RUN_LABELS[run]} run: it continues from step ${step}.`;
  });

  const download = (name: string, text: string, type: string) => downloadBlob(name, new Blob([text], { type }));
  return (
    <Panel title="Export and import" defaultOpen={false}>
      <p className="explain">Metrics of both runs (every step, and the evaluations):</p>
      <div className="controls">
        <button onClick={() => download('nitp-lab-metrics.csv', metricsCsv(history, evals), 'text/csv')}>Metrics CSV</button>
        <button onClick={() => download('nitp-lab-metrics.json', metricsJson(info.config, info.adapter, history, evals), 'application/json')}>Metrics JSON</button>
      </div>
      <p className="explain">
        Checkpoints hold the weights under nanoGPT names, the AdamW moments, the step, the config and the tokenizer (.safetensors).
        Loading one into a run lets it continue training, or generate text, from there.
      </p>
      <div className="fields">
        <label>
          Run
          <select value={run} onChange={(e) => setRun(e.target.value as RunName)} aria-label="Checkpoint of run">
            <option value="ntp">NTP</option>
            <option value="nitp">NTP + NITP</option>
          </select>
        </label>
        <label>
          Load a checkpoint
          <input type="file" accept=".safetensors" disabled={running || busy || !engine}
            onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) loadCheckpoint(f); }} />
        </label>
      </div>
      <button onClick={saveCheckpoint} disabled={running || busy || !engine}>Download checkpoint</button>
      {running && <span className="note"> (pause training first)</span>}
      {status && <p role="status" data-testid="files-status">{status}</p>}
      {error && <div className="error" role="alert" data-testid="files-error">{error}</div>}
    </Panel>
  );
}
