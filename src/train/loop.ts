// loop.ts: the one training schedule, run by both hosts (the browser worker trains an NTP/NITP
// pair, the CLI one run). It trains in chunks that end where something is due, reads the step
// metrics back once per chunk (never inside a step), stops on divergence before anything of the
// diverged chunk is evaluated or checkpointed, evaluates on the config's schedule (step 0 first),
// asks the host for checkpoints, and stops at the last step or when the host asks.
//
// The host sees only reports, in order; what it does with them (messages to the page, lines in
// metrics.jsonl, progress on the console, checkpoint files) is its own.
import { evaluatesAt, type EvalConfig } from '../model/config.ts';
import { trainTogether, type Trainer } from './trainer.ts';
import type { Evaluator } from './evaluator.ts';
import type { EvalRecord, StepMetrics } from './protocol.ts';
import { GpuFailure } from '../gpu/errors.ts';

export interface LoopRun {
  trainer: Trainer;
  evaluator: Evaluator;
}

export interface LoopReport<K extends string> {
  /** updates done by every run after this chunk */
  step: number;
  /** each run's metrics of the steps since the previous report (empty for the step-0 evaluation) */
  steps: Record<K, StepMetrics[]>;
  /** each run's evaluation of the weights after `step`, when one was due */
  eval: Record<K, EvalRecord> | null;
  /** whether the host should checkpoint now (its checkpointDue said so and nothing diverged) */
  checkpoint: boolean;
  /** tokens per second and run since this call started */
  tokensPerSecond: number;
}

export interface LoopOptions {
  /** the most steps between reports (at most the trainer's metrics ring) */
  reportEvery: number;
  /** the evaluation schedule; read at every chunk, so a host may change it between chunks */
  evalSchedule: () => EvalConfig;
  /** steps after which the host keeps a checkpoint */
  checkpointDue?: (step: number) => boolean;
  /** asked between chunks: true ends the loop early (a pause) */
  shouldStop?: () => boolean;
  /** whether a run at step 0 is evaluated before its first update (default true; false when the host already has that evaluation) */
  evaluateStepZero?: boolean;
  /**
   * Asked after every readback, before anything is reported: a message stops the run with a
   * GpuFailure (an uncaptured GPU error: gpu/errors.ts uncapturedFailure). Metrics read from a
   * failed buffer are never reported.
   */
  gpuFailure?: () => string | null;
}

/** A run whose loss or gradient went non-finite, or whose loss went far above a uniform guess. */
export class DivergenceError extends Error {
  constructor(readonly run: string, readonly step: number, message: string) {
    super(message);
    this.name = 'DivergenceError';
  }
}

const HINT = 'Try a lower train.lr, and keep train.gradClip on.';

/**
 * The NTP loss above which a run counts as diverged: max(3·ln V, 10) nats. A uniform guess
 * scores ln V, so this is far outside training (docs/method.md §4, "Divergence").
 */
export function divergenceBound(vocabSize: number): number {
  return Math.max(3 * Math.log(vocabSize), 10);
}

/**
 * Why a step's metrics stop the run (a NaN or infinite loss or gradient norm, or an NTP loss
 * above divergenceBound(vocabSize) when the vocabulary size is given), or null.
 */
export function divergenceMessage(run: string, m: StepMetrics, vocabSize?: number): string | null {
  if (![m.loss, m.ntp, m.gradNorm, m.aux ?? 0].every(Number.isFinite)) {
    return `step ${m.step}: the ${run} run's loss or gradient norm is not finite (loss ${m.loss}, ntp ${m.ntp}, nitp ${m.aux}, ` +
      `gradNorm ${m.gradNorm}); training stopped. ${HINT}`;
  }
  if (vocabSize !== undefined && m.ntp > divergenceBound(vocabSize)) {
    return `step ${m.step}: the ${run} run's loss diverged: ntp ${m.ntp.toFixed(2)} nats, above the bound ${divergenceBound(vocabSize).toFixed(2)} ` +
      `(max(3·ln V, 10); a uniform guess over V = ${vocabSize} scores ${Math.log(vocabSize).toFixed(2)}), gradNorm ${m.gradNorm.toPrecision(4)}; ` +
      `training stopped. ${HINT}`;
  }
  return null;
}

/** Why an evaluation stops the run (a non-finite validation loss, or one above the bound), or null. */
export function evalDivergenceMessage(run: string, r: Pick<EvalRecord, 'step' | 'valNtp' | 'valAux'>, vocabSize: number): string | null {
  const bound = divergenceBound(vocabSize);
  if (!Number.isFinite(r.valNtp) || (r.valAux !== null && !Number.isFinite(r.valAux)) || r.valNtp > bound) {
    return `step ${r.step}: the ${run} run's evaluation diverged (valNtp ${r.valNtp}, valNitp ${r.valAux}; bound ${bound.toFixed(2)} nats); ` +
      `training stopped. ${HINT}`;
  }
  return null;
}

const evalDue = (schedule: EvalConfig, step: number, total: number) => evaluatesAt(schedule, total, step);

/**
 * Trains every run in lock-step from their current step to train.steps (all runs must be at the
 * same step). Resolves 'done' at the last step, 'stopped' when shouldStop said so; rejects with a
 * DivergenceError after reporting the chunk that diverged (its metrics up to the bad step).
 */
export async function trainLoop<K extends string>(
  runs: Record<K, LoopRun>,
  report: (r: LoopReport<K>) => Promise<void> | void,
  options: LoopOptions,
): Promise<'done' | 'stopped'> {
  const names = Object.keys(runs) as K[];
  const lead = runs[names[0]].trainer;
  const total = lead.config.train.steps;
  const startStep = lead.step;
  const started = performance.now();
  const tokensPerSecond = () => ((lead.step - startStep) * lead.model.B * lead.shape.T) / Math.max(1e-9, (performance.now() - started) / 1000);
  const each = <T>(f: (run: LoopRun) => Promise<T>) => Promise.all(names.map((n) => f(runs[n]))).then((xs) => Object.fromEntries(names.map((n, i) => [n, xs[i]])) as Record<K, T>);
  const checkpointDue = options.checkpointDue ?? (() => false);
  const checkGpu = () => {
    const failure = options.gpuFailure?.();
    if (failure) throw new GpuFailure(failure);
  };

  if (lead.step === 0 && options.evaluateStepZero !== false && evalDue(options.evalSchedule(), 0, total)) {
    // where the geometry starts from: the weights before any update
    const steps = Object.fromEntries(names.map((n) => [n, []])) as unknown as Record<K, StepMetrics[]>;
    const evaluation = await evaluateInOrder(runs, names);
    checkGpu();
    const badEval = firstEvalDivergence(runs, names, evaluation);
    if (badEval) throw badEval;
    await report({ step: 0, steps, eval: evaluation, checkpoint: false, tokensPerSecond: 0 });
  }
  while (lead.step < total) {
    if (options.shouldStop?.()) return 'stopped';
    const schedule = options.evalSchedule();
    // the chunk ends at the first step where an evaluation or checkpoint is due
    let end = lead.step + 1;
    const last = Math.min(total, lead.step + options.reportEvery);
    while (end < last && !evalDue(schedule, end, total) && !checkpointDue(end)) end++;
    const trainers = names.map((n) => runs[n].trainer);
    while (lead.step < end) trainTogether(trainers);
    const steps = await each((run) => run.trainer.flushMetrics());
    checkGpu();
    let diverged: DivergenceError | null = null;
    for (const n of names) {
      for (const m of steps[n]) {
        const message = divergenceMessage(n.toUpperCase(), m, runs[n].trainer.shape.V);
        if (message === null) continue;
        if (!diverged || m.step < diverged.step) diverged = new DivergenceError(n.toUpperCase(), m.step, message);
        break;
      }
    }
    if (diverged) {
      const upTo = diverged.step;
      for (const n of names) steps[n] = steps[n].filter((m) => m.step <= upTo);
      await report({ step: upTo, steps, eval: null, checkpoint: false, tokensPerSecond: tokensPerSecond() });
      throw diverged;
    }
    const evaluation = evalDue(schedule, end, total) ? await evaluateInOrder(runs, names) : null;
    if (evaluation) checkGpu();
    // checked before the report: the host checkpoints on it
    const badEval = evaluation && firstEvalDivergence(runs, names, evaluation);
    if (badEval) {
      await report({ step: end, steps, eval: null, checkpoint: false, tokensPerSecond: tokensPerSecond() });
      throw badEval;
    }
    await report({ step: end, steps, eval: evaluation, checkpoint: checkpointDue(end), tokensPerSecond: tokensPerSecond() });
  }
  return 'done';
}

function firstEvalDivergence<K extends string>(runs: Record<K, LoopRun>, names: K[], evaluation: Record<K, EvalRecord>): DivergenceError | null {
  for (const n of names) {
    const message = evalDivergenceMessage(n.toUpperCase(), evaluation[n], runs[n].trainer.shape.V);
    if (message) return new DivergenceError(n.toUpperCase(), evaluation[n].step, message);
  }
  return null;
}

/** Evaluates the runs one after another (they share the GPU queue; order keeps runs reproducible). */
async function evaluateInOrder<K extends string>(runs: Record<K, LoopRun>, names: K[]): Promise<Record<K, EvalRecord>> {
  const out = {} as Record<K, EvalRecord>;
  for (const n of names) out[n] = await runs[n].evaluator.evaluate();
  return out;
}
