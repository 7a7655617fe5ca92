// worker.ts: the browser benchmark's worker — the same measurement as `npm run bench`.
import { requestGpu } from '../gpu/device.ts';
import { resolveConfig } from '../model/config.ts';
import { loadDataset } from '../data/runData.ts';
import { fetchCorpusSource } from '../data/corpus.ts';
import { measureThroughput } from './measure.ts';

self.onmessage = async (event: MessageEvent<{ steps: number; repeats: number; config: unknown }>) => {
  try {
    const { steps, repeats } = event.data;
    const gpu = await requestGpu(navigator.gpu);
    const config = resolveConfig(event.data.config);
    const data = await loadDataset(config, fetchCorpusSource());
    const results = await measureThroughput(gpu, config, data, steps, repeats);
    self.postMessage({ adapter: gpu.description, vocabSize: data.vocabSize, results });
  } catch (e) {
    self.postMessage({ error: (e as Error).message });
  }
};
