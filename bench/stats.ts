/**
 * The summaries the bench scripts print: the median of a set of timings and the range of a set of
 * ratios.
 */

/**
 * The median: the middle value, or the mean of the two middle values of an even count (taking the
 * upper one would lean towards the side whose values scatter most — for the 2-thread step, the slow
 * side; and over 2 rounds it would simply be the slower round).
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `lo–hi` to `digits` decimals, or one number when both round alike. */
export function range(xs: number[], digits = 2): string {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}
