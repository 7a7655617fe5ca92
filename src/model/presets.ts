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
      'The default lab model with untied embeddings on Brown characters, 300 steps, evaluated every 2 steps up to step 60. ' +
      'Both runs collapse early: the effective rank of the hidden states falls from about half the width to a few dimensions and ' +
      'anisotropy rises towards 1, then both recover. NITP collapses later and less deeply, and afterwards keeps a higher rank and ' +
      'lower anisotropy, most clearly in the last block; the loss stays about equal.',
    config: {
      // untied: calibrated over 3 seeds, tied embeddings weaken NITP's advantage (README, "The teaching preset, calibrated")
      model: { contextLength: 64, nLayer: 4, dModel: 64, nHead: 4, tieEmbeddings: false },
      train: { steps: 300, batchSize: 16, lr: 3e-3, warmupSteps: 50 },
      // every 2 steps through the collapse (steps ~10–45 here), then sparsely; 16 held-out sequences
      // (1,024 tokens, 16·d: one chunk of B) keep the evaluation well under 10% of the training time.
      // The evaluation runs in chunks of B sequences, so 17..32 sequences cost as much as 32.
      eval: { every: 50, early: { every: 2, until: 60 }, sequences: 16 },
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

/**
 * One of the paper's ablations as an experiment: a base config (the teaching model: it trains in
 * minutes and shows the collapse) and the values its fields take. λ = 0 is in every grid, so each
 * λ > 0 variant has an NTP baseline of the same seed (paired differences). The lab runs one as a
 * queue over 3 seeds (each pair trains its own NTP run), the CLI as `npm run sweep -- --preset <id>`.
 * Kept apart from PRESETS: the preset menu, presetOf and the gallery stay as they were.
 */
export interface Ablation {
  /** stable, used on the command line and in the lab's Ablations menu */
  id: string;
  name: string;
  /** what the paper reports or uses */
  paper: string;
  /** what to expect at this scale */
  expect: string;
  config: PartialRunConfig;
  /** the fields varied, in grid order (the first varies slowest) */
  vary: { path: string; values: (number | string | boolean)[] }[];
}

const TEACHING = presetById('teaching')!.config;
const WITH_NTP = { path: 'nitp.lambda', values: [0, 1] };

export const ABLATIONS: Ablation[] = [
  {
    id: 'abl-target-layer', name: 'Target layer k', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.targetLayer', values: [0, 1, 2, 4] }],
    paper: 'The paper predicts a shallow layer, about 20% of the depth (k = 1 of 4 here), and compares the embedding output, the middle and the last layer.',
    expect: 'With 4 layers the choices are close together; expect differences in rank of the order of the seed spread, so read the paired differences and their sign agreement.',
  },
  {
    id: 'abl-shift', name: 'Next vs current position', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.shift', values: ['next', 'current'] }],
    paper: 'The paper predicts the next position\'s state (P(h_t) → z_{t+1}); the current position (P(h_t) → z_t) is its ablation of the shift.',
    expect: 'Predicting the current position is an easier, partly local target; expect a smaller rank gain over NTP than with the next position.',
  },
  {
    id: 'abl-stopgrad', name: 'Stop-gradient off', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.stopGrad', values: [true, false] }],
    paper: 'The paper holds the target fixed (stop-gradient); letting the gradient into layer k is its ablation.',
    expect: 'Without stop-gradient the target layer can move towards the prediction; expect a lower NITP loss and a smaller or less consistent effect on the final state\'s rank.',
  },
  {
    id: 'abl-head', name: 'No projection head vs SwiGLU', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.head', values: ['swiglu', 'none'] }],
    paper: 'The paper predicts through a SwiGLU head dropped after training; P(h) = h (no head) is its ablation.',
    expect: 'Without a head the final state itself must point at the next target; expect a stronger pull on its geometry and possibly a cost in loss.',
  },
  {
    id: 'abl-loss', name: 'Cosine vs MSE vs smooth-L1', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.loss', values: ['cosine', 'mse', 'smoothl1'] }],
    paper: 'The paper uses a cosine loss between prediction and target; MSE and smooth-L1 are its alternatives.',
    expect: 'MSE and smooth-L1 depend on the target\'s scale (the hidden-state norm), cosine does not; expect the effects to differ mostly in size, of the order of the seed spread at 300 steps.',
  },
  {
    id: 'abl-lambda', name: 'λ sweep (0 to 3)', config: TEACHING, vary: [{ path: 'nitp.lambda', values: [0, 0.1, 0.3, 1, 3] }],
    paper: 'The paper uses λ = 1; at λ = 3 the auxiliary loss dominates and the next-token loss suffers.',
    expect: 'Measured on 3 seeds (README): at step 300 the held-out NTP loss rises at λ = 3 on every seed; the final state\'s rank gain over NTP is larger at λ = 3 than at λ = 1, but so is its seed spread.',
  },
  {
    id: 'abl-generic', name: 'Generic cosine regularizer baseline', config: TEACHING, vary: [WITH_NTP, { path: 'nitp.regularizer', values: ['nitp', 'generic-cosine'] }],
    paper: 'The paper compares NITP with a generic regularizer that lowers the mean pairwise cosine of final states directly (weight λ).',
    expect: 'The generic regularizer lowers anisotropy by construction; compare what each does to the rank and to the loss.',
  },
  {
    id: 'abl-bpe', name: 'Word-level BPE tokens', config: TEACHING, vary: [WITH_NTP, { path: 'data.tokenizer', values: ['char', 'bpe'] }],
    paper: 'The paper reports that with word-level (BPE) tokens the geometry effect of NITP fades.',
    expect: 'Expect a smaller rank gap between NTP and NITP with BPE tokens (vocabulary 1024) than with characters.',
  },
];

/** The ablation with this id, or null. */
export function ablationById(id: string): Ablation | null {
  return ABLATIONS.find((a) => a.id === id) ?? null;
}
