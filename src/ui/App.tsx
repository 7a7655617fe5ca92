// App.tsx: the lab page. Training runs in a Web Worker behind useEngine; this component lays out
// the controls, the settings panels and the charts of what comes back.
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { DEFAULT_CONFIG, resolveConfig, type DataConfig, type PartialRunConfig } from '../model/config.ts';
import { decodeExperiment, type SharedExperiment } from '../share/url.ts';
import { RunStore, idbStore } from '../store/runStore.ts';
import { CopyLinkButton, SharedNotice, useExperimentLink, useRunFingerprint } from './Share.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { LossesPanel } from './LossesPanel.tsx';
import { GeometryPanel } from './GeometryPanel.tsx';
import { TokenViews } from './TokenViews.tsx';
import { ConfigPanel } from './controls/ConfigPanel.tsx';
import { DataPanel } from './controls/DataPanel.tsx';
import { FilesPanel } from './controls/FilesPanel.tsx';
import { GenerationPanel } from './controls/GenerationPanel.tsx';
import { RunsPanel } from './controls/RunsPanel.tsx';
import { START_CONFIG, useEngine } from './hooks/useEngine.ts';
import { useOverlays } from './hooks/useOverlays.ts';
import { useRunRecorder } from './hooks/useRunRecorder.ts';
import { useElementWidth } from './useElementWidth.ts';
import { SamplesPanel } from './SamplesPanel.tsx';
import { RunFilesPanel, openDropped } from './controls/RunFilesPanel.tsx';
import type { RunFileContent } from '../share/runFile.ts';
import { GalleryPanel, fetchGalleryIndex, fetchGalleryRun } from './controls/GalleryPanel.tsx';
import { presetOf } from '../model/presets.ts';
import { TeachPanel } from './teach/TeachPanel.tsx';
import { useTour } from './teach/useTour.ts';
import type { LayerId } from '../train/protocol.ts';

/** What a page opened from a link starts with: the link's config; an upload waits for its file. */
function linkStartConfig(shared: SharedExperiment): PartialRunConfig {
  const config = resolveConfig(shared.config);
  return config.data.corpus === 'upload' ? { ...config, data: DEFAULT_CONFIG.data } : config;
}

/** Seconds as "1 h 05 min", "4 min 10 s" or "12 s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

const fixed4 = (x: number | null | undefined) => (x != null ? x.toFixed(4) : '–');

export function App() {
  // read once: later the address bar follows the config in use
  const [shared] = useState(() => decodeExperiment(location.search));
  // a reload restores the config from the address bar too, without greeting it as a shared link
  const [reloaded] = useState(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload');
  const [firstConfig] = useState(() => (shared ? linkStartConfig(shared) : START_CONFIG));
  const [runStore] = useState(() => new RunStore(idbStore()));
  const recording = useRunRecorder(runStore);
  const engine = useEngine(firstConfig, recording);
  const { overlays, ids: overlayIds, toggle: toggleOverlay, setReference } = useOverlays(runStore);
  const [cursorStep, setCursorStep] = useState<number | null>(null);
  const [mainRef, width] = useElementWidth<HTMLElement>(900);
  const [layer, setLayer] = useState<LayerId>('final');
  const present = shared?.present ?? false;
  // the tour is open by default for the teaching preset and in presenter mode
  const [teaching, setTeaching] = useState(() => present || shared?.preset === 'teaching');

  const { info, history, evals, running, tokensPerSecond } = engine;
  const own = useRunFingerprint(info?.config ?? null, history);
  useExperimentLink(info?.config ?? null, own, present, engine.viewing?.galleryId ?? null);
  const last = history.nitp.at(-1);
  const steps = info?.config.train.steps ?? DEFAULT_CONFIG.train.steps;
  const tour = useTour(evals, layer, info, teaching, running, engine.pause, setCursorStep);

  // presenter mode: the arrow keys step the tour (unless a control or chart has the keys)
  useEffect(() => {
    if (!present) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest('input, select, textarea, svg, [role=radiogroup]')) return;
      if (e.key === 'ArrowRight') tour.setStep(tour.step + 1);
      else if (e.key === 'ArrowLeft') tour.setStep(tour.step - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [present, tour]);

  // presenter mode zooms the charts: a narrower coordinate system drawn at full width scales text and lines up
  const zoom = present ? Math.max(1.15, width / 1100) : 1;
  const chartWidth = Math.round(width / zoom);
  const viewing = engine.viewing;
  // the pair on the page, as a run file would hold it
  const content = useMemo<RunFileContent | null>(() => info && {
    info, fingerprint: own, created: new Date().toISOString(), history, evals: engine.recorded.evals, probe: engine.probe,
    samples: engine.samples, checkpoint: engine.recorded.checkpoint,
  }, [info, own, history, engine.recorded, engine.probe, engine.samples]);
  const [dropNote, setDropNote] = useState<{ text: string; error: boolean } | null>(null);
  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    if (running) return setDropNote({ text: 'Pause training before opening a run.', error: true });
    openDropped(e.dataTransfer.items, engine.view).then(
      (text) => setDropNote({ text, error: false }),
      (err: Error) => setDropNote({ text: `${err.message}. Nothing on the page changed.`, error: true }),
    );
  };
  const live = !viewing; // the controls act on the pair in the worker only while it is the one shown

  const openGallery = async (id: string) => {
    const [content, index] = await Promise.all([fetchGalleryRun(id), fetchGalleryIndex().catch(() => [])]);
    engine.view(content, `gallery: ${index.find((e) => e.id === id)?.name ?? id}`, 'gallery', id);
  };
  // A link to a gallery run opens it; without WebGPU a preset link opens that preset's gallery run
  // (view only) instead of leaving the page empty.
  useEffect(() => {
    const id = shared?.run ?? (!engine.webgpu ? shared?.preset : null);
    if (id) openGallery(id).catch((e: Error) => setDropNote({ text: `${e.message}.`, error: true }));
  }, []);
  // A preset link draws that preset's gallery run faintly beneath the live one: the result to expect.
  const livePreset = live && info ? presetOf(info.config)?.id ?? null : null;
  useEffect(() => {
    setReference(null);
    if (!livePreset || livePreset !== shared?.preset || !info) return;
    let current = true;
    fetchGalleryRun(livePreset).then((c) => {
      if (current && JSON.stringify(c.info.config) === JSON.stringify(info.config)) {
        setReference({ id: `gallery-${livePreset}`, name: 'gallery run (trained earlier)', history: c.history, evals: c.evals });
      }
    }, () => undefined); // no gallery run of this preset: nothing to draw
    return () => { current = false; };
  }, [livePreset, info?.config]);
  const defaultPrompt = info ? Array.from(info.evalBatch.tokens.subarray(0, 12), (t) => info.vocab[t]).join('') : '';
  return (
    <div className={present ? 'app present' : 'app'} onDragOver={(e) => { if (e.dataTransfer.types.includes('Files')) e.preventDefault(); }} onDrop={onDrop}>
      <header className="topbar">
        <div className="brand">
          <h1>NITP Lab</h1>
          <p className="sub">Train a small GPT on your GPU with next-token prediction plus Next Implicit Token Prediction.</p>
        </div>
        <div className="controls">
          <button className="primary" onClick={engine.start} disabled={!info || !engine.api || running || !live}>Train</button>
          <button onClick={engine.pause} disabled={!running}>Pause</button>
          <button onClick={engine.stepOnce} disabled={!info || !engine.api || running || !live}>Step</button>
          <button onClick={engine.reset} disabled={!info || !engine.api || running || !live} title="Start both runs again from step 0 with the same settings">Reset</button>
          <button onClick={() => setTeaching((t) => !t)} aria-pressed={teaching} title="A guided tour of representation collapse, bound to this run">Teach</button>
          <progress max={steps} value={last?.step ?? 0} aria-label="training progress" />
          <CopyLinkButton />
        </div>
        <div className="stats" aria-live="off">
          <div><span>step</span><b data-testid="step">{last?.step ?? 0}</b> / {steps}</div>
          <div><span>NTP run: loss</span><b data-testid="ntp-run-loss">{fixed4(history.ntp.at(-1)?.loss)}</b></div>
          <div><span>NITP run: total loss</span><b data-testid="loss">{fixed4(last?.loss)}</b></div>
          <div><span>NITP run: NTP part</span><span data-testid="ntp">{fixed4(last?.ntp)}</span></div>
          <div><span>NITP run: NITP loss</span>{fixed4(last?.aux)}</div>
          <div><span>tokens/s per model</span><b data-testid="tps">{tokensPerSecond ? tokensPerSecond.toFixed(0) : '–'}</b></div>
          <div><span>time left</span><span data-testid="eta">{tokensPerSecond && info ? formatEta(((steps - (last?.step ?? 0)) * info.tokensPerStep) / tokensPerSecond) : '–'}</span></div>
        </div>
      </header>
      {engine.error && <div className="error page-error" role="alert">{engine.error}</div>}
      {viewing && (
        <div className="viewing page-error" role="status" data-testid="viewing">
          Showing <b>{viewing.name}</b> ({viewing.kind}), read-only: nothing here trains.{' '}
          {engine.api && <button onClick={engine.runViewedLive}>Train this config here</button>}{' '}
          {engine.api && <button onClick={engine.unview}>Back to the live run</button>}
        </div>
      )}
      {dropNote && <div className={dropNote.error ? 'error page-error' : 'note page-error'} role={dropNote.error ? 'alert' : 'status'} data-testid="drop-note">{dropNote.text}</div>}
      {/* a presenter opened the link on purpose: only what could not be read is worth the screen */}
      {shared && info && (!reloaded || shared.notices.length > 0) && (!present || shared.notices.length > 0) && (
        <SharedNotice config={resolveConfig(shared.config)} shared={shared}
          own={JSON.stringify(info.config) === JSON.stringify(resolveConfig(shared.config)) ? own : null}
          canRun={!running && (last?.step ?? 0) < steps} onRun={engine.start} />
      )}
      <div className="layout">
        <aside className="sidebar" aria-label="Settings">
          {info && (
            <>
              {live ? (
                <p className="sub" data-testid="engine-info">
                  Two models trained in lock-step on the same batches from the same initial weights: NTP ({info.parameters.ntp.toLocaleString('en-US')} parameters)
                  and NTP + NITP ({info.parameters.nitp.toLocaleString('en-US')}, the NITP head included) · vocabulary {info.vocabSize} · {info.adapter}
                </p>
              ) : (
                <p className="sub" data-testid="view-info">A run trained elsewhere, on {info.adapter}. Its settings are below; applying them trains them here.</p>
              )}
              <ConfigPanel key={JSON.stringify(info.config)} current={info.config} vocabSize={info.vocabSize}
                tokensPerSecond={tokensPerSecond} disabled={running} onApply={engine.applyConfig} onApplyLive={engine.applyEvalSchedule} />
              <DataPanel current={info.config.data as DataConfig} contextLength={info.config.model.contextLength} disabled={running} onApply={engine.applyData} />
            </>
          )}
          {engine.bpeProgress !== null && (
            <p>Training the BPE tokenizer… <progress max={1} value={engine.bpeProgress} aria-label="BPE training progress" /></p>
          )}
          {info && (
            <>
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
              <GenerationPanel engine={live ? engine.api : null} disabled={running} defaultPrompt={defaultPrompt} />
            </>
          )}
          <RunsPanel store={runStore} currentId={recording.currentId} overlayIds={overlayIds}
            problem={recording.problem} busy={!info || running} onResume={async (id) => engine.resume(await runStore.load(id))}
            onToggleOverlay={toggleOverlay} onRetry={() => recording.retry(engine.recorded)} />
          <GalleryPanel onOpen={openGallery} disabled={running} />
          <RunFilesPanel content={content} onOpen={engine.view} disabled={running} />
          {info && (
            <FilesPanel engine={live ? engine.api : null} info={info} history={history} evals={evals} running={running} onImported={engine.onImported} />
          )}
        </aside>
        <main ref={mainRef} className="content">
          {teaching && info && (
            <ErrorBoundary view="guided tour">
              <TeachPanel facts={tour.facts} step={tour.step} onStep={tour.setStep} d={info.config.model.dModel} nLayer={info.config.model.nLayer}
                running={running} trainedTo={last?.step ?? 0} totalSteps={steps} onTrain={engine.start}
                prediction={tour.prediction} onPredict={tour.setPrediction} pausedAt={tour.pausedAt} />
            </ErrorBoundary>
          )}
          {/* the tour and presenter mode put the geometry first: it is what they are about */}
          {(present || teaching) && (
            <ErrorBoundary view="hidden-state geometry">
              <GeometryPanel evals={evals} overlays={overlays} width={chartWidth} cursorStep={cursorStep} onCursor={setCursorStep}
                layer={layer} onLayer={setLayer} annotations={teaching ? tour.annotations : undefined} chartHeight={present ? 240 : 220} />
            </ErrorBoundary>
          )}
          <ErrorBoundary view="losses">
            <LossesPanel info={info} history={history} evals={evals} overlays={overlays} width={chartWidth} cursorStep={cursorStep} onCursor={setCursorStep} />
          </ErrorBoundary>
          {!(present || teaching) && (
            <ErrorBoundary view="hidden-state geometry">
              <GeometryPanel evals={evals} overlays={overlays} width={width} cursorStep={cursorStep} onCursor={setCursorStep}
                layer={layer} onLayer={setLayer} annotations={teaching ? tour.annotations : undefined} />
            </ErrorBoundary>
          )}
          {info && (
            <ErrorBoundary view="text samples">
              <SamplesPanel key={JSON.stringify(info.config)} samples={engine.samples} defaultPrompt={defaultPrompt} totalSteps={steps}
                disabled={running || !live} onOptions={engine.setSampling} />
            </ErrorBoundary>
          )}
          {info && (
            <ErrorBoundary view="token views">
              <TokenViews info={info} evals={evals} probe={engine.probe} probing={engine.probing} width={width} onProbe={engine.runProbe} />
            </ErrorBoundary>
          )}
        </main>
      </div>
    </div>
  );
}
