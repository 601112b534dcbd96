/**
 * Resampling of RGBA bytes in JavaScript, for the pure-JS decoder (the native one resamples in
 * Rust): Pillow's antialiased bilinear filter — a triangle filter whose support widens with the
 * reduction, so a large downscale averages every source pixel instead of skipping most — applied
 * separably, rows then columns.
 */

/** Per output pixel: the first source pixel, how many, and their weights (`taps` per pixel). */
interface Coeffs {
  start: Int32Array;
  count: Int32Array;
  taps: number;
  weights: Float32Array;
}

/** Weights that map source pixels `[from, from + len)` of an axis of `inSize` onto `outSize` pixels. */
function coeffs(inSize: number, from: number, len: number, outSize: number): Coeffs {
  const scale = len / outSize;
  const fscale = Math.max(scale, 1);
  const support = fscale; // the triangle's half-width, in source pixels
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = from + (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const t = Math.abs((x - center + 0.5) / fscale);
      const w = t < 1 ? 1 - t : 0;
      weights[i * taps + x - lo] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, taps, weights };
}

/**
 * Resample the region `(x, y, w, h)` of an RGBA image `src` (`width × height × 4` bytes) to
 * `outW × outH` RGBA bytes.
 */
export function resampleRgba(src: Uint8Array, width: number, height: number, x: number, y: number, w: number, h: number, outW: number, outH: number): Uint8Array {
  const cx = coeffs(width, x, w, outW);
  const cy = coeffs(height, y, h, outH);
  const y0 = cy.start[0];
  const y1 = cy.start[outH - 1] + cy.count[outH - 1];
  const rows = y1 - y0;
  // rows first: every needed source row to outW pixels
  const tmp = new Float32Array(rows * outW * 4);
  for (let r = 0; r < rows; r++) {
    const rowAt = (r + y0) * width * 4;
    for (let i = 0; i < outW; i++) {
      const n = cx.count[i];
      const wAt = i * cx.taps;
      let p = rowAt + cx.start[i] * 4;
      let a = 0, b = 0, c = 0, d = 0;
      for (let k = 0; k < n; k++, p += 4) {
        const wt = cx.weights[wAt + k];
        a += src[p] * wt;
        b += src[p + 1] * wt;
        c += src[p + 2] * wt;
        d += src[p + 3] * wt;
      }
      const t = (r * outW + i) * 4;
      tmp[t] = a;
      tmp[t + 1] = b;
      tmp[t + 2] = c;
      tmp[t + 3] = d;
    }
  }
  // then columns
  const out = new Uint8Array(outW * outH * 4);
  const stride = outW * 4;
  for (let j = 0; j < outH; j++) {
    const n = cy.count[j];
    const wAt = j * cy.taps;
    const rowAt = (cy.start[j] - y0) * stride;
    for (let i = 0; i < stride; i++) {
      let v = 0;
      for (let k = 0, p = rowAt + i; k < n; k++, p += stride) v += tmp[p] * cy.weights[wAt + k];
      out[j * stride + i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return out;
}
