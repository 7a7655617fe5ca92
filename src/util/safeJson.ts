// safeJson.ts: JSON from files the lab did not write (checkpoint metadata, configs in them). Keys
// that name an object's prototype machinery are refused by name at any depth, so no reader that
// later walks the object with `in`, spread or assignment can be steered into Object.prototype.

/** Keys refused in JSON from outside the lab. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Throws naming `what` and the key when an object in `value` (already parsed) has a forbidden key. */
export function refuseForbiddenKeys(value: unknown, what: string): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.includes(key)) throw new Error(`${what} has a key "${key}", which the lab refuses`);
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
}

/** JSON.parse that refuses the keys "__proto__", "constructor" and "prototype" at any depth. */
export function parseJsonSafely(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  refuseForbiddenKeys(value, what);
  return value;
}

/** An own property of `o`, never one inherited from its prototype. */
export function ownValue(o: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}
