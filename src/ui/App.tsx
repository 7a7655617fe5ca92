// App.tsx: the lab page. Training runs in a Web Worker (train/worker.ts) behind comlink; this
// component only sends commands and plots the metrics that come back.
import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import * as Comlink from 'comlink';
import type { EngineInfo, EvalRecord, MetricsBatch, Pair, ProbeRecord, RunName, StepMetrics, TrainerApi } from '../train/protocol.ts';
import { DEFAULT_CONFIG, resolveConfig, type DataConfig, type PartialRunConfig } from '../model/config.ts';
import { decodeExperiment, type SharedExperiment } from '../share/url.ts';
import { CopyLinkButton, SharedNotice, useExperimentLink, useRunFingerprint } from './Share.tsx';
import { MetricChart } from './charts/MetricChart.tsx';
import { Exportable } from './Exportable.tsx';
import { GeometryPanel } from './GeometryPanel.tsx';
import { TokenViews } from './TokenViews.tsx';
import { GenerationPanel } from './controls/GenerationPanel.tsx';
import { FilesPanel } from './controls/FilesPanel.tsx';
import { RunsPanel } from './controls/RunsPanel.tsx';
import { RunStore, announceRunsChanged, idbStore, type SavedRunMeta } from '../store/runStore.ts';
import { RunRecorder, type RecordedState, type RecorderProblem } from '../store/recorder.ts';
import { AUX_COLOR, OVERLAY_COLORS, RUN_COLORS, TOTAL_COLOR } from './colors.ts';
import { useElementWidth } from './useElementWidth.ts';
import { DataPanel, type DataChoice } from './controls/DataPanel.tsx';
import { ConfigPanel } from './controls/ConfigPanel.tsx';
import { PRESETS, presetOf } from '../model/presets.ts';

/** Saving the run in progress at most this often keeps its cost off the page's frames. */
const SAVE_INTERVAL_MS = 2000;

/** A plain visit starts with the tiny preset: it trains visibly within seconds even on a software GPU. */
const START_CONFIG = PRESETS[0].config;

/** What a page opened from a link starts with: the link's config; an upload waits for its file. */
function linkStartConfig(shared: SharedExperiment): PartialRunConfig {
  const config = resolveConfig(shared.config);
  return config.data.corpus === 'upload' ? { ...config, data: DEFAULT_CONFIG.data } : config;
}

const emptyPair = <T,>(): Pair<T[]> => ({ ntp: [], nitp: [] });

/** Seconds as "1 h 05 min", "4 min 10 s" or "12 s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

export function App() {
  // read once: later the address bar follows the config in use
  const [shared] = useState(() => decodeExperiment(location.search));
  // a reload restores the config from the address bar too, without greeting it as a shared link
  const [reloaded] = useState(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload');
  const [firstConfig] = useState(() => (shared ? linkStartConfig(shared) : START_CONFIG));
  const engine = useRef<Comlink.Remote<TrainerApi> | null>(null);
  const [info, setInfo] = useState<EngineInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<Pair<StepMetrics[]>>(emptyPair);
  // what the charts show and the recorder saves; the states below mirror it for rendering
  const data = useRef<RecordedState>({ history: emptyPair(), evals: emptyPair(), checkpoint: null });
  const [runStore] = useState(() => new RunStore(idbStore()));
  const recorder = useRef<RunRecorder | null>(null);
  const persistAsked = useRef(false);
  const [currentRunId, setCurrentRunId] = useState<string | null>(null);
  const [saveProblem, setSaveProblem] = useState<RecorderProblem | null>(null);
  const [overlays, setOverlays] = useState<{ id: string; name: string; history: Pair<StepMetrics[]>; evals: Pair<EvalRecord[]> }[]>([]);
  const [evals, setEvals] = useState<Pair<EvalRecord[]>>(emptyPair);
  const [tokensPerSecond, setTokensPerSecond] = useState(0);
  const [config, setConfig] = useState<PartialRunConfig>(firstConfig);
  const [uploadText, setUploadText] = useState<string | undefined>(undefined);
  const [bpeProgress, setBpeProgress] = useState<number | null>(null);
  const [cursorStep, setCursorStep] = useState<number | null>(null);
  const [smoothing, setSmoothing] = useState(0.6);
  const [logY, setLogY] = useState(false);
  const [probe, setProbe] = useState<Pair<ProbeRecord[]> | null>(null);
  const [probing, setProbing] = useState(false);
  const [mainRef, width] = useElementWidth<HTMLElement>(900);

  useEffect(() => {
    if (!('gpu' in navigator)) {
      setError('This browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge; on Linux start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan.');
      return;
    }
    const worker = new Worker(new URL('../train/worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<TrainerApi>(worker);
    engine.current = api;
    const ready = (engineInfo: EngineInfo) => {
      setInfo(engineInfo);
      startRecording(engineInfo);
    };
    api.init(firstConfig).then(ready, async (e: Error) => {
      if (firstConfig === START_CONFIG) return setError(e.message);
      setError(`The linked experiment could not start: ${e.message}. The default experiment is loaded instead.`);
      setConfig(START_CONFIG);
      api.init(START_CONFIG).then(ready, (e2: Error) => setError(e2.message));
    });
    return () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    };
  }, []);

  /** Rebuilds both runs from step 0; on failure the runs in use stay (the worker keeps them). */
  const restart = async (next: PartialRunConfig, text: string | undefined) => {
    if (!engine.current) return;
    try {
      const engineInfo = await engine.current.init(
        next, { uploadText: text },
        Comlink.proxy((done: number, total: number) => setBpeProgress(done < total ? done / total : null)),
      );
      setConfig(next);
      setUploadText(text);
      setInfo(engineInfo);
      startRecording(engineInfo);
      publish({ history: emptyPair(), evals: emptyPair(), checkpoint: null });
      setProbe(null);
      setTokensPerSecond(0);
    } finally {
      setBpeProgress(null);
    }
  };

  const applyData = (choice: DataChoice) => restart({ ...config, data: choice.data }, choice.uploadText);
  // the panel's config carries the data in use (its draft starts from the resolved config)
  const applyConfig = (next: PartialRunConfig) => restart(next, uploadText);

  const runProbe = useCallback(async () => {
    if (!engine.current) return;
    setProbing(true);
    try {
      setProbe(await engine.current.probe());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProbing(false);
    }
  }, []);

  /** Shows `next` and hands it to the recorder, which saves it in the background. */
  const publish = (next: RecordedState, evalsChanged = true) => {
    data.current = next;
    setHistory(next.history);
    // A transition: React renders the geometry views in interruptible slices, so an evaluation's
    // heatmaps and scatter plots do not block input for their whole render.
    if (evalsChanged) startTransition(() => setEvals(next.evals));
    if (next.history.nitp.length > 0) recorder.current?.update(next);
  };

  /** A new pair is being trained: it is saved under a new id once it has steps. */
  const startRecording = (engineInfo: EngineInfo, resumed?: SavedRunMeta) => {
    const config = engineInfo.config;
    const base = resumed
      ? { id: resumed.id, name: resumed.name, created: resumed.created, config, adapter: engineInfo.adapter }
      : { id: crypto.randomUUID(), name: `${presetOf(config) ?? 'Experiment'}, ${new Date().toLocaleString()}`, created: Date.now(), config, adapter: engineInfo.adapter };
    const rec = new RunRecorder(runStore, base, setSaveProblem, resumed, SAVE_INTERVAL_MS);
    rec.onSaved = () => {
      announceRunsChanged();
      // once a run is stored, ask the browser to keep the lab's storage when space runs low
      if (!persistAsked.current) {
        persistAsked.current = true;
        navigator.storage?.persist?.().catch(() => undefined);
      }
    };
    recorder.current = rec;
    setCurrentRunId(base.id);
    setSaveProblem(null);
  };

  const onMetrics = (batch: MetricsBatch) => {
    const old = data.current;
    const e = batch.eval;
    setTokensPerSecond(batch.tokensPerSecond);
    publish({
      history: { ntp: [...old.history.ntp, ...batch.steps.ntp], nitp: [...old.history.nitp, ...batch.steps.nitp] },
      evals: e ? { ntp: [...old.evals.ntp, e.ntp], nitp: [...old.evals.nitp, e.nitp] } : old.evals,
      checkpoint: batch.checkpoint ?? old.checkpoint,
    }, e !== undefined);
  };

  /** A run that loaded a checkpoint continues from its step: what it logged after that step goes. */
  const onImported = (run: RunName, step: number) => {
    const old = data.current;
    publish({
      history: { ...old.history, [run]: old.history[run].filter((m) => m.step <= step) },
      evals: { ...old.evals, [run]: old.evals[run].filter((r) => r.step <= step) },
      checkpoint: null, // the pair's saved checkpoint no longer matches
    });
    setProbe(null);
  };

  /** After a pause: a checkpoint of both runs at this step, so a resume loses nothing. */
  const checkpointNow = async () => {
    const api = engine.current;
    const step = data.current.history.nitp.at(-1)?.step ?? 0;
    if (!api || step === 0 || data.current.checkpoint?.step === step) return;
    const checkpoint = { step, ntp: await api.exportCheckpoint('ntp'), nitp: await api.exportCheckpoint('nitp') };
    publish({ ...data.current, checkpoint }, false);
  };

  /** Continues a saved run from its checkpoint: both runs load it, the charts show what was saved up to it. */
  const resume = async (id: string) => {
    const run = await runStore.load(id);
    if (!run.checkpoint) throw new Error(`"${run.meta.name}" has no saved checkpoint to continue from`);
    if (run.meta.config.data.corpus === 'upload') {
      throw new Error(`"${run.meta.name}" trained on the uploaded file "${run.meta.config.data.upload?.name}"; the lab does not keep uploads, so choose that file in the Data panel and train it again`);
    }
    const api = engine.current!;
    const engineInfo = await api.init(run.meta.config);
    // the page shows the new pair at once, so that if loading a checkpoint fails it is what the worker has
    setConfig(run.meta.config);
    setUploadText(undefined);
    setInfo(engineInfo);
    setProbe(null);
    setTokensPerSecond(0);
    startRecording(engineInfo);
    publish({ history: emptyPair(), evals: emptyPair(), checkpoint: null });
    const { step } = run.checkpoint;
    await api.importCheckpoint('ntp', run.checkpoint.ntp);
    await api.importCheckpoint('nitp', run.checkpoint.nitp);
    startRecording(engineInfo, run.meta);
    const upTo = <T extends { step: number }>(xs: T[]) => xs.filter((x) => x.step <= step);
    publish({
      history: { ntp: upTo(run.history.ntp), nitp: upTo(run.history.nitp) },
      evals: { ntp: upTo(run.evals.ntp), nitp: upTo(run.evals.nitp) },
      checkpoint: run.checkpoint,
    });
  };

  const toggleOverlay = async (id: string, on: boolean) => {
    if (!on) return setOverlays((o) => o.filter((x) => x.id !== id));
    const run = await runStore.load(id);
    setOverlays((o) => [...o.filter((x) => x.id !== id), { id, name: run.meta.name, history: run.history, evals: run.evals }]);
  };

  const start = async () => {
    if (!engine.current) return;
    setRunning(true);
    try {
      await engine.current.start(Comlink.proxy(onMetrics), 10);
      await checkpointNow();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  // memoised: the geometry views re-render only when evaluations or overlays change
  const geometryOverlays = useMemo(() => overlays.map((o, i) => ({ name: o.name, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length], evals: o.evals })), [overlays]);
  const own = useRunFingerprint(info?.config ?? null, history);
  useExperimentLink(info?.config ?? null, own);
  const last = history.nitp[history.nitp.length - 1];
  const lastNtp = history.ntp[history.ntp.length - 1];
  const steps = info?.config.train.steps ?? DEFAULT_CONFIG.train.steps;
  const lambda = info?.config.nitp.lambda ?? DEFAULT_CONFIG.nitp.lambda;
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>NITP Lab</h1>
          <p className="sub">Train a small GPT on your GPU with next-token prediction plus Next Implicit Token Prediction.</p>
        </div>
        <div className="controls">
          <button className="primary" onClick={start} disabled={!info || running}>Train</button>
          <button onClick={() => engine.current?.pause()} disabled={!running}>Pause</button>
          <button onClick={async () => { if (engine.current) onMetrics({ steps: await engine.current.step(1), tokensPerSecond }); }} disabled={!info || running}>Step</button>
          <button onClick={() => restart(config, uploadText)} disabled={!info || running} title="Start both runs again from step 0 with the same settings">Reset</button>
          <progress max={steps} value={last?.step ?? 0} aria-label="training progress" />
          <CopyLinkButton />
        </div>
        <div className="stats" aria-live="off">
          <div><span>step</span><b data-testid="step">{last?.step ?? 0}</b> / {steps}</div>
          <div><span>NTP run: loss</span><b data-testid="ntp-run-loss">{lastNtp ? lastNtp.loss.toFixed(4) : '–'}</b></div>
          <div><span>NITP run: total loss</span><b data-testid="loss">{last ? last.loss.toFixed(4) : '–'}</b></div>
          <div><span>NITP run: NTP part</span><span data-testid="ntp">{last ? last.ntp.toFixed(4) : '–'}</span></div>
          <div><span>NITP run: NITP loss</span>{last?.aux != null ? last.aux.toFixed(4) : '–'}</div>
          <div><span>tokens/s per model</span><b data-testid="tps">{tokensPerSecond ? tokensPerSecond.toFixed(0) : '–'}</b></div>
          <div><span>time left</span><span data-testid="eta">{tokensPerSecond && info ? formatEta(((steps - (last?.step ?? 0)) * info.tokensPerStep) / tokensPerSecond) : '–'}</span></div>
        </div>
      </header>
      {error && <div className="error page-error" role="alert">{error}</div>}
      {shared && info && (!reloaded || shared.notices.length > 0) && (
        <SharedNotice config={resolveConfig(shared.config)} shared={shared}
          own={JSON.stringify(info.config) === JSON.stringify(resolveConfig(shared.config)) ? own : null}
          canRun={!running && (last?.step ?? 0) < steps} onRun={start} />
      )}
      <div className="layout">
        <aside className="sidebar" aria-label="Settings">
          {info && (
            <p className="sub" data-testid="engine-info">
              Two models trained in lock-step on the same batches from the same initial weights: NTP ({info.parameters.ntp.toLocaleString('en-US')} parameters)
              and NTP + NITP ({info.parameters.nitp.toLocaleString('en-US')}, the NITP head included) · vocabulary {info.vocabSize} · {info.adapter}
            </p>
          )}
          {info && (
            <ConfigPanel key={JSON.stringify(info.config)} current={info.config} vocabSize={info.vocabSize}
              tokensPerSecond={tokensPerSecond} disabled={running} onApply={applyConfig} />
          )}
          {info && (
            <DataPanel current={info.config.data as DataConfig} contextLength={info.config.model.contextLength} disabled={running} onApply={applyData} />
          )}
          {bpeProgress !== null && (
            <p>Training the BPE tokenizer… <progress max={1} value={bpeProgress} aria-label="BPE training progress" /></p>
          )}
          {info && (
            <div className="data-info">
              <p data-testid="data-summary">{info.dataSummary}</p>
              {info.tokenizerNote && <p className="note" data-testid="tokenizer-note">{info.tokenizerNote}</p>}
              {!info.tagged && (
                <p className="note" data-testid="no-tags">
                  This data has no part-of-speech tags, so views that colour tokens by tag are not available (nothing is invented).
                </p>
              )}
              {info.lossFloor !== null && (
                <p data-testid="loss-floor">Ideal loss for this task: {info.lossFloor.toFixed(3)} nats/token (the dashed line on the loss chart).</p>
              )}
            </div>
          )}
          {info && (
            <GenerationPanel engine={engine.current} disabled={running}
              defaultPrompt={Array.from(info.evalBatch.tokens.subarray(0, 12), (t) => info.vocab[t]).join('')} />
          )}
          <RunsPanel store={runStore} currentId={currentRunId} overlayIds={overlays.map((o) => o.id)}
            problem={saveProblem} busy={!info || running} onResume={resume} onToggleOverlay={toggleOverlay}
            onRetry={() => { setSaveProblem(null); recorder.current?.retry(data.current); }} />
          {info && (
            <FilesPanel engine={engine.current} info={info} history={history} evals={evals} running={running} onImported={onImported} />
          )}
        </aside>
        <main ref={mainRef} className="content">
          <section aria-label="Losses">
            <h2 className="section-title">Losses</h2>
            <div className="controls">
              <label>Smoothing <input type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} /></label>
              <label><input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log scale</label>
            </div>
            <p className="explain">
              Cross-entropy of next-token prediction (nats/token) for both models on their training batches (solid) and on the
              fixed held-out batch (dashed), and the NITP loss of the NITP model (1 − cosine between its prediction of the next
              position's layer-k state and that state). The two NTP curves should stay close: NITP is meant to change geometry,
              not the loss.
            </p>
            <Exportable name="losses">
              <MetricChart
                width={width}
                yLabel="loss (nats)"
                smoothing={smoothing}
                logY={logY}
                cursorStep={cursorStep}
                onCursor={setCursorStep}
                references={info?.lossFloor != null ? [{ value: info.lossFloor, label: `ideal loss ${info.lossFloor.toFixed(3)}` }] : []}
                series={[
                  { name: 'NTP run: train NTP', color: RUN_COLORS.ntp, points: history.ntp.map((m) => ({ step: m.step, value: m.ntp })) },
                  { name: 'NITP run: train NTP', color: RUN_COLORS.nitp, points: history.nitp.map((m) => ({ step: m.step, value: m.ntp })) },
                  { name: 'NTP run: validation NTP', color: RUN_COLORS.ntp, points: evals.ntp.map((e) => ({ step: e.step, value: e.valNtp })), dashed: true },
                  { name: 'NITP run: validation NTP', color: RUN_COLORS.nitp, points: evals.nitp.map((e) => ({ step: e.step, value: e.valNtp })), dashed: true },
                  { name: 'NITP run: NITP loss', color: AUX_COLOR, points: history.nitp.flatMap((m) => (m.aux === null ? [] : [{ step: m.step, value: m.aux }])) },
                  // with λ = 1 the weighted NITP loss is the raw one: drawn once
                  ...(lambda !== 1 ? [{ name: `NITP run: λ·NITP loss (λ = ${lambda})`, color: AUX_COLOR, dashed: true,
                    points: history.nitp.flatMap((m) => (m.aux === null ? [] : [{ step: m.step, value: lambda * m.aux }])) }] : []),
                  { name: 'NITP run: total loss', color: TOTAL_COLOR, points: history.nitp.map((m) => ({ step: m.step, value: m.loss })) },
                  ...overlays.flatMap((o, i) => [
                    { name: `${o.name}: NTP run train NTP`, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length], dashed: true, points: o.history.ntp.map((m) => ({ step: m.step, value: m.ntp })) },
                    { name: `${o.name}: NITP run train NTP`, color: OVERLAY_COLORS[i % OVERLAY_COLORS.length], points: o.history.nitp.map((m) => ({ step: m.step, value: m.ntp })) },
                  ]),
                ]}
              />
            </Exportable>
          </section>
          <GeometryPanel evals={evals} overlays={geometryOverlays} width={width} cursorStep={cursorStep} onCursor={setCursorStep} />
          {info && (
            <TokenViews info={info} evals={evals} probe={probe} probing={probing} width={width} onProbe={runProbe} />
          )}
        </main>
      </div>
    </div>
  );
}
