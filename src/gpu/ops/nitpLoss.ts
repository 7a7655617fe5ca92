// nitpLoss.ts (GPU): launcher for shaders/nitp_loss.wgsl, argument order as ref/nitpLoss.ts.
// The program argument is `prog` here because `p` is the head output, as in the reference.
import common from '../../shaders/common.wgsl?raw';
import nitpLoss from '../../shaders/nitp_loss.wgsl?raw';
import type { Binding, Program } from '../program.ts';
import type { NitpLossKind, NitpShift } from '../../model/config.ts';
import { rowGrid, rowLayout, type RowLayout } from './reduce.ts';

const code = common + nitpLoss;
const KIND: Record<NitpLossKind, number> = { cosine: 0, mse: 1, smoothl1: 2 };

function dims(B: number, T: number, C: number, dscale: number): ArrayBuffer {
  const data = new ArrayBuffer(16);
  new Uint32Array(data, 0, 3).set([B, T, C]);
  new Float32Array(data, 12, 1)[0] = dscale;
  return data;
}

/**
 * NITP pair losses and their gradients (see ref/nitpLoss.ts for the pairs and the loss kinds).
 * One pipeline per (shift, kind, accumulateDp, dz present).
 * @param losses (B, T - 1) under "next", (B, T) under "current" (=)
 * @param dp (B, T, C) dscale * dloss/dp: = (0 on the row without a pair), += when accumulateDp
 * @param dz (B, T, C) dscale * dloss/dz (=, 0 on the row without a pair); omitted: not written
 * @param p (B, T, C) head outputs
 * @param z (B, T, C) target-layer hidden states
 * @param layout work split; default rowLayout(device, C) (tests force both kinds)
 */
export function nitpLossForwardBackward(
  prog: Program, losses: Binding, dp: Binding, dz: Binding | null | undefined, p: Binding, z: Binding,
  B: number, T: number, C: number, shift: NitpShift, kind: NitpLossKind, dscale: number, accumulateDp = false,
  layout: RowLayout = rowLayout(prog.device, C),
): void {
  prog.dispatch({
    code, entryPoint: dz ? 'nitpLossForwardBackward' : 'nitpLossForwardBackwardNoDz',
    constants: { ...layout, SHIFT: shift === 'next' ? 1 : 0, KIND: KIND[kind], ACCUMULATE_DP: accumulateDp ? 1 : 0 },
    bindings: [losses, dp, dz ?? undefined, p, z],
    uniform: { binding: 5, data: dims(B, T, C, dscale) },
    workgroups: rowGrid(B * T, layout),
  });
}
