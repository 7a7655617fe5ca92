// cosineRegularizer.ts (GPU): launcher for shaders/cosine_regularizer.wgsl, argument order as
// ref/cosineRegularizer.ts.
import common from '../../shaders/common.wgsl?raw';
import cosineRegularizer from '../../shaders/cosine_regularizer.wgsl?raw';
import { groups, type Binding, type Program } from '../program.ts';
import { rowGrid, rowLayout, type RowLayout } from './reduce.ts';

const code = common + cosineRegularizer;
const WG = 64; // threads of the per-column and per-sequence passes

function dims(B: number, T: number, C: number, dscale: number): ArrayBuffer {
  const data = new ArrayBuffer(20);
  new Uint32Array(data, 0, 3).set([B, T, C]);
  new Float32Array(data, 12, 2).set([1 / (T * (T - 1)), dscale]);
  return data;
}

/**
 * losses[b] = mean over ordered pairs t != t' of cos(h[b,t], h[b,t']) (=); dh += dscale * dlosses[b]/dh.
 * Allocates its scratch buffers (norms (B,T), S (B,C), r (B,T)) at record time; they live as long
 * as the program's bind groups.
 * @param losses (B)
 * @param dh (B, T, C) accumulated (+=); a different buffer from h
 * @param h (B, T, C)
 * @param layout work split of the row passes; default rowLayout(device, C) (tests force both kinds)
 */
export function cosineRegularizerForwardBackward(
  p: Program, losses: Binding, dh: Binding, h: Binding, B: number, T: number, C: number, dscale: number,
  layout: RowLayout = rowLayout(p.device, C),
): void {
  if (T < 2) {
    p.clear({ buffer: losses.buffer, offset: losses.offset ?? 0, size: B * 4 }); // no pairs: loss 0, no gradient
    return;
  }
  const norms: Binding = { buffer: p.scratch(B * T, 'cosreg.norms') };
  const sum: Binding = { buffer: p.scratch(B * C, 'cosreg.S') };
  const r: Binding = { buffer: p.scratch(B * T, 'cosreg.r') };
  const uniform = { binding: 3, data: dims(B, T, C, dscale) };
  p.dispatch({
    code, entryPoint: 'cosregNorms', constants: { ...layout },
    bindings: [, , h, , norms], uniform,
    workgroups: rowGrid(B * T, layout),
  });
  p.dispatch({
    code, entryPoint: 'cosregSum', constants: { WG },
    bindings: [, , h, , , norms, sum], uniform,
    workgroups: [groups(C, WG), B],
  });
  p.dispatch({
    code, entryPoint: 'cosregBackward', constants: { ...layout },
    bindings: [, dh, h, , , norms, , sum, r], uniform,
    workgroups: rowGrid(B * T, layout),
  });
  p.dispatch({
    code, entryPoint: 'cosregLoss', constants: { WG },
    bindings: [losses, , , , , , , , , r], uniform,
    workgroups: [groups(B, WG)],
  });
}
