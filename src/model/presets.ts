// presets.ts: named starting points for an experiment (the lab's preset menu, shared links).
import { resolveConfig, type PartialRunConfig, type RunConfig } from './config.ts';

export interface Preset {
  name: string;
  description: string;
  config: PartialRunConfig;
}

export const PRESETS: Preset[] = [
  {
    name: 'Tiny and fast',
    description: '2 layers, d = 32: trains visibly within seconds, even without a GPU.',
    config: {
      model: { contextLength: 32, nLayer: 2, dModel: 32, nHead: 2 },
      train: { steps: 500, batchSize: 8, lr: 3e-3, warmupSteps: 20 },
      eval: { every: 50 },
    },
  },
  {
    name: 'Representation collapse (teaching demo)',
    description: 'The default lab model on Brown characters, evaluated often, so the falling effective rank of the NTP run shows early.',
    config: {
      model: { contextLength: 64, nLayer: 4, dModel: 64, nHead: 4 },
      train: { steps: 1500, batchSize: 16, lr: 3e-3, warmupSteps: 50 },
      eval: { every: 25 },
    },
  },
  {
    name: 'Paper defaults',
    description: 'NITP as the paper trains it: λ = 1, target ≈ 20% of depth, SwiGLU head, next-position shift, cosine loss, stop-gradient; WSD schedule.',
    config: { nitp: { lambda: 1, targetLayer: null, head: 'swiglu', shift: 'next', stopGrad: true, loss: 'cosine', regularizer: 'nitp' } },
  },
];

/** The preset a config was made from (its data aside), or null. */
export function presetOf(config: RunConfig): string | null {
  const same = (p: Preset) => {
    try {
      return JSON.stringify(resolveConfig({ ...p.config, data: config.data })) === JSON.stringify(config);
    } catch {
      return false;
    }
  };
  return PRESETS.find(same)?.name ?? null;
}
