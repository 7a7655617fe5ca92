// vitest.ts: the part of vitest's API the GPU tests use (describe, it, expect with the matchers
// they call, beforeAll/afterAll), for running them under Deno on wgpu (scripts/test-deno.sh). The
// import map maps "vitest" here; run() executes what the test files registered.
import { isDeepStrictEqual, inspect } from 'node:util';

type Fn = () => unknown | Promise<unknown>;
interface Test { name: string; fn: Fn }
interface Suite { name: string; tests: Test[]; suites: Suite[]; beforeAll: Fn[]; afterAll: Fn[] }

const root: Suite = { name: '', tests: [], suites: [], beforeAll: [], afterAll: [] };
let current = root;

export function describe(name: string, body: () => void): void {
  const suite: Suite = { name, tests: [], suites: [], beforeAll: [], afterAll: [] };
  current.suites.push(suite);
  const parent = current;
  current = suite;
  try {
    body();
  } finally {
    current = parent;
  }
}

export function it(name: string, fn: Fn): void {
  current.tests.push({ name, fn });
}
export const test = it;
export const beforeAll = (fn: Fn) => current.beforeAll.push(fn);
export const afterAll = (fn: Fn) => current.afterAll.push(fn);

class AssertionError extends Error {
  override name = 'AssertionError';
}

const show = (x: unknown) => inspect(x, { depth: 4, maxArrayLength: 8, breakLength: 120 });

function matchers(actual: unknown, label: string | undefined, negate: boolean) {
  const check = (ok: boolean, what: string) => {
    if (ok === negate) throw new AssertionError(`${label ? `${label}: ` : ''}expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
  };
  const num = () => actual as number;
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e: unknown) => check(isDeepStrictEqual(actual, e), `to equal ${show(e)}`),
    toStrictEqual: (e: unknown) => check(isDeepStrictEqual(actual, e), `to equal ${show(e)}`),
    toBeNull: () => check(actual === null, 'to be null'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeTruthy: () => check(Boolean(actual), 'to be truthy'),
    toBeFalsy: () => check(!actual, 'to be falsy'),
    toBeGreaterThan: (e: number) => check(num() > e, `to be greater than ${e}`),
    toBeGreaterThanOrEqual: (e: number) => check(num() >= e, `to be at least ${e}`),
    toBeLessThan: (e: number) => check(num() < e, `to be less than ${e}`),
    toBeLessThanOrEqual: (e: number) => check(num() <= e, `to be at most ${e}`),
    toBeCloseTo: (e: number, digits = 2) => check(Math.abs(num() - e) < 10 ** -digits / 2, `to be close to ${e} (${digits} digits)`),
    toMatch: (e: RegExp | string) => check(typeof e === 'string' ? String(actual).includes(e) : e.test(String(actual)), `to match ${e}`),
    toContain: (e: unknown) => check((actual as { includes(x: unknown): boolean }).includes(e), `to contain ${show(e)}`),
    toHaveLength: (n: number) => check((actual as { length: number }).length === n, `to have length ${n}`),
    toThrow: (e?: RegExp | string | (new (...a: never[]) => Error)) => {
      let thrown: unknown = null;
      try {
        (actual as () => unknown)();
      } catch (x) {
        thrown = x;
      }
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      const ok = thrown !== null && (e === undefined || (typeof e === 'function' ? thrown instanceof e : typeof e === 'string' ? message.includes(e) : e.test(message)));
      check(ok, `to throw ${e ?? ''} (threw ${thrown === null ? 'nothing' : show(message)})`);
    },
  };
}

type Matchers = ReturnType<typeof matchers>;

export function expect(actual: unknown, label?: string): Matchers & { not: Matchers; rejects: Matchers; resolves: Matchers } {
  const settle = (rejects: boolean) => new Proxy({} as Matchers, {
    get: (_, name: string) => async (...args: unknown[]) => {
      let value: unknown;
      let failed = false;
      try {
        value = await actual;
      } catch (e) {
        value = e;
        failed = true;
      }
      if (failed !== rejects) throw new AssertionError(`${label ?? ''} expected the promise to ${rejects ? 'reject' : 'resolve'}, it ${failed ? 'rejected' : 'resolved'} with ${show(value)}`);
      const m = matchers(rejects && name === 'toThrow' ? () => { throw value; } : value, label, false) as unknown as Record<string, (...a: unknown[]) => unknown>;
      return m[name](...args);
    },
  });
  return Object.assign(matchers(actual, label, false), { not: matchers(actual, label, true), rejects: settle(true), resolves: settle(false) });
}

export interface Totals { passed: number; failed: number; failures: string[] }

/** Runs every registered test whose full name matches `filter`, in order; prints one line per test. */
export async function run(filter: (fullName: string) => boolean = () => true): Promise<Totals> {
  const totals: Totals = { passed: 0, failed: 0, failures: [] };
  const visit = async (suite: Suite, prefix: string) => {
    const selected = (s: Suite, p: string): boolean => s.tests.some((t) => filter(`${p}${t.name}`)) || s.suites.some((c) => selected(c, `${p}${c.name} > `));
    if (!selected(suite, prefix)) return;
    for (const f of suite.beforeAll) await f();
    for (const t of suite.tests) {
      const name = `${prefix}${t.name}`;
      if (!filter(name)) continue;
      const started = performance.now();
      try {
        await t.fn();
        totals.passed++;
        console.log(`  ✓ ${name} (${Math.round(performance.now() - started)} ms)`);
      } catch (e) {
        totals.failed++;
        totals.failures.push(`${name}: ${(e as Error).stack ?? e}`);
        console.log(`  × ${name}\n${String((e as Error).message ?? e).split('\n').map((l) => `      ${l}`).join('\n')}`);
      }
    }
    for (const s of suite.suites) await visit(s, `${prefix}${s.name} > `);
    for (const f of suite.afterAll) await f();
  };
  await visit(root, '');
  return totals;
}

/** Forgets what was registered (between test files). */
export function reset(): void {
  root.tests = [];
  root.suites = [];
  root.beforeAll = [];
  root.afterAll = [];
  current = root;
}
