// args.ts: the command lines' shared argument walking: each flag in order, its value taken from
// the next word, a missing value or a bad number refused with the command's usage.

/** Calls `handle` with each flag; `value()` takes the word after it, or throws naming the flag and the usage. */
export function walkArgs(argv: readonly string[], usage: string, handle: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    handle(flag, () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    });
  }
}

/** `v` as a positive integer, or an error naming the flag. */
export function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

/**
 * Runs `main` when the module at `moduleUrl` is the script node was started with (not when a test
 * imports it): exits with its code, or prints the error's message and exits 2.
 */
export function runAsCommand(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1] || !moduleUrl.endsWith(process.argv[1].split('/').pop()!)) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error((e as Error).message ?? e);
      process.exit(2);
    },
  );
}
