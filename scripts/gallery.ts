// gallery.ts: trains every preset's NTP/NITP pair in Node, exactly as the lab's worker does
// (train/pair.ts, train/loop.ts), and writes each as a run file to public/gallery/<id>.json with
// an index (public/gallery/index.json). The files are committed: on a machine without a GPU a
// preset takes minutes to hours. A test re-runs the first 30 steps of each file's config and
// requires bit-identical losses, so the gallery stays honest.
//   npm run gallery [-- --only tiny,teaching] [--adapter ...]
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { nodeGpu } from '../src/gpu/node.ts';
import { resolveConfig } from '../src/model/config.ts';
import { PRESETS } from '../src/model/presets.ts';
import { loadDataset } from '../src/data/runData.ts';
import { nodeCorpusSource } from '../src/data/nodeSource.ts';
import { buildPair, destroyPair, pairInfo } from '../src/train/pair.ts';
import { trainLoop } from '../src/train/loop.ts';
import { fingerprint } from '../src/share/fingerprint.ts';
import { writeRunFile } from '../src/share/runFile.ts';
import { GALLERY_KERNELS, type GalleryEntry } from '../src/share/gallery.ts';
import { namedKernels, setKernels } from '../src/gpu/kernels.ts';
import type { EvalRecord, Pair, StepMetrics } from '../src/train/protocol.ts';

export const GALLERY_DIR = 'public/gallery';

async function main(argv: string[]): Promise<void> {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
  const gpu = await nodeGpu();
  setKernels(gpu.device, namedKernels(GALLERY_KERNELS));
  mkdirSync(GALLERY_DIR, { recursive: true });
  const indexPath = `${GALLERY_DIR}/index.json`;
  const index: GalleryEntry[] = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : [];
  for (const preset of PRESETS) {
    if (only && !only.includes(preset.id)) continue;
    const config = resolveConfig(preset.config);
    const data = await loadDataset(config, nodeCorpusSource());
    const runs = buildPair(gpu, config, data);
    const history: Pair<StepMetrics[]> = { ntp: [], nitp: [] };
    const evals: Pair<EvalRecord[]> = { ntp: [], nitp: [] };
    const started = performance.now();
    console.log(`${preset.id}: ${config.train.steps} steps of both runs on ${gpu.description}`);
    await trainLoop(runs, (r) => {
      for (const run of ['ntp', 'nitp'] as const) {
        history[run].push(...r.steps[run]);
        if (r.eval) evals[run].push(r.eval[run]);
      }
      if (r.step % 50 === 0) console.log(`  step ${r.step}, ${r.tokensPerSecond.toFixed(0)} tokens/s per model`);
    }, { reportEvery: 50, evalSchedule: () => config.eval });
    const probe = data.tagged ? { ntp: (await runs.ntp.evaluator.probe())!, nitp: (await runs.nitp.evaluator.probe())! } : null;
    const fp = (await fingerprint([history.ntp, history.nitp], config.train.steps))!;
    const file = `${preset.id}.json`;
    writeFileSync(`${GALLERY_DIR}/${file}`, writeRunFile({
      info: pairInfo(runs, data, gpu.description), fingerprint: fp, created: new Date().toISOString(),
      history, evals, probe, samples: [], checkpoint: null,
    }, false));
    destroyPair(runs);
    const entry: GalleryEntry = { id: preset.id, name: preset.name, description: preset.description, steps: config.train.steps, adapter: gpu.description, fingerprint: `${fp.step}.${fp.hash}`, file };
    const at = index.findIndex((e) => e.id === preset.id);
    if (at >= 0) index[at] = entry;
    else index.push(entry);
    index.sort((a, b) => PRESETS.findIndex((p) => p.id === a.id) - PRESETS.findIndex((p) => p.id === b.id));
    writeFileSync(indexPath, JSON.stringify(index, null, 1) + '\n');
    console.log(`  wrote ${GALLERY_DIR}/${file} in ${((performance.now() - started) / 1000).toFixed(0)} s (fingerprint ${entry.fingerprint})`);
  }
}

main(process.argv.slice(2)).then(() => process.exit(0), (e) => {
  console.error((e as Error).message ?? e);
  process.exit(1);
});
