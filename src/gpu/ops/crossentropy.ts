// crossentropy.ts (GPU): launchers for shaders/crossentropy.wgsl, argument order as ref/crossentropy.ts.
import common from '../../shaders/common.wgsl?raw';
import crossentropy from '../../shaders/crossentropy.wgsl?raw';
import type { Binding, Program } from '../program.ts';
import { rowGrid, rowLayout, type RowLayout } from './reduce.ts';

const code = common + crossentropy;

function dims(N: number, V: number, dscale: number, Vp: number): ArrayBuffer {
  if (!Number.isInteger(Vp) || Vp < V) throw new Error(`crossentropy: the row stride Vp must be an integer >= V (${V}), got ${Vp}`);
  const data = new ArrayBuffer(16);
  new Uint32Array(data, 0, 2).set([N, V]);
  new Float32Array(data, 8, 1)[0] = dscale;
  new Uint32Array(data, 12, 1)[0] = Vp;
  return data;
}

/**
 * losses[n] = -log softmax(logits[n, 0..V))[targets[n]] (=). For evaluation.
 * @param losses (N)
 * @param logits (N, Vp): V classes, then Vp - V padded columns that never count
 * @param targets (N) u32 in [0, V)
 * @param Vp row stride of logits, >= V (default V)
 * @param layout work split; default rowLayout(device, V) (tests force both kinds)
 */
export function crossentropyForward(
  p: Program, losses: Binding, logits: Binding, targets: Binding, N: number, V: number, Vp = V,
  layout: RowLayout = rowLayout(p.device, V),
): void {
  p.dispatch({
    code, entryPoint: 'crossentropyForward', constants: { ...layout },
    bindings: [losses, logits, targets],
    uniform: { binding: 4, data: dims(N, V, 0, Vp) },
    workgroups: rowGrid(N, layout),
  });
}

/**
 * losses[n] = -log softmax(logits[n, 0..V))[targets[n]] (=); dlogits = (softmax - onehot) * dscale
 * in columns 0..V-1 and 0 in the padded columns V..Vp-1 (=).
 * In place (llm.c's fused classifier) when `dlogits` is the same binding as `logits`: the logits
 * are then overwritten by their gradient.
 * @param losses (N)
 * @param dlogits (N, Vp): a different buffer from logits, or the same binding
 * @param logits (N, Vp)
 * @param targets (N) u32 in [0, V)
 * @param Vp row stride of logits and dlogits, >= V (default V)
 * @param layout work split; default rowLayout(device, V) (tests force both kinds)
 */
export function crossentropyForwardBackward(
  p: Program, losses: Binding, dlogits: Binding, logits: Binding, targets: Binding, N: number, V: number, dscale: number, Vp = V,
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
    uniform: { binding: 4, data: dims(N, V, dscale, Vp) },
    workgroups: rowGrid(N, layout),
  });
}
