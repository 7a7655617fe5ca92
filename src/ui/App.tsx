// App.tsx: the lab page. Training runs in a Web Worker behind useEngine; this component lays out
// the controls, the settings panels and the charts of what comes back.
import { useMemo, useState } from 'react';
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
import { useStableCallback } from './hooks/useStableCallback.ts';
import { useRunRecorder } from './hooks/useRunRecorder.ts';
import { useElementWidth } from './useElementWidth.ts';
import { SamplesPanel } from './SamplesPanel.tsx';
import { RunFilesPanel, useDropToOpen } from './controls/RunFilesPanel.tsx';
import type { RunFileContent } from '../share/runFile.ts';
import { GalleryPanel } from './controls/GalleryPanel.tsx';
import { usePresenter } from './hooks/usePresenter.ts';
import { useGalleryLinks } from './hooks/useGalleryLinks.ts';
import { TeachPanel } from './teach/TeachPanel.tsx';
import { useTour } from './teach/useTour.ts';
import { RunStats } from './RunStats.tsx';
import { QueuePanel } from './controls/QueuePanel.tsx';
import { SweepPanel } from './controls/SweepPanel.tsx';
import { useQueue } from './hooks/useQueue.ts';
import { ResearchView, useResearch } from './research/ResearchView.tsx';
import { RecoveryBanner } from './RecoveryBanner.tsx';
import { LargeModelNotice } from './LargeModelNotice.tsx';
import type { LayerId } from '../train/protocol.ts';

/** What a page opened from a link starts with: the link's config; an upload waits for its file. */
function linkStartConfig(shared: SharedExperiment): PartialRunConfig {
  const config = resolveConfig(shared.config);
  return config.data.corpus === 'upload' ? { ...config, data: DEFAULT_CONFIG.data } : config;
}

export function App() {
  // read once: later the address bar follows the config in use
  const [shared] = useState(() => decodeExperiment(location.search));
  // a reload restores the config from the address bar too, without greeting it as a shared link
  const [reloaded] = useState(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload');
  const [firstConfig] = useState(() => (shared ? linkStartConfig(shared) : START_CONFIG));
  const [runStore] = useState(() => new RunStore(idbStore()));
  const recording = useRunRecorder(runStore);
  const engine = useEngine(firstConfig, recording);
  const queue = useQueue(engine, recording.currentId, runStore);
  const research = useResearch(runStore);
  const { overlays, ids: overlayIds, toggle: toggleOverlay, setReference } = useOverlays(runStore, engine.history.nitp.at(-1)?.step ?? 0);
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

  const { chartWidth } = usePresenter(present, width, tour.step, tour.setStep);
  const viewing = engine.viewing;
  // the pair on the page, as a run file would hold it
  const content = useMemo<Omit<RunFileContent, 'created'> | null>(() => info && {
    info, fingerprint: own, history, evals: engine.recorded.evals, probe: engine.probe,
    samples: engine.samples, checkpoint: engine.recorded.checkpoint,
  }, [info, own, history, engine.recorded, engine.probe, engine.samples]);
  const drop = useDropToOpen(engine.view, running);
  const live = !viewing; // the controls act on the pair in the worker only while it is the one shown

  // Each metrics batch re-renders App and gives the engine's commands new closures; the panels
  // below are memoised and get these stable ones, so a batch re-renders only what shows metrics.
  const openGallery = useStableCallback(useGalleryLinks({
    shared, webgpu: engine.webgpu, liveConfig: live && info ? info.config : null, view: engine.view, setReference,
    onError: (text) => drop.setNote({ text, error: true }),
  }));
  const applyData = useStableCallback(engine.applyData);
  const resumeRun = useStableCallback(async (id: string) => engine.resume(await runStore.load(id)));
  const retrySave = useStableCallback(() => recording.retry(engine.recorded));
  const defaultPrompt = info ? Array.from(info.evalBatch.tokens.subarray(0, 12), (t) => info.vocab[t]).join('') : '';
  return (
    <div className={present ? 'app present' : 'app'} onDragOver={drop.onDragOver} onDrop={drop.onDrop}>
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
        <RunStats history={history} steps={steps} tokensPerSecond={tokensPerSecond} tokensPerStep={info?.tokensPerStep ?? null} />
      </header>
      {engine.error && <div className="error page-error" role="alert">{engine.error}</div>}
      {engine.notice && <div className="note page-error" role="status" data-testid="engine-notice">{engine.notice}</div>}
      {engine.largeLink && <LargeModelNotice link={engine.largeLink} onLoad={engine.loadLargeLink} onDismiss={engine.dismissLargeLink} />}
      {engine.recovery && <RecoveryBanner recovery={engine.recovery} checkpointStep={engine.recorded.checkpoint?.step ?? null} onRestore={engine.restoreCheckpoint} disabled={running || !live} />}
      {viewing && (
        <div className="viewing page-error" role="status" data-testid="viewing">
          Showing <b>{viewing.name}</b> ({viewing.kind}), read-only: nothing here trains.{' '}
          {engine.api && engine.webgpu && <button onClick={engine.runViewedLive}>Train this config here</button>}{' '}
          {engine.api && engine.webgpu && <button onClick={engine.unview}>Back to the live run</button>}
        </div>
      )}
      {drop.note && <div className={drop.note.error ? 'error page-error' : 'note page-error'} role={drop.note.error ? 'alert' : 'status'} data-testid="drop-note">{drop.note.text}</div>}
      {/* a presenter opened the link on purpose: only what could not be read is worth the screen */}
      {shared && info && (!reloaded || shared.notices.length > 0) && (!present || shared.notices.length > 0) && (
        <SharedNotice config={resolveConfig(shared.config)} shared={shared}
          own={JSON.stringify(info.config) === JSON.stringify(resolveConfig(shared.config)) ? own : null}
          canRun={!running && live && engine.webgpu && !engine.largeLink && (last?.step ?? 0) < steps} onRun={engine.start} />
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
              <DataPanel current={info.config.data as DataConfig} contextLength={info.config.model.contextLength} disabled={running} onApply={applyData} />
            </>
          )}
          {engine.tuning && (
            <p data-testid="tuning" role="status">Tuning kernels for this GPU… (timing each kernel variant on this model's shapes; once per GPU and model size)</p>
          )}
          {engine.bpeProgress !== null && (
            <p>Training the BPE tokenizer… <progress max={1} value={engine.bpeProgress} aria-label="BPE training progress" />{' '}
              <button onClick={engine.cancel}>Cancel</button></p>
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
            problem={recording.problem} busy={!info || running} onResume={resumeRun}
            onToggleOverlay={toggleOverlay} onRetry={retrySave} />
          <QueuePanel queue={queue} config={info?.config ?? null} canTrain={!!engine.api} onCompare={research.compare} />
          <SweepPanel store={runStore} onOpen={research.openSweep} onCompare={research.compare} />
          <GalleryPanel onOpen={openGallery} disabled={running} />
          <RunFilesPanel content={content} onOpen={engine.view} disabled={running} />
          {info && (
            <FilesPanel engine={live ? engine.api : null} info={info} history={history} evals={evals} running={running} onImported={engine.onImported} />
          )}
        </aside>
        <main ref={mainRef} className="content">
          <ErrorBoundary view="sweeps and comparisons">
            <ResearchView research={research} width={width} cursorStep={cursorStep} onCursor={setCursorStep} onOverlay={(ids) => ids.forEach((id) => toggleOverlay(id, true))} />
          </ErrorBoundary>
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
