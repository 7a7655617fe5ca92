// LargeModelNotice.tsx: a link asking for a large model is not allocated unasked. The page starts
// with the default experiment and offers to load the link's; the worker still refuses a model
// over the GPU's limits or the lab's budget, naming the limit and the fields to shrink.
import { useState } from 'react';
import { formatBytes, MEMORY_BUDGET_BYTES } from '../model/memory.ts';
import { resolveConfig } from '../model/config.ts';
import type { LargeLink } from './hooks/useEngine.ts';

export function LargeModelNotice({ link, onLoad, onDismiss }: { link: LargeLink; onLoad: () => Promise<void>; onDismiss: () => void }) {
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const { model, train } = resolveConfig(link.config);
  const load = async () => {
    setBusy(true);
    setRefused(null);
    try {
      await onLoad();
    } catch (e) {
      setRefused((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="note page-error" role="status" data-testid="large-model">
      <p>
        This link asks for a large model (L {model.nLayer} · d {model.dModel} · T {model.contextLength} · B {train.batchSize}): both runs
        need about <b>{formatBytes(link.bytes)}</b> of GPU memory (the lab's budget is {formatBytes(MEMORY_BUDGET_BYTES)}). The default
        experiment is loaded instead.
      </p>
      <button onClick={load} disabled={busy} data-testid="large-model-load">{busy ? 'Loading…' : 'Load it anyway'}</button>{' '}
      <button onClick={onDismiss} disabled={busy}>Keep the default</button>
      {refused && <p className="error" role="alert" data-testid="large-model-refused">Not loaded: {refused}</p>}
    </div>
  );
}
