// App.tsx: the lab page. Training runs in a Web Worker (train/worker.ts) behind comlink; this
// component only sends commands and plots the metrics that come back.
import { useEffect, useRef, useState } from 'react';
import * as Comlink from 'comlink';
import type { EngineInfo, MetricsBatch, StepMetrics, TrainerApi } from '../train/protocol.ts';
import { DEFAULT_CONFIG, type DataConfig, type PartialRunConfig } from '../model/config.ts';
import { LossChart } from './charts/LossChart.tsx';
import { DataPanel, type DataChoice } from './controls/DataPanel.tsx';

/** The tiny preset the page starts with: trains visibly within seconds even on a software GPU. */
export const TINY_PRESET: PartialRunConfig = {
  model: { contextLength: 32, nLayer: 2, dModel: 32, nHead: 2 },
  train: { steps: 500, batchSize: 8, lr: 3e-3, warmupSteps: 20 },
};

interface EvalPoint { step: number; valNtp: number }

export function App() {
  const engine = useRef<Comlink.Remote<TrainerApi> | null>(null);
  const [info, setInfo] = useState<EngineInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<StepMetrics[]>([]);
  const [evals, setEvals] = useState<EvalPoint[]>([]);
  const [tokensPerSecond, setTokensPerSecond] = useState(0);
  const [config, setConfig] = useState<PartialRunConfig>(TINY_PRESET);
  const [bpeProgress, setBpeProgress] = useState<number | null>(null);

  useEffect(() => {
    if (!('gpu' in navigator)) {
      setError('This browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge; on Linux start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan.');
      return;
    }
    const worker = new Worker(new URL('../train/worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<TrainerApi>(worker);
    engine.current = api;
    api.init(TINY_PRESET).then(setInfo, (e: Error) => setError(e.message));
    return () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    };
  }, []);

  /** Rebuilds the engine on new data; on failure the data in use stays (the worker keeps its trainer). */
  const applyData = async (choice: DataChoice) => {
    if (!engine.current) return;
    const next: PartialRunConfig = { ...config, data: choice.data };
    try {
      const engineInfo = await engine.current.init(
        next, { uploadText: choice.uploadText },
        Comlink.proxy((done: number, total: number) => setBpeProgress(done < total ? done / total : null)),
      );
      setConfig(next);
      setInfo(engineInfo);
      setHistory([]);
      setEvals([]);
      setTokensPerSecond(0);
    } finally {
      setBpeProgress(null);
    }
  };

  const onMetrics = (batch: MetricsBatch) => {
    setHistory((h) => [...h, ...batch.steps]);
    setTokensPerSecond(batch.tokensPerSecond);
    if (batch.eval) setEvals((e) => [...e, { step: batch.eval!.step, valNtp: batch.eval!.valNtp }]);
  };

  const start = async () => {
    if (!engine.current) return;
    setRunning(true);
    try {
      await engine.current.start(Comlink.proxy(onMetrics), 10);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const last = history[history.length - 1];
  const steps = info?.config.train.steps ?? DEFAULT_CONFIG.train.steps;
  return (
    <main>
      <h1>NITP Lab</h1>
      <p className="sub">Train a small GPT on your GPU with next-token prediction plus Next Implicit Token Prediction.</p>
      {error && <div className="error" role="alert">{error}</div>}
      {info && (
        <p className="sub" data-testid="engine-info">
          {info.parameters.toLocaleString('en-US')} parameters · vocabulary {info.vocabSize} · {info.adapter}
        </p>
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
      <div className="controls">
        <button className="primary" onClick={start} disabled={!info || running}>Train</button>
        <button onClick={() => engine.current?.pause()} disabled={!running}>Pause</button>
        <button onClick={async () => { if (engine.current) onMetrics({ steps: await engine.current.step(1), tokensPerSecond }); }} disabled={!info || running}>Step</button>
        <progress max={steps} value={last?.step ?? 0} aria-label="training progress" />
      </div>
      <div className="stats">
        <div><span>step</span><b data-testid="step">{last?.step ?? 0}</b> / {steps}</div>
        <div><span>loss</span><b data-testid="loss">{last ? last.loss.toFixed(4) : '–'}</b></div>
        <div><span>NTP</span><span data-testid="ntp">{last ? last.ntp.toFixed(4) : '–'}</span></div>
        <div><span>NITP</span>{last?.aux != null ? last.aux.toFixed(4) : '–'}</div>
        <div><span>tokens/s</span><b data-testid="tps">{tokensPerSecond ? tokensPerSecond.toFixed(0) : '–'}</b></div>
      </div>
      <LossChart
        floor={info?.lossFloor ?? null}
        yLabel="loss"
        series={[
          { name: 'train NTP', color: '#0072b2', points: history.map((m) => ({ step: m.step, value: m.ntp })) },
          { name: 'train NITP', color: '#e69f00', points: history.flatMap((m) => (m.aux === null ? [] : [{ step: m.step, value: m.aux }])) },
          { name: 'validation NTP', color: '#009e73', points: evals.map((e) => ({ step: e.step, value: e.valNtp })), dashed: true },
        ]}
      />
    </main>
  );
}
