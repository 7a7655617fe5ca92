// generate.ts: text from a trained model, one token at a time. Each token runs the evaluation
// forward pass with the context in row 0 of the batch (positions past the context are padding
// that causal attention never lets row 0's last position see), reads that position's logits back
// and samples on the CPU with temperature and top-k. For a paused model only: it reuses the
// training activations.
import { readFloats } from '../gpu/buffers.ts';
import { Rng } from '../util/rng.ts';
import type { Trainer } from './trainer.ts';

export interface SamplingOptions {
  maxTokens: number; // tokens to generate
  temperature: number; // 0 = always the most likely token
  topK: number; // sample among the k most likely tokens (0 = all)
  seed: number;
}

/**
 * Samples one token id from logits (V).
 * @returns the chosen id
 */
export function sampleToken(logits: ArrayLike<number>, temperature: number, topK: number, rng: Rng): number {
  const V = logits.length;
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
  if (temperature <= 0) return best;
  let ids = Array.from({ length: V }, (_, v) => v);
  if (topK > 0 && topK < V) ids = ids.sort((a, b) => logits[b] - logits[a] || a - b).slice(0, topK);
  const max = logits[best];
  const weights = ids.map((v) => Math.exp((logits[v] - max) / temperature));
  let r = rng.uniform() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < ids.length; i++) {
    r -= weights[i];
    if (r < 0) return ids[i];
  }
  return ids[ids.length - 1];
}

/**
 * Continues `prompt` (token ids, at least one) by options.maxTokens tokens; `onToken` sees each
 * new id as it is chosen. The context is the last T tokens.
 */
export async function generate(trainer: Trainer, prompt: Int32Array, options: SamplingOptions, onToken?: (id: number) => void): Promise<Int32Array> {
  if (prompt.length === 0) throw new Error('generation needs a prompt of at least one token');
  const { T, V } = trainer.shape;
  const B = trainer.model.B;
  const W = T + 1;
  const rng = new Rng(options.seed, 'generate');
  const tokens = Array.from(prompt);
  const batch = new Int32Array(B * W);
  for (let i = 0; i < options.maxTokens; i++) {
    const context = tokens.slice(-T);
    batch.fill(0);
    batch.set(context, 0);
    await trainer.evaluate(batch);
    const at = context.length - 1; // row 0, last context position
    // a row of the logits holds Vp columns; only the first V are tokens (the rest is padding)
    const Vp = trainer.model.Vp;
    const logits = await readFloats(trainer.model.device, { buffer: trainer.model.logits, offset: at * Vp * 4, size: V * 4 });
    const id = sampleToken(logits, options.temperature, options.topK, rng);
    tokens.push(id);
    onToken?.(id);
  }
  return Int32Array.from(tokens.slice(prompt.length));
}
