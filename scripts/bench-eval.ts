// bench-eval.ts: what an evaluation costs at a given width, and its share of training time.
//   npm run bench:eval [-- --width 512 --steps 2 --repeats 2 --adapter auto --json]
//   npm run bench:eval -- --eigen-only [--widths 256,512,1024,2048 --jacobi-max 1024 --json]
//
// Default config at width d (L = 4, T = 64, B = 32, eval.sequences 64; heads 4, or the largest
// count below 4 that divides d). Reports:
//   - the training step time and the time of one Evaluator.evaluate() (eval-set forward passes,
//     GPU covariance and cosines, readbacks, CPU eigen part, PCA projection): medians, from
//     bench/measure.ts measureEvalCost;
//   - the CPU eigen part alone, per layer, on the covariances of the model's own hidden states
//     (one forward chunk of B sequences, covariance in float64 on the CPU): the Jacobi
//     eigendecomposition the evaluator used before (symmetricEigen) against today's layerGeometry
//     (eigenvalues only; the final layer also the eigenvectors of its 3 PCA axes);
//   - the evaluation's share of training time at the default schedule (eval.every = 50 over
//     train.steps, step 0 and the last step included), measured, and as it would be with Jacobi
//     (the measured evaluation with its CPU eigen part swapped for Jacobi's);
//   - a verdict against the 10% target.
// --eigen-only times the CPU solvers alone on synthetic covariances (no GPU): Householder + QR
// eigenvalues, plus the top-3 eigenvectors, against Jacobi up to --jacobi-max.
import { adapterLine, nodeGpu, parseAdapterRequest } from '../src/gpu/node.ts';
import { resolveConfig, type RunConfig } from '../src/model/config.ts';
import { measureEvalCost } from '../src/bench/measure.ts';
import { loadDataset } from '../src/data/runData.ts';
import { nodeCorpusSource } from '../src/data/nodeSource.ts';
import { Trainer } from '../src/train/trainer.ts';
import { readFloats } from '../src/gpu/buffers.ts';
import { covarianceStats } from '../src/ref/metrics.ts';
import { covarianceStatsLayout, layerGeometry } from '../src/metrics/geometry.ts';
import { symmetricEigen, symmetricEigenTop, symmetricEigenvalues } from '../src/metrics/eigen.ts';
import { Rng } from '../src/util/rng.ts';
import { positiveInt, runAsCommand, walkArgs } from '../src/cli/args.ts';

const USAGE = 'usage: npm run bench:eval -- [--width D] [--steps N] [--repeats R] [--adapter auto|default|swiftshader] [--json]\n' +
  '       npm run bench:eval -- --eigen-only [--widths 256,512,...] [--jacobi-max D] [--json]';
const TARGET_SHARE = 0.1;

interface Options {
  width: number;
  steps: number;
  repeats: number;
  adapter: string;
  json: boolean;
  eigenOnly: boolean;
  widths: number[];
  jacobiMax: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { width: 512, steps: 2, repeats: 2, adapter: 'auto', json: false, eigenOnly: false, widths: [256, 512, 1024, 2048], jacobiMax: 1024 };
  walkArgs(argv, USAGE, (flag, value) => {
    if (flag === '--width') o.width = positiveInt(flag, value());
    else if (flag === '--steps') o.steps = positiveInt(flag, value());
    else if (flag === '--repeats') o.repeats = positiveInt(flag, value());
    else if (flag === '--adapter') o.adapter = value();
    else if (flag === '--json') o.json = true;
    else if (flag === '--eigen-only') o.eigenOnly = true;
    else if (flag === '--widths') o.widths = value().split(',').map((w) => positiveInt(flag, w));
    else if (flag === '--jacobi-max') o.jacobiMax = positiveInt(flag, value());
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  });
  return o;
}

/** Milliseconds `f` takes, and what it returned. */
function timed<T>(f: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = f();
  return { ms: performance.now() - t0, result };
}

/** The default config at width d, with as many heads as the default (4) where they divide d. */
function configAt(width: number): RunConfig {
  let nHead = resolveConfig({}).model.nHead;
  while (width % nHead !== 0) nHead--;
  return resolveConfig({ model: { dModel: width, nHead } });
}

interface LayerEigenTiming {
  layer: string;
  jacobiMs: number;
  newMs: number;
  /** max |λ_new − λ_jacobi| / λ_max over the layer's spectrum */
  maxValueError: number;
  /** eigenvectors the new path computed (the final layer's PCA axes need ≥ 3) */
  vectors: number;
}

/**
 * The CPU eigen part on real covariances: one forward chunk (the first B evaluation sequences)
 * through `trainer`, each layer's hidden states read back, covariance in float64 on the CPU.
 */
async function layerEigenTimings(trainer: Trainer): Promise<LayerEigenTiming[]> {
  const { model } = trainer;
  const { T, C } = trainer.shape;
  const B = model.B;
  const tokens = trainer.evaluationSet.tokens;
  const E = tokens.length / (T + 1);
  const chunk = new Int32Array(B * (T + 1));
  for (let b = 0; b < B; b++) chunk.set(tokens.subarray((b % E) * (T + 1), (b % E + 1) * (T + 1)), b * (T + 1));
  trainer.forward(chunk);
  const sources = [...model.res.map((buffer, k) => ({ name: String(k), buffer })), { name: 'final', buffer: model.lnf }];
  const layout = covarianceStatsLayout(C);
  // JIT warm-up, so that layer 0 is not charged for compiling the solvers
  layerGeometry(new Float64Array(covarianceStatsLayout(64).floats).fill(1), new Float64Array(1), 64, 3);
  symmetricEigen(syntheticCovariance(64), 64);
  const out: LayerEigenTiming[] = [];
  for (const [i, { name, buffer }] of sources.entries()) {
    const hidden = await readFloats(model.device, buffer, B * T * C);
    const stats = new Float64Array(layout.floats);
    covarianceStats(stats, hidden, B * T, C);
    const final = i === sources.length - 1;
    const fresh = timed(() => layerGeometry(stats, new Float64Array(1), C, final ? 3 : 0));
    const jacobi = timed(() => symmetricEigen(stats.subarray(layout.cov), C));
    let err = 0;
    for (let j = 0; j < C; j++) err = Math.max(err, Math.abs(fresh.result.eigen.values[j] - jacobi.result.values[j]));
    const vectors = fresh.result.eigen.vectors.length / C;
    out.push({ layer: name, jacobiMs: jacobi.ms, newMs: fresh.ms, maxValueError: err / Math.abs(jacobi.result.values[0] || 1), vectors });
  }
  return out;
}

async function benchEvaluation(o: Options): Promise<void> {
  const config = configAt(o.width);
  const gpu = await nodeGpu(parseAdapterRequest(o.adapter));
  const data = await loadDataset(config, nodeCorpusSource());
  const { nLayer, dModel, nHead, contextLength } = config.model;
  const log = (line: string) => {
    if (!o.json) console.log(line);
  };
  log(adapterLine(gpu));
  log(`model: L=${nLayer} d=${dModel} heads=${nHead} T=${contextLength} B=${config.train.batchSize} V=${data.vocabSize}; ` +
    `eval.sequences=${config.eval.sequences}, eval.every=${config.eval.every}, train.steps=${config.train.steps}`);

  const trainer = new Trainer(gpu, config, data);
  trainer.trainStep();
  await trainer.flushMetrics();
  const layers = await layerEigenTimings(trainer);
  trainer.destroy();
  log(`CPU eigen part per layer (d=${dModel}; covariance of ${config.train.batchSize * contextLength} hidden states):`);
  for (const l of layers) {
    log(`  layer ${l.layer.padEnd(5)} Jacobi ${l.jacobiMs.toFixed(0).padStart(7)} ms   new ${l.newMs.toFixed(0).padStart(5)} ms` +
      `${l.vectors > 0 ? ` (+${l.vectors} eigenvectors for PCA)` : ''}   max |Δλ| ${l.maxValueError.toExponential(1)}·λ_max`);
  }
  const jacobiMs = layers.reduce((a, l) => a + l.jacobiMs, 0);
  const newMs = layers.reduce((a, l) => a + l.newMs, 0);
  log(`  all ${layers.length} layers: Jacobi ${jacobiMs.toFixed(0)} ms, new ${newMs.toFixed(0)} ms (${(jacobiMs / newMs).toFixed(1)}x faster)`);

  log(`timing training steps and evaluations: ${o.steps} steps per run, median of ${o.repeats} runs ...`);
  const cost = await measureEvalCost(gpu, config, data, o.steps, o.repeats);
  const jacobiEvalMs = cost.msPerEvaluation - newMs + jacobiMs;
  const jacobiShare = (cost.evaluations * jacobiEvalMs) / (cost.steps * cost.msPerStep);
  const verdict = cost.share <= TARGET_SHARE ? 'within' : 'over';
  log(`training step: ${cost.msPerStep.toFixed(0)} ms`);
  log(`one evaluation: ${cost.msPerEvaluation.toFixed(0)} ms (of which CPU eigen part ~${newMs.toFixed(0)} ms; with Jacobi it would be ~${jacobiEvalMs.toFixed(0)} ms)`);
  log(`evaluations: ${cost.evaluations} in ${cost.steps} steps (eval.every=${config.eval.every})`);
  log(`evaluation share of training time: ${(100 * cost.share).toFixed(1)}% (with the Jacobi eigen part: ${(100 * jacobiShare).toFixed(1)}%)`);
  log(`verdict: d=${dModel} evaluation is ${(100 * cost.share).toFixed(1)}% of training time, ${verdict} the ${100 * TARGET_SHARE}% target`);
  if (o.json) {
    console.log(JSON.stringify({
      adapter: adapterLine(gpu), width: dModel, nLayer, nHead, T: contextLength, B: config.train.batchSize,
      evalSequences: config.eval.sequences, evalEvery: config.eval.every, trainSteps: cost.steps,
      msPerStep: cost.msPerStep, msPerEvaluation: cost.msPerEvaluation, evaluations: cost.evaluations,
      share: cost.share, jacobiShareEstimate: jacobiShare, jacobiEvaluationMsEstimate: jacobiEvalMs,
      eigenPerLayer: layers, targetShare: TARGET_SHARE, withinTarget: cost.share <= TARGET_SHARE,
    }, null, 2));
  }
}

/**
 * A dense SPD matrix like a layer's covariance: XᵀX/N for N = 2n Gaussian rows with column
 * scales decaying as 1/sqrt(1 + j/8) (a spectrum that falls off, no exact degeneracy).
 */
function syntheticCovariance(n: number): Float64Array {
  const rng = new Rng(n, 'bench-eval');
  const N = 2 * n;
  const x = rng.fillNormal(new Float64Array(N * n), 1);
  for (let r = 0; r < N; r++) for (let j = 0; j < n; j++) x[r * n + j] /= Math.sqrt(1 + j / 8);
  const a = new Float64Array(n * n);
  for (let r = 0; r < N; r++) {
    const row = x.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) {
      const xi = row[i] / N;
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) a[i * n + j] += xi * row[j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}

interface EigenWidthTiming {
  width: number;
  valuesMs: number;
  top3Ms: number;
  jacobiMs: number | null;
  /** max |λ_new − λ_jacobi| / λ_max, where Jacobi ran */
  maxValueError: number | null;
}

function benchEigenOnly(o: Options): void {
  const rows: EigenWidthTiming[] = [];
  symmetricEigenTop(syntheticCovariance(64), 64, 3); // JIT warm-up
  symmetricEigen(syntheticCovariance(64), 64);
  for (const n of o.widths) {
    const a = syntheticCovariance(n);
    const values = timed(() => symmetricEigenvalues(a, n));
    const top3 = timed(() => symmetricEigenTop(a, n, 3));
    let jacobiMs: number | null = null;
    let maxValueError: number | null = null;
    if (n <= o.jacobiMax) {
      const jacobi = timed(() => symmetricEigen(a, n));
      jacobiMs = jacobi.ms;
      maxValueError = 0;
      for (let i = 0; i < n; i++) maxValueError = Math.max(maxValueError, Math.abs(values.result[i] - jacobi.result.values[i]));
      maxValueError /= jacobi.result.values[0];
    }
    const row = { width: n, valuesMs: values.ms, top3Ms: top3.ms, jacobiMs, maxValueError };
    rows.push(row);
    if (!o.json) {
      console.log(`d=${String(n).padStart(5)}: eigenvalues ${values.ms.toFixed(0).padStart(7)} ms, eigenvalues + top-3 vectors ${top3.ms.toFixed(0).padStart(7)} ms, ` +
        (jacobiMs === null ? `Jacobi skipped (> --jacobi-max ${o.jacobiMax})` : `Jacobi ${jacobiMs.toFixed(0).padStart(7)} ms (${(jacobiMs / values.ms).toFixed(1)}x), max |Δλ| ${maxValueError!.toExponential(1)}·λ_max`));
    }
  }
  if (o.json) console.log(JSON.stringify({ eigenOnly: rows }, null, 2));
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o.eigenOnly) benchEigenOnly(o);
  else await benchEvaluation(o);
  return 0;
}

runAsCommand(import.meta.url, main);
