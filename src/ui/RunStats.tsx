// RunStats.tsx: the counters in the top bar — step, the latest losses of both runs, speed and the
// time left at that speed.
import type { Pair, StepMetrics } from '../train/protocol.ts';

/** Seconds as "1 h 05 min", "4 min 10 s" or "12 s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

const fixed4 = (x: number | null | undefined) => (x != null ? x.toFixed(4) : '–');

interface Props {
  history: Pair<StepMetrics[]>;
  steps: number;
  tokensPerSecond: number;
  tokensPerStep: number | null;
}

export function RunStats({ history, steps, tokensPerSecond, tokensPerStep }: Props) {
  const last = history.nitp.at(-1);
  return (
    <div className="stats" aria-live="off">
      <div><span>step</span><b data-testid="step">{last?.step ?? 0}</b> / {steps}</div>
      <div><span>NTP run: loss</span><b data-testid="ntp-run-loss">{fixed4(history.ntp.at(-1)?.loss)}</b></div>
      <div><span>NITP run: total loss</span><b data-testid="loss">{fixed4(last?.loss)}</b></div>
      <div><span>NITP run: NTP part</span><span data-testid="ntp">{fixed4(last?.ntp)}</span></div>
      <div><span>NITP run: NITP loss</span>{fixed4(last?.aux)}</div>
      <div><span>tokens/s per model</span><b data-testid="tps">{tokensPerSecond ? tokensPerSecond.toFixed(0) : '–'}</b></div>
      <div><span>time left</span><span data-testid="eta">{tokensPerSecond && tokensPerStep ? formatEta(((steps - (last?.step ?? 0)) * tokensPerStep) / tokensPerSecond) : '–'}</span></div>
    </div>
  );
}
