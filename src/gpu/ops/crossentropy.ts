// crossentropy.ts (GPU): launchers for shaders/crossentropy.wgsl, argument order as ref/crossentropy.ts.
import common from '../../shaders/common.wgsl?raw';
import crossentropy from '../../shaders/crossentropy.wgsl?raw';
import type { Binding, Program } from '../program.ts';
import { rowGrid, rowLayout, type RowLayout } from './reduce.ts';

const code = common + crossentropy;

function dims(N: number, V: number, dscale: number): ArrayBuffer {
  const data = new ArrayBuffer(12);
  new Uint32Array(data, 0, 2).set([N, V]);
  new Float32Array(data, 8, 1)[0] = dscale;
  return data;
}

/**
 * losses[n] = -log softmax(logits[n])[targets[n]] (=). For evaluation.
 * @param losses (N)
 * @param logits (N, V)
 * @param targets (N) u32 in [0, V)
 * @param layout work split; default rowLayout(device, V) (tests force both kinds)
 */
export function crossentropyForward(
  p: Program, losses: Binding, logits: Binding, targets: Binding, N: number, V: number,
  layout: RowLayout = rowLayout(p.device, V),
): void {
  p.dispatch({
    code, entryPoint: 'crossentropyForward', constants: { ...layout },
    bindings: [losses, logits, targets],
    uniform: { binding: 4, data: dims(N, V, 0) },
    workgroups: rowGrid(N, layout),
  });
}

/**
 * losses[n] = -log softmax(logits[n])[targets[n]] (=); dlogits = (softmax - onehot) * dscale (=).
 * In place (llm.c's fused classifier) when `dlogits` is the same binding as `logits`: the logits
 * are then overwritten by their gradient.
 * @param losses (N)
 * @param dlogits (N, V): a different buffer from logits, or the same binding
 * @param logits (N, V)
 * @param targets (N) u32 in [0, V)
 * @param layout work split; default rowLayout(device, V) (tests force both kinds)
 */
export function crossentropyForwardBackward(
  p: Program, losses: Binding, dlogits: Binding, logits: Binding, targets: Binding, N: number, V: number, dscale: number,
  layout: RowLayout = rowLayout(p.device, V),
): void {
  const inPlace = dlogits.buffer === logits.buffer;
  if (inPlace && ((dlogits.offset ?? 0) !== (logits.offset ?? 0) || dlogits.size !== logits.size)) {
    // One buffer bound read-only and writable in one dispatch is a validation error.
    throw new Error('crossentropyForwardBackward: dlogits must be a different buffer from logits, or the same binding');
  }
  p.dispatch({
    code, entryPoint: inPlace ? 'crossentropyForwardBackwardInPlace' : 'crossentropyForwardBackward',
    constants: { ...layout },
    bindings: inPlace ? [losses, , targets, dlogits] : [losses, logits, targets, dlogits],
    uniform: { binding: 4, data: dims(N, V, dscale) },
    workgroups: rowGrid(N, layout),
  });
}
