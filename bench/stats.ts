/**
 * The summaries the bench scripts print: the median of a set of timings and the range of a set of
 * ratios.
 */

/** The median (the upper one of an even count, so always a measured value). */
export const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

/** `lo–hi` to `digits` decimals, or one number when both round alike. */
export function range(xs: number[], digits = 2): string {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}
