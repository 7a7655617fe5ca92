// worker.ts: the browser benchmark's worker — the same report as `npm run bench`, measured here.
import { requestGpu } from '../gpu/device.ts';
import { parseKernels } from '../gpu/kernels.ts';
import { resolveConfig } from '../model/config.ts';
import { presetById } from '../model/presets.ts';
import { loadDataset } from '../data/runData.ts';
import { fetchCorpusSource } from '../data/corpus.ts';
import { runBench } from './measure.ts';

self.onmessage = async (event: MessageEvent<{ steps: number; repeats: number; kernels: string; profile: boolean; config: unknown }>) => {
  try {
    const { steps, repeats, profile } = event.data;
    const kernels = parseKernels(event.data.kernels);
    const gpu = await requestGpu(navigator.gpu);
    const config = resolveConfig(event.data.config);
    const data = await loadDataset(config, fetchCorpusSource());
    const teachingConfig = resolveConfig(presetById('teaching')!.config);
    const teaching = { config: teachingConfig, data: await loadDataset(teachingConfig, fetchCorpusSource()) };
    self.postMessage({ report: await runBench(gpu, config, data, teaching, { steps, repeats, kernels, profile }) });
  } catch (e) {
    self.postMessage({ error: (e as Error).message });
  }
};
