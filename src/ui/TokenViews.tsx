// TokenViews.tsx: views of individual tokens of the fixed evaluation batch — the PCA scatter of
// the final hidden states of both runs (with a step scrubber that replays earlier evaluations),
// the distribution of the NITP alignment, and the part-of-speech probe per layer.
import { memo, useMemo, useState } from 'react';
import { PcaScatter } from './charts/PcaScatter.tsx';
import { AlignmentHistogram } from './charts/AlignmentHistogram.tsx';
import { ProbeChart } from './charts/ProbeChart.tsx';
import { robustSymmetricDomain } from './charts/pcaDomain.ts';
import { tokenContext } from './charts/tokenContext.ts';
import type { ColorBy, ScatterLabels } from './charts/pcaColors.ts';
import type { PairInfo, EvalRecord, Pair, ProbeRecord } from '../train/protocol.ts';
import { AUX_COLOR, RUN_COLORS } from './colors.ts';
import { Exportable } from './Exportable.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';

interface Props {
  info: PairInfo;
  evals: Pair<EvalRecord[]>;
  probe: Pair<ProbeRecord[]> | null;
  probing: boolean;
  onProbe: () => void;
  width: number;
}

/** Per batch row b*T + t: the input token's tag, training count and position. */
function scatterLabels(info: PairInfo): ScatterLabels {
  const { B, T, tokens, tags } = info.evalBatch;
  const total = Number.isFinite(info.trainTokens) ? info.trainTokens : B * T;
  const pos = tags ? new Uint8Array(B * T) : null;
  const frequency = new Float64Array(B * T);
  const position = new Uint16Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const token = tokens[b * (T + 1) + t];
      if (pos && tags) pos[row] = tags[b * (T + 1) + t];
      frequency[row] = info.tokenFrequency[token] * total;
      position[row] = t;
    }
  }
  return { pos, frequency, position };
}

/** Memoised: it changes with evaluations, not with every metric batch. */
export const TokenViews = memo(function TokenViews({ info, evals, probe, probing, onProbe, width }: Props) {
  const [colorBy, setColorBy] = useState<ColorBy>(info.tagged ? 'pos' : 'position');
  const [centred, setCentred] = useState(true);
  const [scrub, setScrub] = useState<number | null>(null); // index into evals; null = follow the latest
  const labels = useMemo(() => scatterLabels(info), [info]);
  // One domain for both runs and every step, so the replay neither jumps nor rescales between runs.
  const domain = useMemo(() => {
    const snapshots = [...evals.ntp, ...evals.nitp].map((r) => r.pca);
    return robustSymmetricDomain(snapshots, [0, 1], centred ? {} : { offsets: snapshots.map((s) => s.meanProjection) });
  }, [evals, centred]);
  const count = evals.nitp.length;
  if (count === 0) return null;
  if (evals.ntp.length !== count || evals.nitp[count - 1].pca.rows.length === 0 || info.vocab.length === 0) {
    return (
      <section className="geometry" aria-label="Token views">
        <h2>Tokens in hidden-state space</h2>
        <p className="note" data-testid="no-token-views">
          The PCA snapshots and the tokens they show are not in this run's record (a command-line run keeps rank and anisotropy
          only; a single run has no partner to compare). Nothing is drawn rather than something invented.
        </p>
      </section>
    );
  }
  const index = scrub === null ? count - 1 : Math.min(scrub, count - 1);
  const shown = { ntp: evals.ntp[index], nitp: evals.nitp[index] };
  const { T, tokens } = info.evalBatch;
  const tokenAt = (row: number) => info.vocab[tokens[Math.floor(row / T) * (T + 1) + (row % T)]] ?? '?';
  const tokenText = (row: number) => tokenContext(row, T, 12, tokenAt);
  const half = Math.max(260, Math.floor((width - 16) / 2));
  return (
    <section className="geometry" aria-label="Token views">
      <h2>Tokens in hidden-state space</h2>
      <p className="explain">
        Each dot is one token of the fixed held-out batch, placed by its final hidden state projected on the first two
        principal axes. Under collapse the cloud flattens into a thin streak; a healthy model spreads tokens out, with
        similar words near each other. The axes keep their order and sign from one evaluation to the next.
      </p>
      <div className="controls">
        <label>
          Colour by
          <select value={colorBy} onChange={(e) => setColorBy(e.target.value as ColorBy)}>
            <option value="pos" disabled={!info.tagged}>part of speech</option>
            <option value="frequency">token frequency</option>
            <option value="position">position in the sequence</option>
          </select>
        </label>
        <label title="Centring subtracts the mean hidden state. It hides anisotropy: a cloud far from the origin (all states sharing one direction) looks like a healthy cloud once centred. Switch to raw to see where the mean sits.">
          <input type="checkbox" checked={centred} onChange={(e) => setCentred(e.target.checked)} /> centred (hides anisotropy)
        </label>
        <label>
          Evaluation at step <b data-testid="pca-step">{shown.nitp.step}</b>
          <input type="range" min={0} max={count - 1} value={index} aria-label="replay earlier evaluations"
            onChange={(e) => setScrub(Number(e.target.value) === count - 1 ? null : Number(e.target.value))} />
        </label>
      </div>
      <div className="pair">
        {(['ntp', 'nitp'] as const).map((run) => (
          <ErrorBoundary key={run} view={`PCA scatter, ${run === 'ntp' ? 'NTP model' : 'NITP model'}`}>
            <Exportable name={`pca-${run}`}>
              <PcaScatter title={run === 'ntp' ? 'NTP model' : 'NITP model'} snapshot={shown[run].pca} colorBy={colorBy} labels={labels}
                tokenText={tokenText} domain={domain} centred={centred} width={half} />
            </Exportable>
          </ErrorBoundary>
        ))}
      </div>
      {shown.nitp.alignment && (
        <div className="chart-block">
          <p className="explain">
            How well the NITP head predicts the next position's layer-k state: the cosine between P(h<sub>t</sub>) and
            z<sub>t+1</sub> for every position of the batch (1 = perfect).
          </p>
          <div className="half">
            <ErrorBoundary view="NITP alignment">
              <Exportable name="nitp-alignment">
                <AlignmentHistogram histogram={shown.nitp.alignment} color={AUX_COLOR} title={`NITP alignment at step ${shown.nitp.step}`} width={half} />
              </Exportable>
            </ErrorBoundary>
          </div>
        </div>
      )}
      <div className="chart-block">
        <p className="explain">
          A <b>linear probe</b> asks how much part-of-speech information each layer holds in a linearly readable form: a ridge
          classifier is fit on frozen hidden states of most of the held-out batch and scored on the rest.
        </p>
        <button onClick={onProbe} disabled={probing || !info.tagged}>{probing ? 'Fitting probes…' : 'Run the probe now'}</button>
        {!info.tagged && <span className="note"> (needs part-of-speech tags: Brown corpus only)</span>}
        {probe && (
          <ErrorBoundary view="part-of-speech probe">
            <Exportable name="probe">
              <ProbeChart width={width} runs={[
                { name: 'NTP model', color: RUN_COLORS.ntp, records: probe.ntp },
                { name: 'NITP model', color: RUN_COLORS.nitp, records: probe.nitp },
              ]} />
            </Exportable>
          </ErrorBoundary>
        )}
      </div>
    </section>
  );
});
