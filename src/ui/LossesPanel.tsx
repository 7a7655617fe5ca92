// LossesPanel.tsx: the losses of both models over training — training and held-out next-token
// loss of each, the NITP model's NITP and total loss, and saved runs drawn over them.
import { memo, useMemo, useState } from 'react';
import type { PairInfo, EvalRecord, Pair, StepMetrics } from '../train/protocol.ts';
import { DEFAULT_CONFIG } from '../model/config.ts';
import { MetricChart, type MetricSeries } from './charts/MetricChart.tsx';
import { Exportable } from './Exportable.tsx';
import { AUX_COLOR, RUN_COLORS, TOTAL_COLOR } from './colors.ts';
import type { Overlay } from './hooks/useOverlays.ts';

interface Props {
  info: PairInfo | null;
  history: Pair<StepMetrics[]>;
  evals: Pair<EvalRecord[]>;
  overlays: readonly Overlay[];
  width: number;
  cursorStep: number | null;
  onCursor: (step: number | null) => void;
}

const trainNtp = (ms: StepMetrics[]) => ms.map((m) => ({ step: m.step, value: m.ntp }));

/** Legend names say which model and which loss: a student reads them without the code. */
function lossSeries(history: Pair<StepMetrics[]>, evals: Pair<EvalRecord[]>, lambda: number, overlays: readonly Overlay[]): MetricSeries[] {
  const nitpAux = (scale: number) => history.nitp.flatMap((m) => (m.aux === null ? [] : [{ step: m.step, value: scale * m.aux }]));
  return [
    { name: 'NTP model — training loss', color: RUN_COLORS.ntp, points: trainNtp(history.ntp) },
    { name: 'NITP model — next-token loss (training)', color: RUN_COLORS.nitp, points: trainNtp(history.nitp) },
    { name: 'NTP model — held-out loss', color: RUN_COLORS.ntp, points: evals.ntp.map((e) => ({ step: e.step, value: e.valNtp })), dashed: true },
    { name: 'NITP model — next-token loss (held-out)', color: RUN_COLORS.nitp, points: evals.nitp.map((e) => ({ step: e.step, value: e.valNtp })), dashed: true },
    { name: 'NITP model — NITP loss', color: AUX_COLOR, points: nitpAux(1) },
    // with λ = 1 the weighted NITP loss is the raw one: drawn once
    ...(lambda !== 1 ? [{ name: `NITP model — λ·NITP loss (λ = ${lambda})`, color: AUX_COLOR, dashed: true, points: nitpAux(lambda) }] : []),
    { name: 'NITP model — total loss (NTP + λ·NITP)', color: TOTAL_COLOR, points: history.nitp.map((m) => ({ step: m.step, value: m.loss })) },
    ...overlays.flatMap((o) => [
      { name: `${o.name}: NTP model — training loss`, color: o.color, dashed: true, points: trainNtp(o.history.ntp) },
      { name: `${o.name}: NITP model — next-token loss (training)`, color: o.color, points: trainNtp(o.history.nitp) },
    ]),
  ];
}

/** Memoised, as are its series and the chart: it redraws with new metrics, not with every render of the page. */
export const LossesPanel = memo(function LossesPanel({ info, history, evals, overlays, width, cursorStep, onCursor }: Props) {
  const [smoothing, setSmoothing] = useState(0.6);
  const [logY, setLogY] = useState(false);
  const floor = info?.lossFloor ?? null;
  const lambda = info?.config.nitp.lambda ?? DEFAULT_CONFIG.nitp.lambda;
  const series = useMemo(() => lossSeries(history, evals, lambda, overlays), [history, evals, lambda, overlays]);
  const references = useMemo(() => (floor !== null ? [{ value: floor, label: `ideal loss ${floor.toFixed(3)}` }] : []), [floor]);
  return (
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
        <MetricChart width={width} yLabel="loss (nats)" smoothing={smoothing} logY={logY} cursorStep={cursorStep} onCursor={onCursor}
          references={references} series={series} />
      </Exportable>
    </section>
  );
});
