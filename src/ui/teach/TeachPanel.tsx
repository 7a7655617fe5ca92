// TeachPanel.tsx: the guided tour of representation collapse, bound to the live run. Six short
// steps; each sentence with a number takes it from the run on the page (tourFacts.ts), and the
// tour pauses training itself when the run it waits for has passed its rank minimum (useTour).
import type { ReactNode } from 'react';
import type { RunName } from '../../train/protocol.ts';
import { fmt, layerPhrase, type TourFacts } from './tourFacts.ts';

export const TOUR_STEPS = ['The starting cloud', 'Predict', 'The collapse', "NITP's delay", 'Recovery and the lasting gap', 'At scale'] as const;

export const PREDICTIONS = [
  { id: 'rise', text: 'It rises: the states spread over more directions.' },
  { id: 'same', text: 'It stays about the same.' },
  { id: 'little', text: 'It falls a little.' },
  { id: 'collapse', text: 'It collapses to a few directions.' },
] as const;
export type Prediction = (typeof PREDICTIONS)[number]['id'];

interface Props {
  facts: TourFacts;
  step: number;
  onStep: (step: number) => void;
  d: number;
  nLayer: number;
  running: boolean;
  trainedTo: number;
  totalSteps: number;
  onTrain: () => void;
  prediction: Prediction | null;
  onPredict: (p: Prediction) => void;
  /** the run whose rank minimum made the tour pause training, while it stays paused there */
  pausedAt: RunName | null;
}

const NAME = { ntp: 'NTP', nitp: 'NITP' } as const;

export function TeachPanel({ facts, step, onStep, d, nLayer, running, trainedTo, totalSteps, onTrain, prediction, onPredict, pausedAt }: Props) {
  const { ntp, nitp } = facts.runs;
  const where = layerPhrase(facts.layer, nLayer);
  const train = (label: string) => (
    <button className="primary" onClick={onTrain} disabled={running || trainedTo >= totalSteps}>{label}</button>
  );
  const waiting = (run: RunName) => {
    const r = facts.runs[run];
    if (trainedTo >= totalSteps && r.start && r.latest) {
      return (
        <p data-testid="tour-text">
          {NAME[run]}'s rank did not collapse and recover in this run: it went from {fmt.rank(r.start.erank)} at step 0 to{' '}
          {fmt.rank(r.latest.erank)} at step {r.latest.step} (lowest {fmt.rank(r.minimum!.erank)} at step {r.minimum!.step}).
        </p>
      );
    }
    return running
      ? <p data-testid="tour-live">Training… {NAME[run]}'s rank is {r.latest ? `${fmt.rank(r.latest.erank)} at step ${r.latest.step}` : 'not measured yet'}. The tour pauses at its minimum.</p>
      : <p>{train(trainedTo === 0 ? 'Train and watch' : 'Continue training')} The tour pauses training once {NAME[run]}'s rank has passed its minimum.</p>;
  };

  let body: ReactNode;
  switch (step) {
    case 0:
      body = ntp.start ? (
        <p data-testid="tour-text">
          Before any update (step 0), {where} of the held-out evaluation set use <b>{fmt.rank(ntp.start.erank)}</b> of
          the {d} dimensions (effective rank), and their anisotropy is <b>{fmt.cos(ntp.start.anisotropy)}</b>: a round cloud
          with no shared direction. Both models start from the same weights, so NITP's numbers are the same
          ({fmt.rank(nitp.start?.erank ?? NaN)}, {fmt.cos(nitp.start?.anisotropy ?? NaN)}).
        </p>
      ) : <p data-testid="tour-text">The lab measures the starting cloud as soon as the models are built…</p>;
      break;
    case 1:
      body = (
        <>
          <p data-testid="tour-text">What will happen to the NTP model's effective rank in the first 30 steps? Choose, then train.</p>
          <div role="radiogroup" aria-label="Your prediction" className="predictions">
            {PREDICTIONS.map((p) => (
              <label key={p.id}>
                <input type="radio" name="prediction" value={p.id} checked={prediction === p.id} onChange={() => onPredict(p.id)} /> {p.text}
              </label>
            ))}
          </div>
        </>
      );
      break;
    case 2:
      body = ntp.minimumReached && ntp.minimum && ntp.start ? (
        <p data-testid="tour-text">
          NTP's rank fell from <b>{fmt.rank(ntp.start.erank)}</b> to <b data-testid="tour-ntp-min">{fmt.rank(ntp.minimum.erank)}</b> by
          step <b data-testid="tour-ntp-min-step">{ntp.minimum.step}</b>; anisotropy there <b>{fmt.cos(ntp.minimum.anisotropy)}</b> (peak
          {' '}{fmt.cos(ntp.peak!.anisotropy)} at step {ntp.peak!.step}). Nearly every hidden state points the same way: representation
          collapse.{prediction && <> You predicted: “{PREDICTIONS.find((p) => p.id === prediction)!.text}”</>}
        </p>
      ) : waiting('ntp');
      break;
    case 3:
      body = nitp.minimumReached && nitp.minimum && ntp.minimum ? (
        <p data-testid="tour-text">
          NITP's rank reached its minimum, <b>{fmt.rank(nitp.minimum.erank)}</b>, at step <b>{nitp.minimum.step}</b>:{' '}
          {nitp.minimum.step >= ntp.minimum.step ? `${nitp.minimum.step - ntp.minimum.step} steps later` : `${ntp.minimum.step - nitp.minimum.step} steps earlier`} than
          NTP's ({fmt.rank(ntp.minimum.erank)} at step {ntp.minimum.step}), and{' '}
          {nitp.minimum.erank >= ntp.minimum.erank ? `${fmt.rank(nitp.minimum.erank - ntp.minimum.erank)} dimensions less deep` : `${fmt.rank(ntp.minimum.erank - nitp.minimum.erank)} dimensions deeper`}.
          The NITP loss asks each state to predict the next position's early-layer state, which keeps more directions in use.
        </p>
      ) : waiting('nitp');
      break;
    case 4:
      body = ntp.latest && nitp.latest && ntp.minimumReached ? (
        <>
          <p data-testid="tour-text">
            At step <b>{ntp.latest.step}</b> NTP's rank is <b>{fmt.rank(ntp.latest.erank)}</b> and NITP's <b>{fmt.rank(nitp.latest.erank)}</b>{' '}
            (a gap of {fmt.rank(nitp.latest.erank - ntp.latest.erank)}); anisotropy {fmt.cos(ntp.latest.anisotropy)} against{' '}
            {fmt.cos(nitp.latest.anisotropy)}. Held-out loss: {fmt.loss(ntp.latest.valNtp)} against {fmt.loss(nitp.latest.valNtp)} —
            {Math.abs(ntp.latest.valNtp - nitp.latest.valNtp) < 0.05 ? ' about equal: NITP changes the geometry, not the loss.' : ' they differ in this run; watch whether the gap closes.'}
          </p>
          <p>
            Switch the charts to the last block's output (above the rank chart): before the final LayerNorm the gap between
            the runs is often clearer than in the final hidden state.
          </p>
          {trainedTo < totalSteps && <p>{train('Train to the end')} Both runs recover from the collapse; watch whether the rank gap stays.</p>}
        </>
      ) : <p data-testid="tour-text">Train past the collapse first.</p>;
      break;
    default:
      body = (
        <p data-testid="tour-text">
          The paper trains models thousands of times larger, for far longer. There NTP's final-layer rank keeps falling late in
          training while NITP's holds up. This small model does not reproduce that late collapse: both runs collapse early and
          recover, and what NITP changes here is how deep and how early the collapse goes and the rank afterwards
          {ntp.latest && nitp.latest ? ` — in this run a gap of ${fmt.rank(nitp.latest.erank - ntp.latest.erank)} at step ${ntp.latest.step}` : ''}.
        </p>
      );
  }

  return (
    <section className="teach" aria-label="Guided tour" data-testid="teach-panel">
      <div className="teach-head">
        <h2>Guided tour · {step + 1}/{TOUR_STEPS.length}: {TOUR_STEPS[step]}</h2>
        <div className="teach-nav">
          <button onClick={() => onStep(step - 1)} disabled={step === 0} aria-label="Previous tour step">← Back</button>
          <button onClick={() => onStep(step + 1)} disabled={step === TOUR_STEPS.length - 1 || (step === 1 && prediction === null)}
            aria-label="Next tour step">Next →</button>
        </div>
      </div>
      {body}
      {pausedAt && !running && <p className="note" data-testid="tour-paused">The tour paused training just after {NAME[pausedAt]}'s rank minimum (marked on the rank chart). Read, then go on with Next →.</p>}
    </section>
  );
}
