// kernels.ts: which kernel variant each op uses on a device. Variants compute the same results
// (each is tested against the CPU reference) at very different speeds per adapter: on SwiftShader
// a workgroup barrier costs ~10x a row's arithmetic and register blocking wins, on real GPUs
// workgroup-memory tiles and tree reductions do (docs/architecture.md §5). Nothing guesses from
// the adapter's name: the autotuner (tune.ts) times the variants on the model's own shapes and
// sets the choice here, or a `--kernels` override does; ops read it when a program is recorded.
//
// A choice is fixed for a device once programs are recorded: results differ in the last bits
// between variants, and a run is bit-reproducible on the same adapter with the same choice.

export const MATMUL_VARIANTS = ['registers', 'workgroup'] as const;
/** registers: a thread per 16x8 outputs, no workgroup memory; workgroup: 64x64 tiles in workgroup memory */
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

export const ROW_VARIANTS = ['thread', 'workgroup'] as const;
/**
 * How a row reduction (layernorm, softmax, losses, the covariance, mean reductions) spreads its
 * work: one thread per row and small workgroups (no barriers), or a workgroup per row with a tree.
 */
export type RowVariant = (typeof ROW_VARIANTS)[number];

/** One matmul shape, as matmul() is called: out (M, N) = op(a) (M, K) · op(b) (K, N). */
export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

export interface KernelChoice {
  /** per matmul shape (matmulShapeKey); shapes not listed use `default` */
  matmul: { default: MatmulVariant; byShape: Record<string, MatmulVariant> };
  rows: RowVariant;
  /** how the choice was made: "tuned in 1.4 s", "cached", "--kernels registers", "untuned" */
  source: string;
}

export function matmulShapeKey(s: MatmulShape): string {
  return `${s.M}x${s.N}x${s.K}${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`;
}

/**
 * What a device uses before anything is tuned or set: the kernels meant for GPUs. Tests of a
 * single op pass their variant explicitly; hosts tune (tune.ts) before they record a model.
 */
export const UNTUNED: KernelChoice = Object.freeze({
  matmul: Object.freeze({ default: 'workgroup', byShape: Object.freeze({}) }),
  rows: 'workgroup',
  source: 'untuned',
}) as KernelChoice;

const choices = new WeakMap<GPUDevice, KernelChoice>();

export function kernelsOf(device: GPUDevice): KernelChoice {
  return choices.get(device) ?? UNTUNED;
}

export function setKernels(device: GPUDevice, choice: KernelChoice): void {
  choices.set(device, choice);
}

export function matmulVariantOf(device: GPUDevice, shape: MatmulShape): MatmulVariant {
  const m = kernelsOf(device).matmul;
  return m.byShape[matmulShapeKey(shape)] ?? m.default;
}

/**
 * A `--kernels` value: "auto" (tune), a variant for everything ("registers": register-blocked
 * matmuls and a thread per row; "workgroup": workgroup tiles and trees), or per op, e.g.
 * "matmul=registers,rows=workgroup" (an op not named keeps the other's family default).
 */
export function parseKernels(text: string): KernelChoice | 'auto' {
  const value = text.trim();
  if (value === 'auto') return 'auto';
  const source = `--kernels ${value}`;
  if (value === 'registers') return { matmul: { default: 'registers', byShape: {} }, rows: 'thread', source };
  if (value === 'workgroup') return { matmul: { default: 'workgroup', byShape: {} }, rows: 'workgroup', source };
  const choice: KernelChoice = { matmul: { default: 'workgroup', byShape: {} }, rows: 'workgroup', source };
  const usage = 'use auto, registers, workgroup, or matmul=registers|workgroup,rows=thread|workgroup';
  for (const part of value.split(',')) {
    const [op, variant, extra] = part.split('=').map((s) => s.trim());
    if (extra !== undefined || variant === undefined) throw new Error(`--kernels: "${part}" is not op=variant; ${usage}`);
    if (op === 'matmul') {
      if (!(MATMUL_VARIANTS as readonly string[]).includes(variant)) throw new Error(`--kernels: matmul must be one of ${MATMUL_VARIANTS.join(', ')}, got "${variant}"`);
      choice.matmul.default = variant as MatmulVariant;
    } else if (op === 'rows') {
      if (!(ROW_VARIANTS as readonly string[]).includes(variant)) throw new Error(`--kernels: rows must be one of ${ROW_VARIANTS.join(', ')}, got "${variant}"`);
      choice.rows = variant as RowVariant;
    } else {
      throw new Error(`--kernels: unknown op "${op}"; ${usage}`);
    }
  }
  return choice;
}

/** parseKernels for a value that must name kernels (not "auto"): fixed choices such as the gallery's. */
export function namedKernels(text: string): KernelChoice {
  const choice = parseKernels(text);
  if (choice === 'auto') throw new Error('namedKernels: "auto" names no kernels');
  return choice;
}

/** One line for the console and the page: "matmul registers (14 shapes) · rows thread · tuned in 1.4 s". */
export function describeKernels(choice: KernelChoice): string {
  const counts = new Map<MatmulVariant, number>();
  for (const v of Object.values(choice.matmul.byShape)) counts.set(v, (counts.get(v) ?? 0) + 1);
  const matmul = counts.size === 0
    ? choice.matmul.default
    : [...counts].map(([v, n]) => `${v} (${n} shape${n === 1 ? '' : 's'})`).join(', ');
  return `matmul ${matmul} · rows ${choice.rows} · ${choice.source}`;
}

/** Checks a choice read from a cache (IndexedDB, a file): null when it is not one. */
export function asKernelChoice(value: unknown): KernelChoice | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<KernelChoice>;
  const isMatmul = (x: unknown) => (MATMUL_VARIANTS as readonly unknown[]).includes(x);
  if (!v.matmul || typeof v.matmul !== 'object' || !isMatmul(v.matmul.default)) return null;
  if (typeof v.matmul.byShape !== 'object' || v.matmul.byShape === null || !Object.values(v.matmul.byShape).every(isMatmul)) return null;
  if (!(ROW_VARIANTS as readonly unknown[]).includes(v.rows) || typeof v.source !== 'string') return null;
  return { matmul: { default: v.matmul.default, byShape: { ...v.matmul.byShape } }, rows: v.rows!, source: v.source };
}
