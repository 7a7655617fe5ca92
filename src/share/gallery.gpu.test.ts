// The gallery stays honest: every run file in public/gallery re-runs live for its first 30 steps
// with bit-identical losses of both runs (same config, same adapter kind, the gallery's kernels), and its index entry
// matches the file (fingerprint, steps, a config that resolves).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { readRunFile } from './runFile.ts';
import { testGpu } from '../test/gpu.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';
import { buildPair, destroyPair } from '../train/pair.ts';
import { RUNS } from '../train/protocol.ts';
import { PRESETS } from '../model/presets.ts';
import { resolveConfig } from '../model/config.ts';
import { GALLERY_KERNELS } from './gallery.ts';
import { namedKernels, setKernels } from '../gpu/kernels.ts';

const DIR = 'public/gallery';
const CHECKED_STEPS = 30;
const index: { id: string; file: string; steps: number; fingerprint: string }[] = existsSync(`${DIR}/index.json`) ? JSON.parse(readFileSync(`${DIR}/index.json`, 'utf8')) : [];

describe('the gallery', () => {
  it('has an index whose entries are presets, with their run files', () => {
    expect(index.length, `${DIR}/index.json lists the gallery (npm run gallery writes it)`).toBeGreaterThan(0);
    for (const entry of index) {
      expect(PRESETS.map((p) => p.id)).toContain(entry.id);
      expect(existsSync(`${DIR}/${entry.file}`), entry.file).toBe(true);
    }
  });

  for (const entry of index) {
    it(`${entry.id}: the file matches its preset and index entry, and its first ${CHECKED_STEPS} steps re-run bit for bit`, async () => {
      const content = await readRunFile(readFileSync(`${DIR}/${entry.file}`, 'utf8')); // checks its own fingerprint
      const config = content.info.config;
      expect(config).toEqual(resolveConfig(PRESETS.find((p) => p.id === entry.id)!.config));
      expect(`${content.fingerprint!.step}.${content.fingerprint!.hash}`).toBe(entry.fingerprint);
      expect(content.history.nitp.length).toBe(entry.steps);
      const gpu = await testGpu();
      setKernels(gpu.device, namedKernels(GALLERY_KERNELS));
      const data = await loadDataset(config, nodeCorpusSource());
      const runs = buildPair(gpu, config, data);
      for (let s = 0; s < CHECKED_STEPS; s++) for (const run of RUNS) runs[run].trainer.trainStep();
      for (const run of RUNS) {
        const live = (await runs[run].trainer.flushMetrics()).map((m) => [m.step, m.loss, m.ntp, m.aux, m.gradNorm]);
        const saved = content.history[run].slice(0, CHECKED_STEPS).map((m) => [m.step, m.loss, m.ntp, m.aux, m.gradNorm]);
        expect(live, `${entry.id} ${run}`).toEqual(saved);
      }
      destroyPair(runs);
      expect(gpu.errors).toEqual([]);
    }, 300_000); // 30 steps of both runs of the larger presets take minutes on SwiftShader
  }
});
