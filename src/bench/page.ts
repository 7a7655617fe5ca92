// page.ts: bench.html — runs the benchmark worker and shows its report (also on
// window.benchResult for scripts/bench-browser.ts). Query: ?steps=5&repeats=3&kernels=auto&profile=1
import { formatReport, type BenchReport } from './measure.ts';

const query = new URLSearchParams(location.search);
const out = document.getElementById('result')!;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<{ report?: BenchReport; error?: string }>) => {
  const r = event.data;
  out.textContent = r.error ? `error: ${r.error}` : formatReport(r.report!);
  (window as unknown as { benchResult: unknown }).benchResult = r;
};
worker.postMessage({
  steps: Number(query.get('steps') ?? 5),
  repeats: Number(query.get('repeats') ?? 3),
  kernels: query.get('kernels') ?? 'auto',
  profile: query.get('profile') === '1',
  config: {},
});
