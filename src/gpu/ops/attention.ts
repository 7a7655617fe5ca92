// attention.ts (GPU): launchers for shaders/attention.wgsl, argument order as ref/attention.ts,
// except that the forward has no preatt (the GPU backward needs only att).
// Forward: out, att =. Backward: dinp = (overwritten, no clear needed); dpreatt, datt scratch.
// Layout: a thread per (head b*NH + h, block of 8 positions), heads fastest; see the shader header.
import common from '../../shaders/common.wgsl?raw';
import attention from '../../shaders/attention.wgsl?raw';
import { groups, type Binding, type Program } from '../program.ts';

const code = common + attention;
const WG = 64;

function dims(B: number, T: number, C: number, NH: number): ArrayBuffer {
  if (C % NH !== 0) throw new Error(`attention: C = ${C} is not divisible by NH = ${NH}`);
  const hs = C / NH;
  const data = new ArrayBuffer(24);
  new Uint32Array(data, 0, 5).set([B, T, C, NH, hs]);
  new Float32Array(data, 20, 1)[0] = 1 / Math.sqrt(hs);
  return data;
}

/**
 * A thread per (head, block of 8 positions), on a 1-D grid: B=32, NH=16, T=1024 is 1024
 * workgroups, far below MAX_WORKGROUPS_PER_DIM (program.ts; dispatch() rejects more).
 */
function workgroupsFor(B: number, T: number, NH: number): [number] {
  return [groups(B * NH * Math.ceil(T / 8), WG)];
}

/**
 * out = causal softmax(q·kᵀ / sqrt(hs)) · v per head; att keeps the probabilities. All =.
 * @param out (B, T, C)
 * @param att (B, NH, T, T), zero above the diagonal
 * @param inp (B, T, 3C) qkv
 */
export function attentionForward(p: Program, out: Binding, att: Binding, inp: Binding, B: number, T: number, C: number, NH: number): void {
  p.dispatch({
    code, entryPoint: 'attentionForward', constants: { WG },
    bindings: [out, att, inp],
    uniform: { binding: 3, data: dims(B, T, C, NH) },
    workgroups: workgroupsFor(B, T, NH),
  });
}

/**
 * Backward of attentionForward. dinp = (every element written); dpreatt, datt are scratch, holding
 * dL/dpreatt and dL/datt at s <= t (unspecified above the diagonal). Two dispatches: dq, then dk and dv.
 * @param dinp (B, T, 3C)
 * @param dpreatt (B, NH, T, T)
 * @param datt (B, NH, T, T)
 * @param dout (B, T, C)
 * @param inp (B, T, 3C) the forward's qkv
 * @param att (B, NH, T, T) the forward's probabilities (read only at s <= t)
 */
export function attentionBackward(
  p: Program, dinp: Binding, dpreatt: Binding, datt: Binding, dout: Binding, inp: Binding, att: Binding,
  B: number, T: number, C: number, NH: number,
): void {
  const uniform = { binding: 3, data: dims(B, T, C, NH) };
  const workgroups = workgroupsFor(B, T, NH);
  p.dispatch({
    code, entryPoint: 'attentionBackwardQuery', constants: { WG },
    bindings: [, att, inp, , dinp, dpreatt, datt, dout], uniform, workgroups,
  });
  p.dispatch({
    code, entryPoint: 'attentionBackwardKeyValue', constants: { WG },
    bindings: [, att, inp, , dinp, dpreatt, , dout], uniform, workgroups,
  });
}
