/** Argument checks that produce errors naming the parameter and its allowed range. */

/** Throw unless `v` is an integer >= `min`. */
export function checkInt(where: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${v}`);
}

/** Throw unless `v` is a finite number >= 0. */
export function checkNonNegative(where: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${where}: ${name} must be a finite number >= 0, got ${v}`);
}
