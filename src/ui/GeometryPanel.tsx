// GeometryPanel.tsx: the representation-geometry views of the NTP/NITP pair — effective rank and
// anisotropy over training of one layer (the final hidden state, the last block's output or any
// layer, chosen here), the same for every layer as heatmaps, and the eigenvalue spectrum now —
// each with a short explanation for someone seeing it the first time.
import { memo } from 'react';
import { MetricChart, type ChartAnnotation, type MetricSeries } from './charts/MetricChart.tsx';
import { LayerHeatmap } from './charts/LayerHeatmap.tsx';
import { SpectrumChart } from './charts/SpectrumChart.tsx';
import { heatmapDomain } from './charts/heatmap.ts';
import { layerLabel } from './charts/layers.ts';
import type { EvalRecord, LayerId, Pair } from '../train/protocol.ts';
import { RUN_COLORS } from './colors.ts';
import { Exportable } from './Exportable.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';

/** A saved run drawn over the live ones. */
export interface GeometryOverlay {
  name: string;
  color: string;
  evals: Pair<EvalRecord[]>;
}

interface Props {
  evals: Pair<EvalRecord[]>;
  overlays: readonly GeometryOverlay[];
  width: number;
  cursorStep: number | null;
  onCursor: (step: number | null) => void;
  /** the layer the rank and anisotropy charts show */
  layer: LayerId;
  onLayer: (layer: LayerId) => void;
  /** notes drawn on the rank and anisotropy charts (the teaching tour's) */
  annotations?: { erank: readonly ChartAnnotation[]; anisotropy: readonly ChartAnnotation[] };
  /** height of the rank and anisotropy charts (larger in presenter mode) */
  chartHeight?: number;
}

type Metric = 'erank' | 'anisotropy';

/** legend names, the same as the loss chart's */
const RUN_NAMES = { ntp: 'NTP model', nitp: 'NITP model' } as const;

/** One layer's value of `metric` in each record that has the layer (a saved run may have fewer layers). */
const layerPoints = (records: EvalRecord[], layer: LayerId, metric: Metric) =>
  records.flatMap((r) => {
    const l = r.layers.find((x) => x.layer === layer);
    return l ? [{ step: r.step, value: l[metric] }] : [];
  });

/** The layers the rank and anisotropy charts can show, named for people. */
export function layerChoices(nLayer: number): { id: LayerId; label: string }[] {
  return [
    { id: 'final', label: 'final hidden state h (after the last LayerNorm)' },
    { id: nLayer, label: `last block's output, before the final LayerNorm (layer ${nLayer})` },
    ...Array.from({ length: nLayer }, (_, k) => ({ id: k as LayerId, label: k === 0 ? 'layer 0: embedding output x0' : `layer ${k}: after block ${k}` })),
  ];
}

function layerSeries(evals: Pair<EvalRecord[]>, metric: Metric, overlays: readonly GeometryOverlay[], layer: LayerId): MetricSeries[] {
  const ntp = layerPoints(evals.ntp, layer, metric);
  const nitp = layerPoints(evals.nitp, layer, metric);
  const diff = nitp.flatMap((p, i) => (ntp[i]?.step === p.step ? [{ step: p.step, value: p.value - ntp[i].value }] : []));
  return [
    { name: 'NTP model', color: RUN_COLORS.ntp, points: ntp },
    { name: 'NITP model', color: RUN_COLORS.nitp, points: nitp },
    { name: 'difference (NITP model − NTP model)', color: '#009e73', points: diff, dashed: true },
    ...overlays.flatMap((o) => [
      { name: `${o.name}: NTP model`, color: o.color, dashed: true, points: layerPoints(o.evals.ntp, layer, metric) },
      { name: `${o.name}: NITP model`, color: o.color, points: layerPoints(o.evals.nitp, layer, metric) },
    ]),
  ];
}

function heatmapRows(records: EvalRecord[], metric: Metric) {
  return records.map((r) => ({ step: r.step, values: r.layers.map((l) => l[metric]) }));
}

/** Memoised: metric batches arrive far more often than evaluations, and these charts only change with the latter. */
export const GeometryPanel = memo(function GeometryPanel({ evals, overlays, width, cursorStep, onCursor, layer, onLayer, annotations, chartHeight = 220 }: Props) {
  if (evals.nitp.length === 0) {
    return <p className="sub" data-testid="geometry-empty">Geometry appears after the first evaluation (step 0, before any update).</p>;
  }
  const nLayer = Math.max(...evals.nitp[0].layers.map((l) => (typeof l.layer === 'number' ? l.layer : 0)));
  const choices = layerChoices(nLayer);
  const shown = choices.find((c) => c.id === layer) ?? choices[0];
  const layerLabels = evals.nitp[0].layers.map((l) => layerLabel(l.layer));
  const half = Math.max(240, Math.floor((width - 16) / 2));
  // rank and anisotropy side by side once each still gets a readable width
  const sideBySide = width >= 760;
  const lineWidth = sideBySide ? half : width;
  const latest = { ntp: evals.ntp[evals.ntp.length - 1], nitp: evals.nitp[evals.nitp.length - 1] };
  const spectrum = (r: EvalRecord) => r.layers.find((l) => l.layer === 'final')!;
  const heatmaps = (metric: Metric, label: string, scheme: 'viridis' | 'magma') => {
    const rows = { ntp: heatmapRows(evals.ntp, metric), nitp: heatmapRows(evals.nitp, metric) };
    const domain = heatmapDomain([rows.ntp, rows.nitp]);
    return (
      <div className="pair">
        {(['ntp', 'nitp'] as const).map((run) => (
          <ErrorBoundary key={run} view={`${label} per layer, ${RUN_NAMES[run]}`}>
            <Exportable name={`${metric}-heatmap-${run}`}><LayerHeatmap title={`${label}: ${RUN_NAMES[run]}`} evals={rows[run]} layerLabels={layerLabels}
              domain={domain} colorScheme={scheme} valueLabel={label} cursorStep={cursorStep} onCursor={onCursor} width={half} /></Exportable>
          </ErrorBoundary>
        ))}
      </div>
    );
  };
  return (
    <section className="geometry" aria-label="Hidden-state geometry">
      <h2>Hidden-state geometry</h2>
      <label className="layer-choice">
        Rank and anisotropy of{' '}
        <select value={String(shown.id)} onChange={(e) => onLayer(e.target.value === 'final' ? 'final' : Number(e.target.value))} data-testid="layer-choice">
          {choices.map((c, i) => <option key={`${c.id}-${i}`} value={String(c.id)}>{c.label}</option>)}
        </select>
      </label>
      <div className={sideBySide ? 'pair' : undefined}>
        <div className="chart-block">
          <p className="explain">
            <b>Effective rank</b> counts how many directions the hidden states really use (1 to d): the exponential of the
            entropy of their covariance spectrum. Representation collapse shows as a falling rank — the states squeeze into a
            few directions. At this small scale both models collapse early and recover; NITP collapses later and less deeply and
            afterwards keeps a higher rank (most clearly in the last block's output, and more with untied embeddings).
          </p>
          <ErrorBoundary view="effective rank">
            <Exportable name="effective-rank">
              <MetricChart series={layerSeries(evals, 'erank', overlays, shown.id)} yLabel="effective rank" width={lineWidth} height={chartHeight}
                cursorStep={cursorStep} onCursor={onCursor} annotations={annotations?.erank} label={`Effective rank of the ${shown.label} over training`} />
            </Exportable>
          </ErrorBoundary>
        </div>
        <div className="chart-block">
          <p className="explain">
            <b>Anisotropy</b> is the mean cosine similarity between the hidden states of random pairs of tokens from different
            sequences. Near 0 the states point every which way; near 1 they all sit in one narrow cone (collapse).
          </p>
          <ErrorBoundary view="anisotropy">
            <Exportable name="anisotropy">
              <MetricChart series={layerSeries(evals, 'anisotropy', overlays, shown.id)} yLabel="mean cosine" width={lineWidth} height={chartHeight}
                cursorStep={cursorStep} onCursor={onCursor} annotations={annotations?.anisotropy} label={`Anisotropy of the ${shown.label} over training`} />
            </Exportable>
          </ErrorBoundary>
        </div>
      </div>
      <div className="chart-block">
        <p className="explain">
          The same two numbers for <b>every layer</b> (x0 = token + position embedding, 1…L = after each block, final = after the
          last LayerNorm), over training. The two maps of a row share one colour scale, so colours compare across runs.
        </p>
        {heatmaps('erank', 'effective rank', 'viridis')}
        {heatmaps('anisotropy', 'anisotropy', 'magma')}
      </div>
      {latest.ntp?.layers.length && latest.nitp?.layers.length && spectrum(latest.ntp).spectrum.length > 0 && spectrum(latest.nitp).spectrum.length > 0 ? (
      <div className="chart-block">
        <p className="explain">
          The <b>eigenvalue spectrum</b> of the final hidden states now, largest first, each as a share of the total variance
          (log scale). A steep drop means a few directions carry almost everything.
        </p>
        <ErrorBoundary view="eigenvalue spectrum">
          <Exportable name="spectrum">
            <SpectrumChart width={width} series={(['ntp', 'nitp'] as const).map((run) => (
              { name: RUN_NAMES[run], color: RUN_COLORS[run], spectrum: spectrum(latest[run]).spectrum, tail: spectrum(latest[run]).tail }))} />
          </Exportable>
        </ErrorBoundary>
      </div>
      ) : (
        <p className="note" data-testid="no-spectrum">The eigenvalue spectrum is not in this run's record (a command-line run keeps rank and anisotropy only).</p>
      )}
    </section>
  );
});
