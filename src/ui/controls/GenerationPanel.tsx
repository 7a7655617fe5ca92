// GenerationPanel.tsx: text from either model at any time (training paused), streamed token by token.
import { memo, useState } from 'react';
import { Panel } from './Panel.tsx';
import * as Comlink from 'comlink';
import type { RunName, TrainerApi } from '../../train/protocol.ts';

interface Props {
  engine: Comlink.Remote<TrainerApi> | null;
  disabled: boolean;
  /** a prompt the tokenizer can encode (e.g. the start of the held-out text) */
  defaultPrompt: string;
}

/** Memoised: a metrics batch re-renders the page, not this panel (its props do not change with the metrics). */
export const GenerationPanel = memo(function GenerationPanel({ engine, disabled, defaultPrompt }: Props) {
  const [run, setRun] = useState<RunName>('nitp');
  const [prompt, setPrompt] = useState(defaultPrompt);
  const [temperature, setTemperature] = useState(0.8);
  const [topK, setTopK] = useState(20);
  const [length, setLength] = useState(80);
  const [output, setOutput] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const go = async () => {
    if (!engine) return;
    setBusy(true);
    setError(null);
    setOutput('');
    try {
      await engine.generate(run, prompt, { maxTokens: length, temperature, topK, seed: Date.now() % 1e9 },
        Comlink.proxy((piece: string) => setOutput((o) => o + piece)));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Generate text">
      <p className="explain">Sample a continuation from either model (pause training first). Low temperature picks likely tokens; top-k keeps only the k most likely.</p>
      <div className="fields">
        <label>
          Model
          <select value={run} onChange={(e) => setRun(e.target.value as RunName)}>
            <option value="ntp">NTP</option>
            <option value="nitp">NTP + NITP</option>
          </select>
        </label>
        <label className="wide">Prompt<input value={prompt} onChange={(e) => setPrompt(e.target.value)} /></label>
        <label>Temperature<input type="number" min={0} max={5} step={0.1} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} /></label>
        <label>Top-k<input type="number" min={0} max={8192} value={topK} onChange={(e) => setTopK(Number(e.target.value))} /></label>
        <label>Length<input type="number" min={1} max={2000} value={length} onChange={(e) => setLength(Number(e.target.value))} /></label>
      </div>
      <button onClick={go} disabled={disabled || busy || !engine}>{busy ? 'Generating…' : 'Generate'}</button>
      {error && <div className="error" role="alert">{error}</div>}
      <pre className="generated" data-testid="generated"><span className="prompt">{prompt}</span>{output}</pre>
    </Panel>
  );
});
