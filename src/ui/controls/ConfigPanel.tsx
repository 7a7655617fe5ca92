// ConfigPanel.tsx: every model, NITP, training and evaluation setting, with presets, the
// parameter count and an estimate of memory and time. A field that fails validation shows the
// config's own error next to it and cannot be applied; applying restarts both runs from step 0.
import { useId, useMemo, useState } from 'react';
import { CONFIG_FIELDS, ConfigError, FIELD_LIST, resolveConfig, type FieldSpec, type PartialRunConfig, type RunConfig, type Section } from '../../model/config.ts';
import { Panel } from './Panel.tsx';
import { PRESETS } from '../../model/presets.ts';
import { modelShape, paramLayout, parameterSpecs } from '../../model/params.ts';

/** The sections this panel edits (the data panel edits `data`), with their titles; rows come from the config table. */
const SECTIONS: { section: Exclude<Section, 'data'>; title: string }[] = [
  { section: 'model', title: 'Model' },
  { section: 'nitp', title: 'NITP (the second run)' },
  { section: 'train', title: 'Training' },
  { section: 'eval', title: 'Evaluation' },
];

interface Props {
  /** the resolved config in use */
  current: RunConfig;
  vocabSize: number;
  /** measured tokens/s per model, for the time estimate (0 before training) */
  tokensPerSecond: number;
  disabled: boolean;
  onApply: (config: PartialRunConfig) => Promise<void>;
  /** applies a change of fields that need no restart (the evaluation schedule) to the run in progress */
  onApplyLive: (schedule: Pick<RunConfig['eval'], 'every' | 'early'>) => Promise<void>;
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

export function ConfigPanel({ current, vocabSize, tokensPerSecond, disabled, onApply, onApplyLive }: Props) {
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
  // the config table says which fields need both runs rebuilt; the others apply to the run in progress
  const needsRestart = FIELD_LIST.some(({ section, name, spec }) => spec.restart &&
    JSON.stringify((draft[section] as Record<string, unknown>)[name]) !== JSON.stringify((current[section] as Record<string, unknown>)[name]));

  const set = (section: keyof RunConfig, field: string, value: unknown) => {
    setDraft((d) => ({ ...d, [section]: { ...d[section], [field]: value } }));
  };
  // The fields change with the draft, not with the measured speed: kept as the same elements
  // through the renders that only update the time estimate (one per metrics batch in training).
  const fields = useMemo(() => {
    const input = (section: Section, field: string, spec: FieldSpec, label: string) => {
      const value = (draft[section] as unknown as Record<string, unknown>)[field];
      const bad = check.error?.field === `${section}.${field}`;
      // while training, only the fields that apply to the run in progress stay editable
      const common = { disabled: disabled && spec.restart, title: spec.help, 'aria-invalid': bad, 'aria-describedby': bad ? `${id}-err` : undefined };
      if (spec.kind === 'bool') return <input type="checkbox" checked={value as boolean} onChange={(e) => set(section, field, e.target.checked)} {...common} />;
      if (spec.kind === 'enum') {
        return (
          <select value={value as string} onChange={(e) => set(section, field, e.target.value)} {...common}>
            {spec.values.map((v) => <option key={v} value={v}>{v}</option>)}
          </select>
        );
      }
      if (spec.kind === 'object') {
        // eval.early, the one structured field in this panel: {every, until}, or off when both are empty
        const early = value as { every: number; until: number } | null;
        const part = (key: 'every' | 'until', text: string) => (
          <input type="number" step={1} aria-label={`${label}: ${text}`} value={early ? String(early[key]) : ''} {...common}
            onChange={(e) => {
              const n = e.target.value === '' ? null : Number(e.target.value);
              const next = { every: early?.every ?? 2, until: early?.until ?? 60, [key]: n };
              set(section, field, next.every === null && next.until === null ? null : next);
            }} />
        );
        return <span className="pair">{part('every', 'every')} up to step {part('until', 'until')}</span>;
      }
      const text = value === null || value === undefined ? '' : String(value);
      return (
        <input type="number" step={spec.kind === 'number' ? 'any' : 1} value={text} {...common}
          onChange={(e) => set(section, field, e.target.value === '' ? (spec.kind === 'derived-int' ? null : NaN) : Number(e.target.value))} />
      );
    };
    return SECTIONS.map(({ section, title }) => (
      <fieldset key={section} className="fields">
        <legend>{title}</legend>
        {Object.entries(CONFIG_FIELDS[section] as Record<string, FieldSpec>).map(([field, spec]) => (
          spec.kind === 'object'
            ? <div key={field} className="field-row" role="group" aria-label={spec.label}>{spec.label}{input(section, field, spec, spec.label)}</div>
            : <label key={field}>{spec.label}{input(section, field, spec, spec.label)}</label>
        ))}
      </fieldset>
    ));
  }, [draft, check.error, disabled, id]);

  const apply = async () => {
    if (!check.resolved) return;
    setBusy(true);
    setApplyError(null);
    try {
      if (needsRestart) await onApply(check.resolved);
      else await onApplyLive({ every: check.resolved.eval.every, early: check.resolved.eval.early });
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
            const preset = PRESETS.find((p) => p.id === e.target.value);
            if (preset) setDraft(resolveConfig({ ...preset.config, data: current.data }));
          }}>
            <option value="" disabled>choose a preset…</option>
            {PRESETS.map((p) => <option key={p.id} value={p.id} title={p.description}>{p.name}</option>)}
          </select>
        </label>
      </div>
      {fields}
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
      <button onClick={apply} disabled={(disabled && needsRestart) || busy || !check.resolved || !changed}>
        {busy ? 'Applying…' : changed && !needsRestart ? 'Apply (training continues)' : 'Apply (restarts both runs from step 0)'}
      </button>
      {changed && !check.error && (
        <span className="note">{needsRestart
          ? ' Changes take effect when applied: both runs restart from step 0.'
          : ' The evaluation schedule changes for the run in progress; training itself is unchanged.'}</span>
      )}
      {applyError && <div className="error" role="alert">{applyError}</div>}
    </Panel>
  );
}
