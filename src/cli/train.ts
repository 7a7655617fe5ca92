// train.ts: the command line. Trains one run in Node on WebGPU (Dawn) and writes what a
// reproducibility check needs:
//   npm run train -- [--config FILE.json | --preset ID] [--set section.field=value ...] [--steps N]
//                    [--out DIR] [--save-batches] [--text FILE.txt] [--checkpoint-every N] [--resume]
//                    [--adapter auto|default|swiftshader]   (src/gpu/node.ts: auto = this machine's GPU, else SwiftShader)
//                    [--kernels auto|registers|workgroup|matmul=…,rows=…]   kernel variants (gpu/kernels.ts);
//                    auto (default, or NITP_KERNELS) times them on the run's shapes once per adapter (gpu/tune.ts)
//                    [--memory-budget GiB]   GPU memory the run may use (default 4; model/memory.ts)
// --preset starts from a preset (model/presets.ts: tiny, teaching, paper); --set overrides any
// config field by its dotted name, validated like the field in a config file.
// --text trains on a text file (data.corpus "upload"): the config records its name, size and
// SHA-256; a config that already names an upload must be given the same file.
// DIR/config.json      the fully resolved config
// DIR/init.safetensors weights before the first update
// DIR/batches.safetensors (--save-batches) tensors "tokens" I32 [steps, B, T+1] and "eval" I32 [E, T+1]
//                      (the whole evaluation set, E = eval.sequences)
// DIR/metrics.jsonl    {"step","lr","loss","ntp","nitp","gradNorm"} per step (NaN/Inf → null, and the run stops);
//                      at step 0, on eval.early and every eval.every steps, and at the last step
//                      {"step","eval":{"layers":[{"layer","erank",
//                      "anisotropy","norm"}, ..., {"layer":"final",...}],"valNtp","valNitp"}}; at the end
//                      {"step","probe":[{"layer","accuracy","chance"}]} for a tagged corpus
// DIR/final.safetensors weights after the last step, with AdamW moments (not written when the run diverged;
//                      no file is written with a NaN/Inf weight: docs/method.md §4)
// DIR/checkpoint.safetensors (every --checkpoint-every steps, default 250) weights and AdamW
//                      moments; --resume continues the run in DIR from it, bit-identically to a
//                      run that never stopped (config from DIR/config.json; metrics.jsonl is cut
//                      back to the checkpoint's step and continued)
import { positiveInt, runAsCommand, walkArgs } from './args.ts';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { adapterLine, nodeGpu, parseAdapterRequest, type AdapterRequest } from '../gpu/node.ts';
import { parseKernels } from '../gpu/kernels.ts';
import { chooseKernels } from '../gpu/nodeKernels.ts';
import { kernelTuneShapes } from '../model/gpt.ts';
import { modelShape } from '../model/params.ts';
import { DEFAULT_CONFIG, resolveConfig, setField, type PartialRunConfig, type RunConfig, type UploadRecord } from '../model/config.ts';
import { PRESETS, presetById } from '../model/presets.ts';
import { checkUploadSize, MAX_UPLOAD_BYTES, validateUpload } from '../data/upload.ts';
import { FileBpeCache } from '../data/bpeCacheNode.ts';
import { checkCheckpointFits, checkCheckpointSize, NonFiniteCheckpointError, readCheckpoint, writeCheckpoint } from '../model/checkpoint.ts';
import { writeSafetensors } from '../io/safetensors.ts';
import { Trainer } from '../train/trainer.ts';
import { Evaluator } from '../train/evaluator.ts';
import { DivergenceError, trainLoop } from '../train/loop.ts';
import type { EvalRecord, StepMetrics } from '../train/protocol.ts';
import { loadDataset } from '../data/runData.ts';
import { checkMemoryPlan, MEMORY_BUDGET_BYTES, runMemoryPlan } from '../model/memory.ts';
import { GpuFailure, uncapturedFailure, withErrorScopes } from '../gpu/errors.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';

interface Args {
  config: string | null;
  preset: string | null;
  /** --set assignments, in order */
  set: string[];
  steps: number | null;
  out: string;
  saveBatches: boolean;
  text: string | null;
  checkpointEvery: number;
  resume: boolean;
  adapter: AdapterRequest;
  /** --kernels: a forced kernel choice, or null to tune (gpu/nodeKernels.ts) */
  kernels: string | null;
  /** GPU memory the run may use, bytes (--memory-budget GiB) */
  memoryBudget: number;
}

const USAGE = 'usage: npm run train -- [--config FILE.json | --preset ID] [--set section.field=value ...] [--steps N] [--out DIR] ' +
  '[--save-batches] [--text FILE.txt] [--checkpoint-every N] [--resume] [--adapter auto|default|swiftshader] [--kernels auto|registers|workgroup] [--memory-budget GiB]';

export function parseArgs(argv: string[]): Args {
  const args: Args = { config: null, preset: null, set: [], steps: null, out: 'runs/latest', saveBatches: false, text: null, checkpointEvery: 250, resume: false, adapter: 'auto', kernels: null, memoryBudget: MEMORY_BUDGET_BYTES };
  walkArgs(argv, USAGE, (a, value) => {
    if (a === '--config') args.config = value();
    else if (a === '--preset') args.preset = value();
    else if (a === '--set') args.set.push(value());
    else if (a === '--steps') args.steps = positiveInt(a, value());
    else if (a === '--checkpoint-every') args.checkpointEvery = positiveInt(a, value());
    else if (a === '--resume') args.resume = true;
    else if (a === '--out') args.out = value();
    else if (a === '--save-batches') args.saveBatches = true;
    else if (a === '--text') args.text = value();
    else if (a === '--adapter') args.adapter = parseAdapterRequest(value());
    else if (a === '--kernels') {
      args.kernels = value();
      parseKernels(args.kernels); // refused here, before anything runs
    } else if (a === '--memory-budget') {
      const v = value();
      const gib = Number(v);
      if (!(gib > 0 && gib <= 1024)) throw new Error(`--memory-budget must be a number of GiB in (0, 1024], got "${v}"`);
      args.memoryBudget = gib * 2 ** 30;
    }
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  });
  if (args.resume && (args.config || args.preset || args.set.length > 0 || args.steps !== null || args.saveBatches)) {
    throw new Error('--resume continues the run in --out DIR with its own config.json: leave out --config, --preset, --set, --steps and --save-batches');
  }
  if (args.config && args.preset) throw new Error('--config and --preset both give a starting config: choose one (and adjust it with --set)');
  if (args.preset && !presetById(args.preset)) {
    throw new Error(`--preset: no preset "${args.preset}"; presets are ${PRESETS.map((p) => p.id).join(', ')}`);
  }
  return args;
}

/** JSON number, or null for NaN/Inf. */
function finite(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}

/** One metrics.jsonl line; NaN and ±Inf become null. */
export function metricsLine(m: StepMetrics): string {
  return JSON.stringify({ step: m.step, lr: finite(m.lr), loss: finite(m.loss), ntp: finite(m.ntp), nitp: finite(m.aux), gradNorm: finite(m.gradNorm) });
}

/** One metrics.jsonl evaluation line (the weights after step s's update). */
export function evalLine(r: EvalRecord): string {
  return JSON.stringify({
    step: r.step,
    eval: {
      layers: r.layers.map((l) => ({ layer: l.layer, erank: finite(l.erank), anisotropy: finite(l.anisotropy), norm: finite(l.norm) })),
      valNtp: finite(r.valNtp),
      valNitp: finite(r.valAux),
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  let raw: unknown = {};
  const configFile = args.resume ? join(args.out, 'config.json') : args.config;
  if (configFile) {
    if (args.resume && !existsSync(configFile)) throw new Error(`--resume: ${configFile} does not exist; is ${args.out} a run directory?`);
    const text = readFileSync(configFile, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${configFile} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (args.preset) raw = presetById(args.preset)!.config;
  if (args.steps !== null) {
    const r = raw as { train?: Record<string, unknown> };
    raw = { ...r, train: { ...(r.train ?? {}), steps: args.steps } };
  }
  for (const assignment of args.set) raw = setField(raw as PartialRunConfig, assignment);
  let uploadText: string | undefined;
  if (args.text) {
    const r = raw as { data?: Record<string, unknown>; model?: { contextLength?: number }; train?: { batchSize?: number } };
    const T = r.model?.contextLength ?? DEFAULT_CONFIG.model.contextLength;
    // refused by its size before it is read
    checkUploadSize(statSync(args.text).size, basename(args.text), MAX_UPLOAD_BYTES);
    const upload = await validateUpload(new Uint8Array(readFileSync(args.text)), basename(args.text), {
      maxBytes: MAX_UPLOAD_BYTES, minTokens: 10 * (T + 1),
    });
    const given = r.data?.upload as UploadRecord | undefined;
    if (given && given.sha256 !== upload.sha256) {
      throw new Error(`${args.text} is not the file this config was made with: its SHA-256 is ${upload.sha256}, the config names ` +
        `"${given.name}" (${given.size} bytes, SHA-256 ${given.sha256})`);
    }
    raw = { ...r, data: { ...(r.data ?? {}), corpus: 'upload', upload: { name: given?.name ?? basename(args.text), size: upload.size, sha256: upload.sha256 } } };
    uploadText = upload.text;
  }
  const config: RunConfig = resolveConfig(raw);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  const data = await loadDataset(config, nodeCorpusSource(), { uploadText, bpeCache: new FileBpeCache() });
  const note = (data.tokenizer as { note?: string }).note;
  if (note) console.log(note);
  const floor = data.lossFloor(config.model.contextLength);
  if (floor !== null) console.log(`loss floor of ${data.name} (ideal predictor): ${floor.toFixed(4)} nats/token`);
  const gpu = await nodeGpu(args.adapter);
  console.log(adapterLine(gpu));
  // every buffer against the adapter's limits and the budget before anything is allocated
  checkMemoryPlan(runMemoryPlan(config, data.vocabSize), gpu.device.limits, args.memoryBudget, 'the run needs');
  console.log((await chooseKernels(gpu, kernelTuneShapes(config, modelShape(config, data.vocabSize)), args.kernels ?? undefined)).line);
  const trainer = await withErrorScopes(gpu.device, 'Allocating the run', () => new Trainer(gpu, config, data), (t) => t?.destroy());
  const { B } = trainer.model;
  const T = trainer.shape.T;
  const steps = config.train.steps;
  console.log(
    `NITP Lab: ${trainer.layout.count.toLocaleString('en-US')} parameters, V=${trainer.shape.V}, ` +
      `${steps} steps of ${B}x${T} tokens on ${gpu.description}`,
  );
  const tokenizerJson = data.tokenizer.toJSON();
  const checkpointPath = join(args.out, 'checkpoint.safetensors');
  const metricsPath = join(args.out, 'metrics.jsonl');
  // metrics.jsonl grows as the run goes: a long run shows progress, and a crash loses nothing.
  let kept: string[] = [];
  if (args.resume) {
    if (!existsSync(checkpointPath)) throw new Error(`--resume: ${checkpointPath} does not exist (checkpoints are written every --checkpoint-every steps)`);
    checkCheckpointSize(statSync(checkpointPath).size, trainer.layout.totalFloats, checkpointPath);
    const checkpoint = readCheckpoint(readFileSync(checkpointPath), trainer.layout);
    checkCheckpointFits(checkpoint.metadata, config, tokenizerJson); // its step within train.steps, among others
    if (!checkpoint.optimizer) throw new Error(`--resume: ${checkpointPath} has no AdamW moments (optim.m.*, optim.v.*)`);
    if (checkpoint.metadata.config !== JSON.stringify(config)) throw new Error(`--resume: ${checkpointPath} was written with a different config than ${args.out}/config.json`);
    trainer.resume({ params: checkpoint.params, ...checkpoint.optimizer, step: checkpoint.step });
    // the metrics of steps after the checkpoint are computed again
    kept = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l && !l.includes('"probe"') && JSON.parse(l).step <= checkpoint.step);
    console.log(`resuming ${args.out} after step ${checkpoint.step}`);
  } else {
    writeFileSync(join(args.out, 'init.safetensors'), writeCheckpoint(trainer.layout, { params: await trainer.readParams(), step: 0 }, config, tokenizerJson));
  }
  const saveCheckpoint = async (path: string) => {
    const params = await trainer.readParams();
    const optimizer = await trainer.readOptimizerState();
    // written whole, then renamed: a run killed mid-write keeps its previous checkpoint
    writeFileSync(path + '.tmp', writeCheckpoint(trainer.layout, { params, optimizer, step: trainer.step }, config, tokenizerJson));
    renameSync(path + '.tmp', path);
  };

  const evaluator = await withErrorScopes(gpu.device, 'Allocating the evaluation', () => new Evaluator(trainer), (e) => e?.destroy());
  writeFileSync(metricsPath, kept.map((l) => l + '\n').join(''));
  const emit = (line: string) => appendFileSync(metricsPath, line + '\n');
  const progressEvery = 50;
  const started = performance.now();
  let stepsLogged = kept.filter((l) => !l.includes('"eval"')).length;
  let failure: string | null = null;
  let lastEval = null as EvalRecord | null;
  try {
    // named as the lab names it, so a divergence message says "the NITP run" or "the NTP run"
    const name = config.nitp.lambda > 0 ? 'nitp' : 'ntp';
    await trainLoop({ [name]: { trainer, evaluator } }, async (r) => {
      for (const m of r.steps[name]) emit(metricsLine(m));
      stepsLogged += r.steps[name].length;
      if (r.eval) {
        emit(evalLine(r.eval[name]));
        lastEval = r.eval[name];
      }
      const last = r.steps[name].at(-1);
      if (last && (r.step % progressEvery === 0 || r.step === steps)) {
        console.log(`step ${r.step}/${steps} loss ${last.loss.toFixed(4)} ntp ${last.ntp.toFixed(4)}` +
          `${last.aux !== null ? ` nitp ${last.aux.toFixed(4)}` : ''} lr ${last.lr.toExponential(2)} ${r.tokensPerSecond.toFixed(0)} tok/s`);
      }
      if (r.checkpoint) await saveCheckpoint(checkpointPath);
    }, {
      reportEvery: progressEvery,
      evalSchedule: () => config.eval,
      checkpointDue: (step) => step % args.checkpointEvery === 0 && step < steps,
      gpuFailure: () => uncapturedFailure(gpu),
    });
  } catch (e) {
    // a diverged run keeps its last good checkpoint.safetensors (writeCheckpoint refuses NaN/Inf)
    if (!(e instanceof DivergenceError || e instanceof NonFiniteCheckpointError || e instanceof GpuFailure)) throw e;
    failure = e.message;
  }
  const evalSeconds = evaluator.seconds;
  const trainSeconds = (performance.now() - started) / 1000;
  if (!failure) {
    const probe = await evaluator.probe();
    if (probe) {
      emit(JSON.stringify({ step: trainer.step, probe }));
      console.log(`part-of-speech probe accuracy: ${probe.map((p) => `${p.layer} ${(100 * p.accuracy).toFixed(1)}%`).join(', ')} (chance ${(100 * probe[0].chance).toFixed(1)}%)`);
    }
  }
  console.log(`evaluation took ${evalSeconds.toFixed(1)} s of ${trainSeconds.toFixed(1)} s (${((100 * evalSeconds) / trainSeconds).toFixed(1)}%)`);
  evaluator.destroy();
  if (args.saveBatches) {
    // the batch stream is deterministic: drawn again, it gives the batches the run trained on
    const stream = trainer.trainingBatches();
    const batches = new Int32Array(stepsLogged * B * (T + 1));
    for (let s = 0; s < stepsLogged; s++) batches.set(stream.next().tokens, s * B * (T + 1));
    writeFileSync(join(args.out, 'batches.safetensors'), writeSafetensors([
      { name: 'tokens', dtype: 'I32', shape: [stepsLogged, B, T + 1], data: batches },
      { name: 'eval', dtype: 'I32', shape: [config.eval.sequences, T + 1], data: trainer.evaluationSet.tokens },
    ], {}));
  }
  if (failure) {
    // a diverged run has no final weights: final.safetensors would pass them off as a result
    console.log('final.safetensors not written: the run stopped early');
  } else {
    const params = await trainer.readParams();
    const optimizer = await trainer.readOptimizerState();
    writeFileSync(join(args.out, 'final.safetensors'), writeCheckpoint(trainer.layout, { params, optimizer, step: trainer.step }, config, tokenizerJson));
  }
  if (lastEval) console.log(`validation at step ${lastEval.step}: ntp ${lastEval.valNtp.toFixed(4)}${lastEval.valAux !== null ? ` nitp ${lastEval.valAux.toFixed(4)}` : ''}`);
  console.log(`wrote ${args.out}`);
  trainer.destroy();
  if (failure) {
    console.error(failure);
    return 1;
  }
  return 0;
}

runAsCommand(import.meta.url, main);
