// encoder.ts (GPU): launchers for shaders/encoder.wgsl, argument order as ref/encoder.ts.
import common from '../../shaders/common.wgsl?raw';
import encoder from '../../shaders/encoder.wgsl?raw';
import { groups, type Binding, type Program } from '../program.ts';

const code = common + encoder;
const WG = 64;

function dims(B: number, T: number, C: number, V: number): ArrayBuffer {
  return new Uint32Array([B, T, C, V]).buffer;
}

/** out (B,T,C) = wte[inp] + wpe[t]. */
export function encoderForward(p: Program, out: Binding, inp: Binding, wte: Binding, wpe: Binding, B: number, T: number, C: number, V: number): void {
  p.dispatch({
    code, entryPoint: 'encoderForward', constants: { WG },
    bindings: [out, inp, wte, wpe],
    uniform: { binding: 4, data: dims(B, T, C, V) },
    workgroups: [groups(B * T * C, WG)],
  });
}

/**
 * dwte += per-token sums of dout, dwpe += sum over b. `tokenStart`/`tokenPositions` come from
 * tokenIndex() of the same batch.
 */
export function encoderBackward(
  p: Program, dwte: Binding, dwpe: Binding, dout: Binding, tokenStart: Binding, tokenPositions: Binding,
  B: number, T: number, C: number, V: number,
): void {
  const uniform = { binding: 4, data: dims(B, T, C, V) };
  p.dispatch({
    code, entryPoint: 'encoderBackwardWte', constants: { WG },
    bindings: [, , , , , dwte, , dout, tokenStart, tokenPositions], uniform,
    workgroups: [groups(V * C, WG)],
  });
  p.dispatch({
    code, entryPoint: 'encoderBackwardWpe', constants: { WG },
    bindings: [, , , , , , dwpe, dout], uniform,
    workgroups: [groups(T * C, WG)],
  });
}

/**
 * Groups the positions of a batch by token id (a counting sort), so the GPU can sum the
 * embedding gradient of each token in a fixed order. Positions stay in increasing order.
 * @param inp (N) token ids in [0, V)
 * @returns tokenStart (V + 1) and tokenPositions (N)
 */
export function tokenIndex(inp: Int32Array, V: number, tokenStart = new Uint32Array(V + 1), tokenPositions = new Uint32Array(inp.length)) {
  tokenStart.fill(0);
  for (let i = 0; i < inp.length; i++) tokenStart[inp[i] + 1]++;
  for (let v = 0; v < V; v++) tokenStart[v + 1] += tokenStart[v];
  const next = tokenStart.slice(0, V);
  for (let i = 0; i < inp.length; i++) tokenPositions[next[inp[i]]++] = i;
  return { tokenStart, tokenPositions };
}
