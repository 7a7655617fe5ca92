// page.ts: bench.html — runs the benchmark worker and shows the result (also on window.benchResult
// for scripts/bench-browser.ts). Query: ?steps=5&repeats=3
import { formatBench, type BenchResult } from './measure.ts';

const query = new URLSearchParams(location.search);
const steps = Number(query.get('steps') ?? 5);
const repeats = Number(query.get('repeats') ?? 3);
const out = document.getElementById('result')!;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<{ adapter?: string; results?: BenchResult[]; error?: string }>) => {
  const r = event.data;
  out.textContent = r.error ? `error: ${r.error}` : `adapter: ${r.adapter}\n${formatBench(r.results!)}`;
  (window as unknown as { benchResult: unknown }).benchResult = r;
};
worker.postMessage({ steps, repeats, config: {} });
