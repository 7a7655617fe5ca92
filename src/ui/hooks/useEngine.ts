// useEngine.ts: the training worker (train/worker.ts behind comlink) and the NTP/NITP pair it
// trains. The pair's state is one reducer; "a new pair" is one case of it, reached the same way
// from the first start, Reset, new settings or data, and a resumed run.
import { startTransition, useCallback, useEffect, useReducer, useRef, useState } from 'react';
import * as Comlink from 'comlink';
import type { EngineInfo, EvalRecord, MetricsBatch, Pair, PairInfo, ProbeRecord, RunName, SampleOptions, TextSample, TrainerApi } from '../../train/protocol.ts';
import type { RunFileContent } from '../../share/runFile.ts';
import type { PartialRunConfig, RunConfig } from '../../model/config.ts';
import { PRESETS } from '../../model/presets.ts';
import { resolveConfig } from '../../model/config.ts';
import { estimatePairBytes, LARGE_MODEL_BYTES } from '../../model/memory.ts';
import type { LoadedRun, SavedCheckpoint, SavedRunMeta } from '../../store/runStore.ts';
import type { RecordedState } from '../../store/recorder.ts';
import type { DataChoice } from '../controls/DataPanel.tsx';
import type { RunRecording } from './useRunRecorder.ts';
import { noWebGpuMessage } from '../noWebGpu.ts';
import { startEngineWorker, type EngineWorker } from './engineWorker.ts';

/** A copy of `bytes` handed over to the worker without a second copy (its buffer moves there). */
export function transferCopy(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  return Comlink.transfer(copy, [copy.buffer]);
}

/** A plain visit starts with the tiny preset: it trains visibly within seconds even on a software GPU. */
export const START_CONFIG = PRESETS[0].config;

export interface PairState {
  /** what Reset and the data panel start from (a link's config may be partial) */
  config: PartialRunConfig;
  uploadText: string | undefined;
  info: PairInfo | null;
  /** a run opened from a file, a CLI folder or the gallery, shown read-only; null for the pair training here */
  viewing: { name: string; kind: ViewKind; galleryId?: string } | null;
  /** while viewing: the live pair's page state, put back by 'unview' (the worker kept the pair itself) */
  live: Pick<PairState, 'info' | 'recorded' | 'evals' | 'probe' | 'samples'> | null;
  /** everything measured so far: what the recorder saves */
  recorded: RecordedState;
  /** the evaluations the views draw; they follow recorded.evals in a transition */
  evals: Pair<EvalRecord[]>;
  probe: Pair<ProbeRecord[]> | null;
  tokensPerSecond: number;
  /** text both models wrote during training, oldest first (the last few) */
  samples: TextSample[];
}

export type ViewKind = 'run file' | 'CLI folder' | 'gallery';

/** Text samples kept on the page. */
const KEPT_SAMPLES = 8;

export type PairAction =
  /** a new pair from init: empty, or a resumed run with what it had saved */
  /** `background`: the first pair arrived while a run from a file is shown; it waits behind it */
  | { type: 'pair'; info: EngineInfo; config: PartialRunConfig; uploadText?: string; saved?: RecordedState; background?: boolean }
  | { type: 'metrics'; batch: MetricsBatch }
  | { type: 'evalsShown' }
  /** a run loaded a checkpoint of `step` and continues from there */
  | { type: 'imported'; run: RunName; step: number }
  | { type: 'checkpoint'; checkpoint: SavedCheckpoint }
  | { type: 'probe'; probe: Pair<ProbeRecord[]> | null }
  /** the evaluation schedule changed for the pair in training */
  | { type: 'config'; config: RunConfig }
  /** a finished run from a file, shown instead of the live pair (which stays in the worker) */
  | { type: 'view'; content: RunFileContent; name: string; kind: ViewKind; galleryId?: string }
  | { type: 'unview' }
  /** the pair was rebuilt from its last good checkpoint (step 0 without one): what came after it is dropped */
  | { type: 'restored'; info: EngineInfo };

/** Why training stopped and what the page offers: roll back to (or resume from) the last good checkpoint. */
export interface Recovery {
  /** 'gpu': an uncaptured GPU error spoiled the weights in use */
  kind: 'diverged' | 'gpu' | 'worker' | 'device';
  message: string;
}

/** A link's experiment too large to allocate without asking (docs: model/memory.ts LARGE_MODEL_BYTES). */
export interface LargeLink {
  config: PartialRunConfig;
  /** estimated GPU memory of both runs */
  bytes: number;
}

/** The link's config when its pair would take more than LARGE_MODEL_BYTES, else null. */
export function largeLinkOf(config: PartialRunConfig): LargeLink | null {
  try {
    const bytes = estimatePairBytes(resolveConfig(config));
    return bytes > LARGE_MODEL_BYTES ? { config, bytes } : null;
  } catch {
    return null; // the worker names what is wrong with it
  }
}

/** Device losses one press of Train recovers from on its own before it gives up and shows the error. */
const MAX_DEVICE_RECOVERIES = 5;

/** What the page offers after `e` stopped training, or null for an error it only shows. */
export function recoveryOf(e: unknown): Recovery | null {
  const { name, message } = e as Error;
  if (name === 'DivergenceError' || name === 'NonFiniteCheckpointError') return { kind: 'diverged', message };
  if (name === 'GpuFailure') return { kind: 'gpu', message };
  if (name === 'DeviceLost') return { kind: 'device', message };
  if (name === 'WorkerDied') return { kind: 'worker', message: `${message}; a new one was started. Everything measured so far is kept.` };
  return null;
}

const emptyPair = <T>(): Pair<T[]> => ({ ntp: [], nitp: [] });
const emptyRecord = (): RecordedState => ({ history: emptyPair(), evals: emptyPair(), checkpoint: null });
const upTo = <T extends { step: number }>(xs: T[], step: number) => xs.filter((x) => x.step <= step);

export function initialPairState(config: PartialRunConfig): PairState {
  return { config, uploadText: undefined, info: null, viewing: null, live: null, recorded: emptyRecord(), evals: emptyPair(), probe: null, tokensPerSecond: 0, samples: [] };
}

export function pairReducer(state: PairState, action: PairAction): PairState {
  const old = state.recorded;
  switch (action.type) {
    case 'pair': {
      // a new pair starts with its step-0 evaluation: the geometry before any update
      const recorded = action.saved ?? { ...emptyRecord(), evals: { ntp: [action.info.initialEval.ntp], nitp: [action.info.initialEval.nitp] } };
      if (action.background && state.viewing) {
        return { ...state, config: action.config, uploadText: action.uploadText, live: { info: action.info, recorded, evals: recorded.evals, probe: null, samples: [] } };
      }
      // evaluations come with their pair's info at once: a view never sees one pair's info with another's evaluations
      return { config: action.config, uploadText: action.uploadText, info: action.info, viewing: null, live: null, recorded, evals: recorded.evals, probe: null, tokensPerSecond: 0, samples: [] };
    }
    case 'metrics': {
      const { steps, eval: e, checkpoint, tokensPerSecond, sample } = action.batch;
      return {
        ...state,
        tokensPerSecond,
        samples: sample ? [...state.samples, sample].slice(-KEPT_SAMPLES) : state.samples,
        recorded: {
          history: { ntp: [...old.history.ntp, ...steps.ntp], nitp: [...old.history.nitp, ...steps.nitp] },
          evals: e ? { ntp: [...old.evals.ntp, e.ntp], nitp: [...old.evals.nitp, e.nitp] } : old.evals,
          checkpoint: checkpoint ?? old.checkpoint,
        },
      };
    }
    case 'evalsShown':
      return state.evals === old.evals ? state : { ...state, evals: old.evals };
    case 'imported': {
      const { run, step } = action;
      return {
        ...state,
        probe: null,
        recorded: {
          history: { ...old.history, [run]: upTo(old.history[run], step) },
          evals: { ...old.evals, [run]: upTo(old.evals[run], step) },
          checkpoint: null, // the pair's saved checkpoint no longer matches
        },
      };
    }
    case 'checkpoint':
      return { ...state, recorded: { ...old, checkpoint: action.checkpoint } };
    case 'probe':
      return { ...state, probe: action.probe };
    case 'config':
      return state.info ? { ...state, config: action.config, info: { ...state.info, config: action.config } } : state;
    case 'view': {
      const { content } = action;
      const recorded = { history: content.history, evals: content.evals, checkpoint: content.checkpoint };
      // `config` stays the live pair's: Reset and the data panel go back to it
      const live = state.live ?? { info: state.info, recorded: state.recorded, evals: state.recorded.evals, probe: state.probe, samples: state.samples };
      return { ...state, info: content.info, viewing: { name: action.name, kind: action.kind, galleryId: action.galleryId }, live, recorded, evals: recorded.evals, probe: content.probe, tokensPerSecond: 0, samples: content.samples };
    }
    case 'unview':
      return state.live ? { ...state, ...state.live, viewing: null, live: null } : state;
    case 'restored': {
      const step = old.checkpoint?.step ?? 0;
      const evals = step === 0
        ? { ntp: [action.info.initialEval.ntp], nitp: [action.info.initialEval.nitp] }
        : { ntp: upTo(old.evals.ntp, step), nitp: upTo(old.evals.nitp, step) };
      const recorded = { history: { ntp: upTo(old.history.ntp, step), nitp: upTo(old.history.nitp, step) }, evals, checkpoint: old.checkpoint };
      return { ...state, info: action.info, recorded, evals, probe: null, samples: state.samples.filter((x) => x.step <= step) };
    }
  }
}

/**
 * Starts the worker with `firstConfig` (falling back to START_CONFIG when that fails) and returns
 * the pair's state with the commands that change it. Each new pair is recorded by `recording`.
 */
export function useEngine(firstConfig: PartialRunConfig, recording: Pick<RunRecording, 'begin' | 'update'>) {
  const [api, setApi] = useState<Comlink.Remote<TrainerApi> | null>(null);
  const [state, dispatch] = useReducer(pairReducer, firstConfig, initialPairState);
  // The state as of the last action, ahead of rendering: the pause checkpoint must see the last
  // batch, and the recorder gets each new state as it arrives, as before React renders it.
  const latest = useRef(state);
  const [error, setError] = useState<string | null>(null);
  /** whether this browser can train: false without navigator.gpu, or when it gives no adapter */
  const [webgpu, setWebgpu] = useState(() => typeof navigator !== 'undefined' && 'gpu' in navigator && window.isSecureContext);
  const [running, setRunning] = useState(false);
  const [probing, setProbing] = useState(false);
  const [bpeProgress, setBpeProgress] = useState<number | null>(null);
  /** the worker is timing kernel variants for this GPU (first start on an adapter or model shape) */
  const [tuning, setTuning] = useState(false);
  const [recovery, setRecovery] = useState<Recovery | null>(null);
  /** what the page recovered from on its own (a lost GPU device), for the record */
  const [notice, setNotice] = useState<string | null>(null);
  /** a link's model too large to allocate unasked: the page starts with the default and asks */
  const [largeLink, setLargeLink] = useState<LargeLink | null>(null);
  const { begin, update } = recording;

  const act = useCallback((action: PairAction) => {
    const next = pairReducer(latest.current, action);
    // only the pair training here is saved, never a run shown from a file
    if (!next.viewing && next.recorded !== latest.current.recorded && next.recorded.history.nitp.length > 0) update(next.recorded);
    latest.current = next;
    dispatch(action);
  }, [update]);

  const newPair = useCallback((info: EngineInfo, config: PartialRunConfig, uploadText?: string, resumed?: { meta: SavedRunMeta; saved: RecordedState }, background = false) => {
    begin(info, resumed?.meta);
    if (!background) setRecovery(null);
    act({ type: 'pair', info, config, uploadText, saved: resumed?.saved, background });
  }, [act, begin]);

  useEffect(() => {
    const noWebGpu = noWebGpuMessage({ hasWebGpu: 'gpu' in navigator, isSecureContext: window.isSecureContext, href: location.href });
    if (noWebGpu) {
      setError(noWebGpu);
      return;
    }
    // a run opened from a link or a file before the engine was ready stays in front
    const ready = (config: PartialRunConfig) => (info: EngineInfo) => newPair(info, config, undefined, undefined, true);
    let current: EngineWorker;
    // a worker that crashed or hung is replaced at once; the pair comes back from its last checkpoint when asked
    const spawn = (): EngineWorker => {
      const w = startEngineWorker((message) => {
        current = spawn();
        setRunning(false);
        setRecovery({ kind: 'worker', message: `${message}; a new one was started. Everything measured so far is kept.` });
        if (!latest.current.info) current.api.init(START_CONFIG).then(ready(START_CONFIG), (e: Error) => setError(e.message));
      }, setTuning);
      setApi(() => w.api); // a comlink proxy is callable: as a plain value setState would call it
      return w;
    };
    current = spawn();
    const remote = current.api;
    const large = firstConfig === START_CONFIG ? null : largeLinkOf(firstConfig);
    if (large) setLargeLink(large);
    const initial = large ? START_CONFIG : firstConfig;
    remote.init(initial).then(ready(initial), (e: Error) => {
      if (e.name === 'WorkerDied') return; // the new worker takes over (spawn)
      // navigator.gpu without an adapter (WebGPU switched off, no driver): runs can still be viewed
      const noAdapter = /^WebGPU is not available/.test(e.message);
      if (noAdapter) {
        setWebgpu(false);
        return setError(noWebGpuMessage({ hasWebGpu: true, hasAdapter: false, isSecureContext: window.isSecureContext, href: location.href }));
      }
      if (initial === START_CONFIG) return setError(e.message);
      setError(`The linked experiment could not start: ${e.message}. The default experiment is loaded instead.`);
      remote.init(START_CONFIG).then(ready(START_CONFIG), (e2: Error) => setError(e2.message));
    });
    return () => current.terminate();
  }, []);

  /** A transition: React renders the geometry views in interruptible slices, so an evaluation's heatmaps and scatter plots do not block input. */
  const showEvals = () => startTransition(() => act({ type: 'evalsShown' }));

  const onMetrics = (batch: MetricsBatch) => {
    act({ type: 'metrics', batch });
    if (batch.eval) showEvals();
  };

  /** Rebuilds both runs from step 0; on failure the runs in use stay (the worker keeps them). */
  const restart = async (next: PartialRunConfig, text: string | undefined) => {
    if (!api) return;
    try {
      const info = await api.init(next, { uploadText: text },
        Comlink.proxy((done: number, total: number) => setBpeProgress(done < total ? done / total : null)));
      newPair(info, next, text);
    } finally {
      setBpeProgress(null);
    }
  };

  /** After a pause: a checkpoint of both runs at this step, so a resume loses nothing. */
  const checkpointNow = async (remote: Comlink.Remote<TrainerApi>) => {
    const { history, checkpoint } = latest.current.recorded;
    const step = history.nitp.at(-1)?.step ?? 0;
    if (step === 0 || checkpoint?.step === step) return;
    act({ type: 'checkpoint', checkpoint: { step, ntp: await remote.exportCheckpoint('ntp'), nitp: await remote.exportCheckpoint('nitp') } });
  };

  /** text samples while training: set by the samples panel */
  const sampling = useRef<SampleOptions | undefined>(undefined);
  // stable: the (memoised) samples panel calls it from an effect
  const setSampling = useCallback((options: SampleOptions | undefined) => { sampling.current = options; }, []);

  const start = async () => {
    if (!api) return;
    setRunning(true);
    // a pair lost with its worker or device comes back from its last checkpoint first
    let rebuild = recovery !== null && (recovery.kind === 'worker' || recovery.kind === 'device');
    try {
      for (let losses = 0; ; ) {
        try {
          if (rebuild) await restoreCheckpoint();
          await api.start(Comlink.proxy(onMetrics), 10, sampling.current);
          await checkpointNow(api);
          return;
        } catch (e) {
          // a lost device with a new one ready: both runs are rebuilt from the last checkpoint and go on, without a reload
          if ((e as Error).name !== 'DeviceLost' || ++losses > MAX_DEVICE_RECOVERIES) throw e;
          const at = latest.current.recorded.checkpoint?.step ?? 0;
          setNotice(`${(e as Error).message.replace(/, and both runs continue.*$/, '.')} Both runs were rebuilt from the checkpoint of step ${at} and continue.`);
          rebuild = true;
        }
      }
    } catch (e) {
      // a diverged run keeps its last good checkpoint: the page offers to roll back to it
      const recovery = recoveryOf(e);
      if (recovery) setRecovery(recovery);
      else setError((e as Error).message); // a device that did not come back included: the worker says so
    } finally {
      setRunning(false);
    }
  };

  /**
   * Rebuilds the pair from its last good checkpoint (from step 0 when it has none) and continues
   * from there: the Roll back of a diverged run. The charts drop what came after the checkpoint.
   */
  const restoreCheckpoint = async () => {
    const s = latest.current;
    if (!api || !s.info || s.viewing) return;
    const { checkpoint } = s.recorded;
    const info = await api.init(s.info.config, { uploadText: s.uploadText });
    if (checkpoint) {
      // copies: the page keeps its checkpoint, the worker gets its own (transferred, not cloned)
      for (const run of ['ntp', 'nitp'] as const) await api.importCheckpoint(run, transferCopy(checkpoint[run]));
    }
    act({ type: 'restored', info });
    setRecovery(null);
    setError(null);
  };

  /** Continues a saved run from its checkpoint: both runs load it, the charts show what was saved up to it. */
  const resume = async (run: LoadedRun) => {
    const { meta, checkpoint } = run;
    if (!checkpoint) throw new Error(`"${meta.name}" has no saved checkpoint to continue from`);
    if (meta.config.data.corpus === 'upload') {
      throw new Error(`"${meta.name}" trained on the uploaded file "${meta.config.data.upload?.name}"; the lab does not keep uploads, so choose that file in the Data panel and train it again`);
    }
    const info = await api!.init(meta.config);
    try {
      await api!.importCheckpoint('ntp', transferCopy(checkpoint.ntp));
      await api!.importCheckpoint('nitp', transferCopy(checkpoint.nitp));
    } catch (e) {
      // the worker has the new pair now: the page shows it too, as a fresh run
      newPair(info, meta.config);
      throw e;
    }
    const { step } = checkpoint;
    const saved = { history: { ntp: upTo(run.history.ntp, step), nitp: upTo(run.history.nitp, step) }, evals: { ntp: upTo(run.evals.ntp, step), nitp: upTo(run.evals.nitp, step) }, checkpoint };
    newPair(info, meta.config, undefined, { meta, saved });
  };

  const runProbe = useCallback(async () => {
    if (!api) return;
    setProbing(true);
    try {
      act({ type: 'probe', probe: await api.probe() });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProbing(false);
    }
  }, [api, act]);

  return {
    api, error, running, probing, bpeProgress, tuning, ...state, history: state.recorded.history,
    start,
    setSampling,
    pause: () => api?.pause(),
    /** stops BPE training (or a resume's batch skipping) in the worker; the pair in use stays */
    cancel: () => api?.cancel(),
    stepOnce: async () => {
      if (!api) return;
      try {
        onMetrics({ steps: await api.step(1), tokensPerSecond: latest.current.tokensPerSecond });
      } catch (e) {
        const recovery = recoveryOf(e);
        if (recovery) setRecovery(recovery);
        else setError((e as Error).message);
      }
    },
    recovery,
    notice,
    /** Roll back: the pair continues from its last good checkpoint */
    restoreCheckpoint,
    largeLink,
    /** allocates the link's large model after all (the worker still refuses what does not fit, by name) */
    loadLargeLink: async () => {
      if (!largeLink) return;
      await restart(largeLink.config, undefined);
      setLargeLink(null);
    },
    dismissLargeLink: () => setLargeLink(null),
    reset: () => restart(state.config, state.uploadText),
    // the panel's config carries the data in use (its draft starts from the resolved config)
    applyConfig: (next: PartialRunConfig) => restart(next, state.uploadText),
    applyEvalSchedule: async (schedule: Pick<RunConfig['eval'], 'every' | 'early'>) => {
      if (api) act({ type: 'config', config: await api.setEvalSchedule(schedule) });
    },
    applyData: (choice: DataChoice) => restart({ ...state.config, data: choice.data }, choice.uploadText),
    resume,
    runProbe,
    /** shows a finished run read-only; the live pair stays in the worker */
    view: (content: RunFileContent, name: string, kind: ViewKind, galleryId?: string) => act({ type: 'view', content, name, kind, galleryId }),
    /** false where the browser has no WebGPU: runs can still be viewed */
    webgpu,
    /** back to the pair training here, as it was */
    unview: () => act({ type: 'unview' }),
    /** trains the viewed run's config here, as a new live pair */
    runViewedLive: () => (state.info ? restart(state.info.config, undefined) : Promise.resolve()),
    onImported: (run: RunName, step: number) => {
      act({ type: 'imported', run, step });
      showEvals();
    },
  };
}
