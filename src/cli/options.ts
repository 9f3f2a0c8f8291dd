/**
 * The option syntax both commands share: `--flag value` or `--flag=value`, `--` ends the
 * options, `-` alone is a positional argument, any other `-x` is an unknown option.
 */
export function scanArguments(
  rest: readonly string[],
  /** Handles one flag (reading its value with `value()` if it takes one); false: unknown flag. */
  onFlag: (flag: string, value: () => string) => boolean,
  onPositional: (arg: string) => void,
  usageError: (message: string) => Error,
): void {
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      for (const a of rest.slice(i + 1)) onPositional(a);
      return;
    }
    if (!arg.startsWith('-') || arg === '-') {
      onPositional(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = rest[++i];
      if (next === undefined) throw usageError(`${flag} needs a value`);
      return next;
    };
    if (!onFlag(flag, value)) throw usageError(`unknown option '${arg}'`);
  }
}
