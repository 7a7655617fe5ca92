// Share.tsx: the experiment as a link. useExperimentLink keeps the address bar's query equal to
// the config in use (plus the result fingerprint once the run finished); CopyLinkButton copies
// it; SharedNotice tells someone who opened a link what it set up, names what could not be read,
// offers to run it, and once the re-run reaches the shared step says whether it reproduced the
// shared result exactly.
import { useEffect, useMemo, useState } from 'react';
import type { RunConfig } from '../model/config.ts';
import { presetOf } from '../model/presets.ts';
import { encodeExperiment, type SharedExperiment } from '../share/url.ts';
import { fingerprint, type Fingerprint } from '../share/fingerprint.ts';
import type { Pair, StepMetrics } from '../train/protocol.ts';

/** The finished pair's fingerprint; null while the run is unfinished (or after a reset). */
export function useRunFingerprint(config: RunConfig | null, history: Pair<StepMetrics[]>): Fingerprint | null {
  const [own, setOwn] = useState<Fingerprint | null>(null);
  const steps = config?.train.steps ?? -1;
  const finished = history.nitp[history.nitp.length - 1]?.step === steps;
  useEffect(() => {
    let live = true;
    if (!finished) setOwn(null);
    else fingerprint([history.ntp, history.nitp], steps).then((f) => live && setOwn(f));
    return () => {
      live = false;
    };
  }, [finished, history, steps]);
  // not the last run's fingerprint while the effect has yet to clear it
  return finished && own?.step === steps ? own : null;
}

/** Keeps the query string equal to the experiment's link (no navigation, no history entry). */
export function useExperimentLink(config: RunConfig | null, own: Fingerprint | null, present = false, run: string | null = null): void {
  // memoised: App renders with every metrics batch, and presetOf resolves and compares every preset
  const link = useMemo(() => (config ? encodeExperiment(config, { preset: presetOf(config)?.id ?? null, fingerprint: own, present, run }) : null),
    [config, own, present, run]);
  useEffect(() => {
    if (link !== null && location.search !== link) {
      window.history.replaceState(window.history.state, '', `${location.pathname}${link}${location.hash}`);
    }
  }, [link]);
}

export function CopyLinkButton() {
  const [status, setStatus] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied.');
    } catch {
      setStatus(`Copying was not allowed; copy this link by hand: ${location.href}`);
    }
  };
  return (
    <>
      <button onClick={copy} title="Copy a link that opens this experiment (with its result fingerprint once it finished)">Copy link</button>
      {status && <span className="copy-status" role="status" data-testid="copy-status">{status}</span>}
    </>
  );
}

interface NoticeProps {
  config: RunConfig;
  shared: SharedExperiment;
  /** the finished run's fingerprint, when the config in use is still the link's */
  own: Fingerprint | null;
  canRun: boolean;
  onRun: () => void;
}

export function SharedNotice({ config, shared, own, canRun, onRun }: NoticeProps) {
  const [open, setOpen] = useState(true);
  const target = shared.fingerprint;
  let verdict: { ok: boolean; text: string } | null = null;
  if (target && own && own.step === target.step) {
    verdict = own.hash === target.hash
      ? { ok: true, text: `Reproduced exactly: this run's losses match the shared run's bit for bit (fingerprint ${own.hash}).` }
      : { ok: false, text: `Differs from the shared run (fingerprint ${own.hash}, shared ${target.hash}). Runs are deterministic on one ` +
        'GPU and driver; another GPU may differ in the last bits of a float, and the fingerprint then differs although the curves agree.' };
  }
  if (!open && !verdict) return null;
  return (
    <div className="shared-notice" role="status" data-testid="shared-notice">
      {open && (
        <>
          <p>
            This page was opened from a link to an experiment{shared.preset ? ` (preset “${shared.preset}”)` : ''}; its settings are loaded.
            {target && ` The shared run finished step ${target.step} with result fingerprint ${target.hash}: run it to compare.`}
          </p>
          {config.data.corpus === 'upload' && config.data.upload && (
            <p>It trains on the file “{config.data.upload.name}” ({config.data.upload.size.toLocaleString('en-US')} bytes): choose that file in the Data panel.</p>
          )}
          {shared.notices.length > 0 && (
            <ul className="note" data-testid="link-notices">{shared.notices.map((n) => <li key={n}>{n}</li>)}</ul>
          )}
          <button className="primary" onClick={onRun} disabled={!canRun}>Run it</button>{' '}
          <button onClick={() => setOpen(false)}>Dismiss</button>
        </>
      )}
      {verdict && <p className={verdict.ok ? 'verdict ok' : 'verdict'} data-testid="fingerprint-verdict">{verdict.text}</p>}
    </div>
  );
}
