// ConfigPanel.tsx: every model, NITP, training and evaluation setting, with presets, the
// parameter count and an estimate of memory and time. A field that fails validation shows the
// config's own error next to it and cannot be applied; applying restarts both runs from step 0.
import { useId, useMemo, useState } from 'react';
import { ConfigError, resolveConfig, type PartialRunConfig, type RunConfig } from '../../model/config.ts';
import { Panel } from './Panel.tsx';
import { PRESETS } from '../../model/presets.ts';
import { modelShape, paramLayout, parameterSpecs } from '../../model/params.ts';

type FieldKind = { kind: 'int' | 'number' } | { kind: 'bool' } | { kind: 'enum'; values: string[] } | { kind: 'layer' };

const FIELDS: { section: 'model' | 'nitp' | 'train' | 'eval'; title: string; fields: [string, string, FieldKind][] }[] = [
  {
    section: 'model', title: 'Model', fields: [
      ['contextLength', 'Context length T', { kind: 'int' }], ['nLayer', 'Layers L', { kind: 'int' }],
      ['dModel', 'Width d', { kind: 'int' }], ['nHead', 'Heads', { kind: 'int' }], ['tieEmbeddings', 'Tie embeddings', { kind: 'bool' }],
    ],
  },
  {
    section: 'nitp', title: 'NITP (the second run)', fields: [
      ['lambda', 'λ (0 = plain NTP)', { kind: 'number' }], ['targetLayer', 'Target layer k (empty = 20% of depth)', { kind: 'layer' }],
      ['head', 'Head', { kind: 'enum', values: ['swiglu', 'none'] }], ['shift', 'Shift', { kind: 'enum', values: ['next', 'current'] }],
      ['stopGrad', 'Stop-gradient on the target', { kind: 'bool' }], ['loss', 'Loss', { kind: 'enum', values: ['cosine', 'mse', 'smoothl1'] }],
      ['regularizer', 'Regularizer', { kind: 'enum', values: ['nitp', 'generic-cosine'] }],
    ],
  },
  {
    section: 'train', title: 'Training', fields: [
      ['steps', 'Steps', { kind: 'int' }], ['batchSize', 'Batch', { kind: 'int' }], ['lr', 'Learning rate', { kind: 'number' }],
      ['warmupSteps', 'Warm-up steps', { kind: 'int' }], ['schedule', 'Schedule', { kind: 'enum', values: ['wsd', 'cosine'] }],
      ['weightDecay', 'Weight decay', { kind: 'number' }], ['gradClip', 'Gradient clip (0 = off)', { kind: 'number' }],
      ['seed', 'Seed', { kind: 'int' }],
    ],
  },
  { section: 'eval', title: 'Evaluation', fields: [['every', 'Evaluate every … steps', { kind: 'int' }]] },
];

interface Props {
  /** the resolved config in use */
  current: RunConfig;
  vocabSize: number;
  /** measured tokens/s per model, for the time estimate (0 before training) */
  tokensPerSecond: number;
  disabled: boolean;
  onApply: (config: PartialRunConfig) => Promise<void>;
}

/** Bytes of GPU memory of one model (parameters, gradients, AdamW moments, activations), roughly. */
export function memoryEstimate(config: RunConfig, parameters: number): number {
  const { contextLength: T, nLayer: L, dModel: C, nHead: NH } = config.model;
  const B = config.train.batchSize;
  const BT = B * T;
  const perLayer = BT * (3 * C + 3 * C + C + C + 2 * 4 * C + 4) + B * NH * T * T;
  const activations = L * perLayer + (2 * L + 6) * BT * C + 3 * BT * 4 * C + 2 * B * NH * T * T;
  return 4 * (4 * parameters + activations);
}

/** One line for the folded panel: "L 4 · d 64 · T 64 · λ 1 · 2000 steps · seed 1337". */
export function configSummary(c: RunConfig): string {
  return `L ${c.model.nLayer} · d ${c.model.dModel} · T ${c.model.contextLength} · λ ${c.nitp.lambda} · ${c.train.steps} steps · seed ${c.train.seed}`;
}

function formatBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function ConfigPanel({ current, vocabSize, tokensPerSecond, disabled, onApply }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<RunConfig>(current);
  const [busy, setBusy] = useState(false);
  const [applyError, setApplyError] = useState<string | null>(null);
  const check = useMemo(() => {
    try {
      const resolved = resolveConfig({ ...draft, nitp: { ...draft.nitp } });
      const count = (c: RunConfig) => paramLayout(parameterSpecs(c, modelShape(c, vocabSize))).count;
      const ntp = count({ ...resolved, nitp: { ...resolved.nitp, lambda: 0 } });
      const nitp = count(resolved);
      return { resolved, ntp, nitp, error: null as ConfigError | null };
    } catch (e) {
      return { resolved: null, ntp: 0, nitp: 0, error: e as ConfigError };
    }
  }, [draft, vocabSize]);
  const changed = JSON.stringify(draft) !== JSON.stringify(current);

  const set = (section: keyof RunConfig, field: string, value: unknown) => {
    setDraft((d) => ({ ...d, [section]: { ...d[section], [field]: value } }));
  };
  const input = (section: 'model' | 'nitp' | 'train' | 'eval', field: string, kind: FieldKind) => {
    const value = (draft[section] as unknown as Record<string, unknown>)[field];
    const bad = check.error?.field === `${section}.${field}`;
    const common = { disabled, 'aria-invalid': bad, 'aria-describedby': bad ? `${id}-err` : undefined };
    if (kind.kind === 'bool') return <input type="checkbox" checked={value as boolean} onChange={(e) => set(section, field, e.target.checked)} {...common} />;
    if (kind.kind === 'enum') {
      return (
        <select value={value as string} onChange={(e) => set(section, field, e.target.value)} {...common}>
          {kind.values.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      );
    }
    const text = value === null || value === undefined ? '' : String(value);
    return (
      <input type="number" step={kind.kind === 'int' || kind.kind === 'layer' ? 1 : 'any'} value={text} {...common}
        onChange={(e) => set(section, field, e.target.value === '' ? (kind.kind === 'layer' ? null : NaN) : Number(e.target.value))} />
    );
  };

  const apply = async () => {
    if (!check.resolved) return;
    setBusy(true);
    setApplyError(null);
    try {
      await onApply(check.resolved);
    } catch (e) {
      setApplyError(`${(e as Error).message}. The runs in use did not change.`);
    } finally {
      setBusy(false);
    }
  };

  const tokensPerStep = draft.train.batchSize * draft.model.contextLength;
  return (
    <Panel title="Experiment" summary={configSummary(current)}>
      <div className="fields">
        <label>
          Preset
          <select value="" disabled={disabled} onChange={(e) => {
            const preset = PRESETS.find((p) => p.name === e.target.value);
            if (preset) setDraft(resolveConfig({ ...preset.config, data: current.data }));
          }}>
            <option value="" disabled>choose a preset…</option>
            {PRESETS.map((p) => <option key={p.name} value={p.name} title={p.description}>{p.name}</option>)}
          </select>
        </label>
      </div>
      {FIELDS.map(({ section, title, fields }) => (
        <fieldset key={section} className="fields">
          <legend>{title}</legend>
          {fields.map(([field, label, kind]) => (
            <label key={field}>{label}{input(section, field, kind)}</label>
          ))}
        </fieldset>
      ))}
      {check.error && <div className="error" role="alert" id={`${id}-err`} data-testid="config-error">{check.error.message}</div>}
      {check.resolved && (
        <p className="sub" data-testid="config-estimate">
          {check.ntp.toLocaleString('en-US')} parameters (NTP) and {check.nitp.toLocaleString('en-US')} (NITP, head included) ·
          about {formatBytes(memoryEstimate(check.resolved, check.ntp) + memoryEstimate(check.resolved, check.nitp))} of GPU memory ·
          {tokensPerSecond > 0
            ? ` about ${formatDuration((check.resolved.train.steps * tokensPerStep) / tokensPerSecond)} for ${check.resolved.train.steps} steps at the current speed`
            : ' time: train a few steps to measure the speed'}
        </p>
      )}
      <button onClick={apply} disabled={disabled || busy || !check.resolved || !changed}>
        {busy ? 'Restarting…' : 'Apply (restarts both runs from step 0)'}
      </button>
      {changed && !check.error && <span className="note"> Changes take effect when applied: both runs restart from step 0.</span>}
      {applyError && <div className="error" role="alert">{applyError}</div>}
    </Panel>
  );
}
