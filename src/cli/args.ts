/** Shared argument parsers for the CLIs: each rejects a bad value with a message naming what was expected. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  }
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

/** `value` as a finite number for which `ok` holds, else an error saying it expected `want`. */
function numberWhere(value: string, ok: (n: number) => boolean, want: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`expected ${want}, got "${value}"`);
  return n;
}

export function positiveNumber(value: string): number {
  return numberWhere(value, (n) => n > 0, 'a positive number');
}

export function nonNegativeNumber(value: string): number {
  return numberWhere(value, (n) => n >= 0, 'a number >= 0');
}

/** A probability that cannot be certain: a number in [0, 1). */
export function probability(value: string): number {
  return numberWhere(value, (n) => n >= 0 && n < 1, 'a number in [0, 1)');
}

/** A number in [0, 1] (a discount factor). */
export function unitInterval(value: string): number {
  return numberWhere(value, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** Prints `error: message` and exits non-zero: the one-line failure every CLI gives for bad input. */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
