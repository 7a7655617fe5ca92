// SamplesPanel.tsx: what both models write as they train. Every N steps the worker continues the
// same prompt with each model (temperature 0.8, top-k 20, the step as the seed), between training
// chunks; the samples arrive with the metrics, so language can be watched as it emerges beside
// the geometry. Sampling costs one forward pass per token and model, so it is off below every 10.
import { memo, useEffect, useState } from 'react';
import type { SampleOptions, TextSample } from '../train/protocol.ts';
import { RUN_COLORS } from './colors.ts';

interface Props {
  samples: readonly TextSample[];
  /** a prompt the tokenizer can encode (the start of the held-out text) */
  defaultPrompt: string;
  /** steps of the run: the default interval gives a handful of samples */
  totalSteps: number;
  disabled: boolean;
  onOptions: (options: SampleOptions | undefined) => void;
}

/** About five samples a run, at a round number of steps. */
export function defaultSampleEvery(totalSteps: number): number {
  const raw = Math.max(10, totalSteps / 5);
  const round = [10, 20, 25, 50, 100, 200, 250, 500, 1000].find((r) => r >= raw);
  return round ?? Math.ceil(raw / 1000) * 1000;
}

/** Memoised: it re-renders when a sample arrives, not with every metrics batch. */
export const SamplesPanel = memo(function SamplesPanel({ samples, defaultPrompt, totalSteps, disabled, onOptions }: Props) {
  const [on, setOn] = useState(true);
  const [every, setEvery] = useState(() => defaultSampleEvery(totalSteps));
  const [tokens, setTokens] = useState(32);
  useEffect(() => {
    onOptions(on && every >= 10 ? { every, tokens, prompt: defaultPrompt } : undefined);
  }, [on, every, tokens, defaultPrompt]);
  const latest = samples.at(-1);
  return (
    <section className="samples" aria-label="Text samples">
      <h2 className="section-title">What the models write</h2>
      <div className="controls">
        <label><input type="checkbox" checked={on} disabled={disabled} onChange={(e) => setOn(e.target.checked)} /> sample while training, every</label>
        <input type="number" min={10} step={10} value={every} disabled={disabled || !on} aria-label="steps between samples"
          onChange={(e) => setEvery(Math.max(10, Math.round(Number(e.target.value)) || 10))} style={{ width: '5em' }} />
        <span>steps,</span>
        <input type="number" min={4} max={200} value={tokens} disabled={disabled || !on} aria-label="tokens per sample"
          onChange={(e) => setTokens(Math.min(200, Math.max(4, Math.round(Number(e.target.value)) || 4)))} style={{ width: '4em' }} />
        <span>tokens each</span>
      </div>
      {latest ? (
        <div data-testid="samples">
          {samples.slice(-3).reverse().map((s, i) => (
            <div key={s.step} className={i === 0 ? 'sample latest' : 'sample'} data-step={s.step}>
              <div className="sample-head">step {s.step} · prompt “{s.prompt}”</div>
              {(['ntp', 'nitp'] as const).map((run) => (
                <p key={run} className="generated"><b style={{ color: RUN_COLORS[run] }}>{run === 'ntp' ? 'NTP model' : 'NITP model'}:</b> {s.prompt}<u>{s.text[run]}</u></p>
              ))}
            </div>
          ))}
        </div>
      ) : (
        <p className="sub">{on ? `Samples of both models appear every ${every} steps while training.` : 'Sampling is off.'}</p>
      )}
    </section>
  );
});
