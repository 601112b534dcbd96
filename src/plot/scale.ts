/**
 * Axis scales: map data values to pixels (linear or log10), choose "nice" tick values and format
 * their labels.
 */

/** A scale from a data domain to a pixel range, with its ticks and their labels. */
export type Scale = {
  /** Data interval [lo, hi] (lo < hi; both > 0 for a log scale). */
  domain: [number, number];
  /** Pixel interval the domain maps onto (may be reversed, as for a y axis). */
  range: [number, number];
  /** Whether the mapping is log10. */
  log: boolean;
  /** Pixel position of a data value. */
  map: (v: number) => number;
  /** Tick values inside the domain, ascending. */
  ticks: number[];
  /** Tick labels, parallel to `ticks`. */
  labels: string[];
};

/** The smallest and largest finite value of `values` (only values > 0 when `positiveOnly`), or null if none. */
export function extent(values: Iterable<number>, positiveOnly = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * A plot domain around the data extent: padded by `pad` of its span on each side (in log10 space
 * for a log axis), widened when the data is a single value, and [0, 1] / [1, 10] when there is no data.
 */
export function paddedDomain(ext: [number, number] | null, log: boolean, pad = 0.04): [number, number] {
  if (!ext) return log ? [1, 10] : [0, 1];
  if (log) {
    let lo = Math.log10(ext[0]);
    let hi = Math.log10(ext[1]);
    if (hi - lo < 1e-9) {
      lo -= 0.5;
      hi += 0.5;
    } else {
      const p = (hi - lo) * pad;
      lo -= p;
      hi += p;
    }
    return [10 ** lo, 10 ** hi];
  }
  let [lo, hi] = ext;
  if (hi - lo <= Math.abs(hi) * 1e-12) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const p = (hi - lo) * pad;
  lo -= p;
  hi += p;
  return [lo, hi];
}

/** The "nice" step (1, 2 or 5 times a power of ten) giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const m = norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10;
  return m * mag;
}

/** About `count` evenly spaced nice tick values within [lo, hi]. */
export function linearTicks(lo: number, hi: number, count: number): { ticks: number[]; step: number } {
  const step = niceStep(hi - lo, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(cleanFloat(i * step));
  return { ticks, step };
}

/** Remove binary floating-point noise (0.30000000000000004 → 0.3). */
function cleanFloat(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

/** Labels for linear ticks spaced `step` apart: fixed decimals, or exponent notation for huge/tiny values. */
export function formatLinearTicks(ticks: number[], step: number): string[] {
  const maxAbs = Math.max(...ticks.map(Math.abs), 0);
  const stepExp = Math.floor(Math.log10(step) + 1e-9);
  if (maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-3)) {
    const digits = Math.max(0, Math.floor(Math.log10(maxAbs) + 1e-9) - stepExp);
    return ticks.map((t) => (t === 0 ? '0' : expString(t, digits)));
  }
  const decimals = Math.max(0, -stepExp);
  return ticks.map((t) => {
    const s = t.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  });
}

/** `v` in exponent notation with `digits` mantissa decimals, written like 2.5e-4 / 1e6. */
function expString(v: number, digits: number): string {
  return v.toExponential(digits).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

/** Label of a log-axis tick: plain decimal between 1e-4 and 1e5, otherwise exponent notation. */
export function formatLogTick(v: number): string {
  const c = cleanFloat(v);
  if (c >= 1e-4 && c < 1e5) return String(c);
  return expString(c, 6);
}

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
  '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079', '-': '\u207b',
};

/** "10" with exponent `k` in Unicode superscripts, e.g. 10⁻³. */
export function powerOfTen(k: number): string {
  return '10' + [...String(k)].map((ch) => SUPERSCRIPT[ch] ?? ch).join('');
}

/**
 * Labels of log-axis ticks: when every tick is a power of ten and some would need more than four
 * digits in plain notation, all are written 10ᵏ (like matplotlib); otherwise each as `formatLogTick`.
 */
export function formatLogTicks(ticks: number[]): string[] {
  const exps = ticks.map((t) => Math.round(Math.log10(t)));
  const allDecades = ticks.every((t, i) => Math.abs(t / 10 ** exps[i] - 1) < 1e-9);
  if (allDecades && exps.some((k) => k < -3 || k > 4)) return exps.map(powerOfTen);
  return ticks.map(formatLogTick);
}

/** Tick values for a log10 axis over [lo, hi] (lo > 0): decades, then 1-2-5 or 1..9 mantissas when the range is short. */
export function logTicks(lo: number, hi: number, count: number): number[] {
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const inRange = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const decadeStride = Math.max(1, Math.ceil((k1 - k0) / Math.max(1, count)));
  const decades: number[] = [];
  for (let k = k0; k <= k1; k++) if (k % decadeStride === 0) decades.push(k);
  const withMantissas = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (const k of decades) {
      for (const m of mantissas) {
        const v = cleanFloat(m * 10 ** k);
        if (inRange(v)) ticks.push(v);
      }
    }
    return ticks;
  };
  const options = decadeStride > 1 ? [[1]] : [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
  const candidates = options.map(withMantissas);
  const good = candidates.find((t) => t.length >= Math.min(3, count) && t.length <= count * 2);
  if (good) return good;
  if (candidates[0].length >= 2) return candidates[0];
  // Less than about a decade: plain linear ticks inside the domain.
  return linearTicks(lo, hi, Math.min(count, 4)).ticks.filter((t) => t > 0);
}

/**
 * Build a scale for `domain` onto pixels `range`, with about `tickCount` ticks.
 * Log scales need a positive domain.
 */
export function makeScale(domain: [number, number], range: [number, number], log: boolean, tickCount: number): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const count = Math.max(2, Math.round(tickCount));
  if (log) {
    const l0 = Math.log10(d0);
    const span = Math.log10(d1) - l0 || 1;
    const map = (v: number) => r0 + ((Math.log10(v) - l0) / span) * (r1 - r0);
    const ticks = logTicks(d0, d1, count);
    const labels = formatLogTicks(ticks);
    return { domain, range, log, map, ticks, labels };
  }
  const span = d1 - d0 || 1;
  const map = (v: number) => r0 + ((v - d0) / span) * (r1 - r0);
  const { ticks, step } = linearTicks(d0, d1, count);
  return { domain, range, log, map, ticks, labels: formatLinearTicks(ticks, step) };
}
