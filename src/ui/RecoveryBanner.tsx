// RecoveryBanner.tsx: why training stopped (a divergence, a crashed or hung worker, a lost GPU)
// and the way back: the pair continues from its last good checkpoint, or starts again.
import { useState } from 'react';
import type { Recovery } from './hooks/useEngine.ts';

export function RecoveryBanner({ recovery, checkpointStep, onRestore, disabled }: {
  recovery: Recovery;
  /** step of the last good checkpoint; null when there is none (then the pair starts again) */
  checkpointStep: number | null;
  onRestore: () => Promise<void>;
  disabled: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const label = recovery.kind === 'diverged'
    ? (checkpointStep !== null ? `Roll back to step ${checkpointStep}` : 'Start again from step 0')
    : (checkpointStep !== null ? `Resume from step ${checkpointStep}` : 'Start again from step 0');
  const restore = async () => {
    setBusy(true);
    setFailed(null);
    try {
      await onRestore();
    } catch (e) {
      setFailed((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="error page-error" role="alert" data-testid="recovery">
      <p data-testid="recovery-message">{recovery.message}</p>
      <button onClick={restore} disabled={busy || disabled} data-testid="recovery-restore">{busy ? 'Restoring…' : label}</button>
      {failed && <p data-testid="recovery-failed">That failed too: {failed}</p>}
    </div>
  );
}
