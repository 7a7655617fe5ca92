// bench-matmul.ts: GFLOP/s of both matmul kernels on the default lab model's shapes (rows
// N = B*T = 2048, C = 64) for the three passes, forward (NT + bias), dinp (NN) and dweight (TN, +=),
// and on 1024³, then the bias gradient (column sums of dout). Each timing is one submission of R identical dispatches, closed by
// onSubmittedWorkDone; the median of several runs is reported.
// Run: node --import tsx --import ./scripts/node-hooks.mjs scripts/bench-matmul.ts [--quick] [--only TEXT]
// (--quick: fewer runs, no 1024³; --only: shapes whose name contains TEXT)
//
// Other processes on a 2-core machine distort wall time. On Linux a second column divides the
// flops by the CPU time of the process's worker threads (SwiftShader's) spread over 2 cores:
// close to the wall figure on an idle machine, and stable when it is not.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { nodeGpu } from '../src/gpu/node.ts';
import { Program } from '../src/gpu/program.ts';
import { createStorage } from '../src/gpu/buffers.ts';
import { matmul, matmulBackwardBias, type MatmulVariant } from '../src/gpu/ops/matmul.ts';

interface Shape {
  name: string;
  M: number; N: number; K: number;
  transA: boolean; transB: boolean;
  bias?: boolean;
  accumulate?: boolean;
}

const ROWS = 2048;
const C = 64;

function layer(name: string, C: number, OC: number): Shape[] {
  return [
    { name: `${name} fwd`, M: ROWS, N: OC, K: C, transA: false, transB: true, bias: true },
    { name: `${name} dinp`, M: ROWS, N: C, K: OC, transA: false, transB: false },
    { name: `${name} dweight`, M: OC, N: C, K: ROWS, transA: true, transB: false, accumulate: true },
  ];
}

const quick = process.argv.includes('--quick');
const shapes: Shape[] = [
  ...layer('qkv 192<-64', C, 3 * C),
  ...layer('fc 256<-64', C, 4 * C),
  ...layer('proj 64<-256', 4 * C, C),
  ...layer('logits 97<-64', C, 97),
  ...(quick ? [] : [{ name: '1024^3 NN', M: 1024, N: 1024, K: 1024, transA: false, transB: false }]),
];
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] ?? '' : '';
const RUNS = quick ? 3 : 5;
const TARGET_S = quick ? 0.25 : 0.6; // seconds per timed submission

/** CPU time (ns) of this process's threads other than the main one (Dawn's main thread busy-polls). */
function workerCpuNs(): number | null {
  if (!existsSync('/proc/self/task')) return null;
  let total = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread exited
    }
  }
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { device, description } = await nodeGpu();
console.log(`adapter: ${description}; both variants timed (npm run bench reports what the autotuner picks)`);
console.log(`${'shape'.padEnd(24)} ${'M'.padStart(5)} ${'N'.padStart(5)} ${'K'.padStart(5)}  variant     ms/matmul  GFLOP/s  cpu-normalised`);

async function bench(s: Shape, variant: MatmulVariant): Promise<void> {
  const bytes = (n: number) => ({ buffer: createStorage(device, n) });
  const out = bytes(s.M * s.N);
  const a = bytes(s.M * s.K);
  const b = bytes(s.K * s.N);
  const bias = s.bias ? bytes(s.N) : undefined;
  const flops = 2 * s.M * s.N * s.K;
  const record = (reps: number) => {
    const p = new Program(device);
    for (let i = 0; i < reps; i++) matmul(p, { out, a, b, bias, M: s.M, N: s.N, K: s.K, transA: s.transA, transB: s.transB, accumulate: s.accumulate, variant });
    return p;
  };
  const time = async (p: Program) => {
    const cpu0 = workerCpuNs();
    const t0 = performance.now();
    p.run();
    await device.queue.onSubmittedWorkDone();
    const cpu1 = workerCpuNs();
    return { ms: performance.now() - t0, cpuMs: cpu0 === null || cpu1 === null ? NaN : (cpu1 - cpu0) / 1e6 };
  };
  const probe = record(1);
  await time(probe); // compile + warm up
  const once = (await time(probe)).ms;
  const reps = Math.max(1, Math.min(20, Math.round((TARGET_S * 1000) / Math.max(once, 0.01))));
  const p = reps === 1 ? probe : record(reps);
  await time(p);
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = await time(p);
    ms.push(t.ms / reps);
    cpu.push(t.cpuMs / reps);
  }
  const wall = median(ms);
  const cpuPerCall = median(cpu);
  const gflops = flops / wall / 1e6;
  const normalised = Number.isFinite(cpuPerCall) ? (flops / (cpuPerCall / 2) / 1e6).toFixed(2) : '-';
  console.log(
    `${s.name.padEnd(24)} ${String(s.M).padStart(5)} ${String(s.N).padStart(5)} ${String(s.K).padStart(5)}  ${variant.padEnd(10)} ${wall.toFixed(2).padStart(10)} ${gflops.toFixed(2).padStart(8)} ${normalised.padStart(15)}`,
  );
  p.destroy();
  probe.destroy();
  for (const x of [out, a, b, bias]) x?.buffer.destroy();
}

for (const s of shapes.filter((x) => x.name.includes(only))) {
  for (const variant of ['registers', 'workgroup'] as const) await bench(s, variant);
}

// dbias += column sums of dout (ROWS, OC): memory-bound, so reported in ms only
for (const OC of only ? [] : [64, 192, 256]) {
  for (const variant of ['registers', 'workgroup'] as const) {
    const dbias = { buffer: createStorage(device, OC) };
    const dout = { buffer: createStorage(device, ROWS * OC) };
    const reps = 20;
    const p = new Program(device);
    for (let i = 0; i < reps; i++) matmulBackwardBias(p, dbias, dout, ROWS, OC, variant);
    p.run();
    await device.queue.onSubmittedWorkDone();
    const ms: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      p.run();
      await device.queue.onSubmittedWorkDone();
      ms.push((performance.now() - t0) / reps);
    }
    console.log(`${`dbias ${OC}`.padEnd(24)} ${String(ROWS).padStart(5)} ${String(OC).padStart(5)} ${'-'.padStart(5)}  ${variant.padEnd(10)} ${median(ms).toFixed(2).padStart(10)}`);
    p.destroy();
  }
}
process.exit(0);
