// presets.ts: named starting points for an experiment (the lab's preset menu, links `p=<id>`, the
// command line's `--preset <id>`). Ids are short and stable; names and descriptions are for people.
import { resolveConfig, type PartialRunConfig, type RunConfig } from './config.ts';

export interface Preset {
  /** stable, used in links and on the command line */
  id: string;
  name: string;
  description: string;
  config: PartialRunConfig;
  /** names this preset had in earlier links */
  aliases?: string[];
}

export const PRESETS: Preset[] = [
  {
    id: 'tiny',
    name: 'Tiny and fast',
    aliases: ['Tiny and fast'],
    description: '2 layers, d = 32: trains visibly within seconds, even without a GPU.',
    config: {
      model: { contextLength: 32, nLayer: 2, dModel: 32, nHead: 2 },
      train: { steps: 500, batchSize: 8, lr: 3e-3, warmupSteps: 20 },
      eval: { every: 50, early: { every: 5, until: 50 } },
    },
  },
  {
    id: 'teaching',
    name: 'Representation collapse (teaching demo)',
    aliases: ['Representation collapse (teaching demo)'],
    description:
      'The default lab model on Brown characters, evaluated every 2 steps up to step 60. Both runs collapse early: the effective rank of ' +
      'the hidden states falls from about half the width to a few dimensions and anisotropy rises towards 1, then both recover. NITP ' +
      'delays and softens the collapse and keeps a higher rank afterwards; the loss stays about equal.',
    config: {
      model: { contextLength: 64, nLayer: 4, dModel: 64, nHead: 4 },
      train: { steps: 300, batchSize: 16, lr: 3e-3, warmupSteps: 50 },
      eval: { every: 25, early: { every: 2, until: 60 } },
    },
  },
  {
    id: 'paper',
    name: 'Paper defaults',
    aliases: ['Paper defaults'],
    description: 'NITP as the paper trains it: λ = 1, target ≈ 20% of depth, SwiGLU head, next-position shift, cosine loss, stop-gradient; WSD schedule.',
    config: { nitp: { lambda: 1, targetLayer: null, head: 'swiglu', shift: 'next', stopGrad: true, loss: 'cosine', regularizer: 'nitp' } },
  },
];

/** The preset with this id (or an earlier name of it), or null. */
export function presetById(idOrName: string): Preset | null {
  return PRESETS.find((p) => p.id === idOrName || p.aliases?.includes(idOrName)) ?? null;
}

/** The preset a config was made from (its data aside), or null. */
export function presetOf(config: RunConfig): Preset | null {
  const same = (p: Preset) => {
    try {
      return JSON.stringify(resolveConfig({ ...p.config, data: config.data })) === JSON.stringify(config);
    } catch {
      return false;
    }
  };
  return PRESETS.find(same) ?? null;
}
