/**
 * Conv2DBackpropInput for the wasm backend, replacing tfjs-backend-wasm's reference loop with
 * either one XNNPACK matmul + a SIMD col2im, or one XNNPACK sub-pixel convolution of dy.
 *
 * On the MNIST convnet at batch 512 the reference kernel takes 31-45 ms per layer, matmul + col2im
 * 5 ms (zero-dilating dy wastes stride^2 work; a sub-pixel convolution is in between, 7-13 ms).
 */
import { tf } from '../tf.js';
import { asTensor, checkDyShape, convGeometry, COPY_WORK, padOrCrop4D, type ConvGeometry, type ConvGradAttrs } from './conv-geometry.js';
import type { SimdKernels } from './simd-module.js';
import { heapOffset, simdFor, wasmInternals, type WasmBackendInternals } from './internals.js';
import { runUnits } from './pool.js';

/** One spatial axis of the sub-pixel plan: for each output phase, which filter taps hit it. */
interface AxisPlan {
  /** Union window over all phases: output row `i` of phase grids reads dy rows `i + dMin + u`, `u < size`. */
  dMin: number;
  /** Window size. */
  size: number;
  /** `tap[p][u]` = filter index used by phase `p` at window offset `u`, or -1 for none. */
  tap: number[][];
}

function axisPlan(s: number, pad: number, k: number, dyLen: number, gridLen: number): AxisPlan {
  // dx[p + s*i] = sum_t dy[i + c - t] * w[k0 + s*t], k0 = (p+pad) mod s, c = floor((p+pad)/s).
  const phases = [];
  let dMin = Infinity;
  let dMax = -Infinity;
  for (let p = 0; p < s; p++) {
    const k0 = (p + pad) % s;
    const T = k0 >= k ? 0 : Math.ceil((k - k0) / s);
    const c = Math.floor((p + pad) / s);
    phases.push({ k0, T, c });
    if (T > 0) {
      dMin = Math.min(dMin, c - T + 1);
      dMax = Math.max(dMax, c);
    }
  }
  if (!Number.isFinite(dMin)) return { dMin: 0, size: 0, tap: [] }; // stride > kernel: no tap at all
  // Drop window offsets that only ever read padding (grid rows i < gridLen read dy[i + dMin + u]).
  const lo = Math.max(0, -dMin - (gridLen - 1));
  const hi = Math.min(dMax - dMin, dyLen - 1 - dMin);
  if (hi < lo) return { dMin: 0, size: 0, tap: [] };
  const size = hi - lo + 1;
  const first = dMin + lo;
  const tap = phases.map(({ k0, T, c }) =>
    Array.from({ length: size }, (_, u) => {
      const t = c - (first + u);
      return t >= 0 && t < T ? k0 + s * t : -1;
    }),
  );
  return { dMin: first, size, tap };
}

/**
 * Input gradient as ONE stride-1 convolution (sub-pixel / phase decomposition): each of the
 * `sH*sW` output phases `(r mod sH, c mod sW)` gets its own block of output channels, whose filter
 * holds only the taps that land on that phase (zeros elsewhere in the shared window), so the
 * inserted zeros of the dilated formulation are never multiplied. The phase channels are then
 * interleaved back into space with one transpose.
 */
export function inputGradViaSubpixel(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { sH, sW } = g;
  const hMax = Math.ceil(g.inH / sH);
  const wMax = Math.ceil(g.inW / sW);
  const ph = axisPlan(sH, g.padTop, g.kH, g.outH, hMax);
  const pw = axisPlan(sW, g.padLeft, g.kW, g.outW, wMax);
  if (ph.size === 0 || pw.size === 0) return tf.zeros([g.batch, g.inH, g.inW, g.inC]);
  return tf.tidy(() => {
    // Combined filter [U, V, outC, sH*sW*inC] gathered from w (+ a zero row for empty taps).
    const zeroRow = g.kH * g.kW;
    const idx: number[] = [];
    for (let u = 0; u < ph.size; u++)
      for (let v = 0; v < pw.size; v++)
        for (let a = 0; a < sH; a++)
          for (let b = 0; b < sW; b++) {
            const kh = ph.tap[a]![u]!;
            const kw = pw.tap[b]![v]!;
            idx.push(kh < 0 || kw < 0 ? zeroRow : kh * g.kW + kw);
          }
    const wRows = tf.concat([
      tf.transpose(w, [0, 1, 3, 2]).reshape([g.kH * g.kW, g.outC * g.inC]),
      tf.zeros([1, g.outC * g.inC]),
    ]);
    const filter = tf
      .gather(wRows, tf.tensor1d(idx, 'int32'))
      .reshape([ph.size, pw.size, sH * sW, g.outC, g.inC])
      .transpose([0, 1, 3, 2, 4])
      .reshape([ph.size, pw.size, g.outC, sH * sW * g.inC]) as tf.Tensor4D;
    // Window rows i + dMin + u for i < hMax: pad dy by -dMin before and (hMax-1 + dMax) - (outH-1) after.
    const before = [-ph.dMin, -pw.dMin];
    const after = [hMax + ph.dMin + ph.size - 1 - g.outH, wMax + pw.dMin + pw.size - 1 - g.outW];
    let out: tf.Tensor4D;
    if (before[0]! >= 0 && before[1]! >= 0 && after[0]! >= 0 && after[1]! >= 0) {
      out = tf.conv2d(dy, filter, 1, [
        [0, 0],
        [before[0]!, after[0]!],
        [before[1]!, after[1]!],
        [0, 0],
      ]);
    } else {
      out = tf.conv2d(padOrCrop4D(dy, before[0]!, after[0]!, before[1]!, after[1]!), filter, 1, 'valid');
    }
    // [N, hMax, wMax, (a, b, c)] -> [N, hMax, a, wMax, (b, c)]
    let dx: tf.Tensor4D = out;
    if (sH > 1 || sW > 1) {
      dx = tf
        .transpose(out.reshape([g.batch * hMax, wMax, sH, sW * g.inC]), [0, 2, 1, 3])
        .reshape([g.batch, hMax * sH, wMax * sW, g.inC]);
    }
    if (hMax * sH !== g.inH || wMax * sW !== g.inW) {
      dx = tf.slice(dx, [0, 0, 0, 0], [g.batch, g.inH, g.inW, g.inC]);
    }
    return dx;
  });
}

/**
 * Zeroes `n` images of `floats` floats each at byte offset `at`, one image per pool unit (`pad_nhwc`
 * with no input rows: only its `top` zero rows), instead of a one-thread `fill` of the whole dx.
 */
function zeroImages(k: SimdKernels, at: number, n: number, floats: number): void {
  runUnits(k, 'pad_nhwc', [0, at, 0, 0, 4 * floats, 1, 0, 0], n, n * floats * COPY_WORK);
}

/**
 * Input gradient as one matmul + col2im: the per-tap gradients `dy[P, outC] x W^T[outC, kH*kW*inC]`
 * (one XNNPACK fully-connected call, exactly the forward MAC count) are scatter-added into dx by the
 * SIMD col2im kernel. Needs the tfjs wasm backend (returns undefined elsewhere).
 */
export function inputGradViaCol2im(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  g: ConvGeometry,
  backend: WasmBackendInternals,
): tf.Tensor4D | undefined {
  const k = simdFor(backend);
  if (!k) return undefined;
  return tf.tidy(() => {
    const P = g.batch * g.outH * g.outW;
    const wT = tf.transpose(w, [3, 0, 1, 2]).reshape([g.outC, g.kH * g.kW * g.inC]);
    const cols = tf.matMul(dy.reshape([P, g.outC]) as tf.Tensor2D, wT as tf.Tensor2D);
    const out = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
    const dx = tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D; // owns the new buffer
    zeroImages(k, heapOffset(backend, out), g.batch, g.inH * g.inW * g.inC);
    k.col2im(
      heapOffset(backend, cols), heapOffset(backend, out),
      g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.kH, g.kW, g.sH, g.sW, g.padTop, g.padLeft,
    );
    return dx;
  });
}

/** One stride phase of one axis: output positions `p + s*i` (i < count) and the taps that reach them. */
interface Phase {
  /** First filter tap of the phase: taps are `k0 + s*t`, t < taps. */
  k0: number;
  /** Number of taps (0: the phase receives no gradient). */
  taps: number;
  /** dx position `p + s*i` reads dy rows `i + c - t`. */
  c: number;
  /** Positions of the axis in this phase. */
  count: number;
}

/** The phases of one axis, and how much dy must be zero-padded before/after for all their taps. */
function phasesOf(s: number, pad: number, k: number, inLen: number, outLen: number): { phases: Phase[]; before: number; after: number } {
  const phases: Phase[] = [];
  let before = 0;
  let after = 0;
  for (let p = 0; p < s; p++) {
    const k0 = (p + pad) % s;
    const taps = k0 >= k ? 0 : Math.ceil((k - k0) / s);
    const c = Math.floor((p + pad) / s);
    const count = p < inLen ? Math.ceil((inLen - p) / s) : 0;
    phases.push({ k0, taps, c, count });
    if (taps > 0 && count > 0) {
      before = Math.max(before, taps - 1 - c);
      after = Math.max(after, count - 1 + c - (outLen - 1));
    }
  }
  return { phases, before, after };
}

/**
 * Input gradient by the direct-convolution kernel (`conv_fw_r*`), one call per stride phase: the
 * positions `(a + sH*i, b + sW*j)` of dx are a stride-1 convolution of the zero-padded dy with the
 * taps of the filter that reach that phase (rotated, in/out channels swapped), written in place
 * with strides — no zero-dilated dy, no multiply by a missing tap, no col2im buffer. Each call is
 * split over output rows across the kernel pool's threads. Needs the tfjs wasm backend and
 * inC % 4 == 0 (else undefined).
 */
export function inputGradViaDirect(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  g: ConvGeometry,
  backend: WasmBackendInternals,
): tf.Tensor4D | undefined {
  const k = simdFor(backend);
  if (!k || g.inC % 4 !== 0 || dy.dtype !== 'float32' || w.dtype !== 'float32') return undefined;
  const ph = phasesOf(g.sH, g.padTop, g.kH, g.inH, g.outH);
  const pw = phasesOf(g.sW, g.padLeft, g.kW, g.inW, g.outW);
  const R = g.inC % 8 === 0 ? 2 : 1;
  const B = 4 * R;
  return tf.tidy(() => {
    const dyp = padOrCrop4D(dy, ph.before, ph.after, pw.before, pw.after);
    const [, hp, wp] = dyp.shape;
    const out = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
    const dx = tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D; // owns the new buffer
    const packed = backend.makeOutput([g.kH * g.kW * g.outC * g.inC], 'float32');
    tf.engine().makeTensorFromTensorInfo(packed); // disposed by the tidy
    const outOff = heapOffset(backend, out);
    const empty = ph.phases.some((p) => p.taps === 0 && p.count > 0) || pw.phases.some((p) => p.taps === 0 && p.count > 0);
    if (empty) zeroImages(k, outOff, g.batch, g.inH * g.inW * g.inC);
    const wOff = heapOffset(backend, w);
    const dyOff = heapOffset(backend, dyp);
    let fOff = heapOffset(backend, packed);
    const CO = g.outC;
    const C = g.inC;
    for (let a = 0; a < g.sH; a++) {
      const A = ph.phases[a]!;
      if (A.taps === 0 || A.count === 0) continue;
      for (let b = 0; b < g.sW; b++) {
        const Bp = pw.phases[b]!;
        if (Bp.taps === 0 || Bp.count === 0) continue;
        // packed[cb][u][v][co][l] = w[k0a + sH*(Ta-1-u)][k0b + sW*(Tb-1-v)][cb*B + l][co]
        const cbStride = A.taps * Bp.taps * CO * B;
        for (let u = 0; u < A.taps; u++) {
          const kh = A.k0 + g.sH * (A.taps - 1 - u);
          for (let v = 0; v < Bp.taps; v++) {
            const kw = Bp.k0 + g.sW * (Bp.taps - 1 - v);
            k.packTaps(wOff + (kh * g.kW + kw) * C * CO * 4, fOff + (u * Bp.taps + v) * CO * B * 4, C, CO, B, cbStride);
          }
        }
        const origin = dyOff + ((A.c - (A.taps - 1) + ph.before) * wp + (Bp.c - (Bp.taps - 1) + pw.before)) * CO * 4;
        const work = g.batch * A.count * Bp.count * A.taps * Bp.taps * CO * C;
        runUnits(k, R === 2 ? 'conv_fw_r2' : 'conv_fw_r1', [
          origin, fOff, outOff + (a * g.inW + b) * C * 4, CO, C, A.taps, Bp.taps,
          CO, wp * CO, hp * wp * CO, wp * CO, CO,
          g.sW * C, g.sH * g.inW * C, g.inH * g.inW * C, A.count, Bp.count,
        ], g.batch * A.count, work);
        fOff += A.taps * Bp.taps * CO * C * 4;
      }
    }
    return dx;
  });
}

/** Attrs of the Conv2DBackpropInput kernel. */
export interface Conv2DBackpropInputKernelAttrs extends ConvGradAttrs {
  /** Shape of the conv input whose gradient is computed, `[N, H, W, inC]`. */
  inputShape: [number, number, number, number];
}

/** Which formulation `conv2DBackpropInputKernel` uses. */
export type InputGradStrategy = 'direct' | 'subpixel' | 'col2im' | 'auto';
let strategy: InputGradStrategy = 'auto';

/** Forces one formulation (for benchmarks/tests); 'auto' picks per shape. */
export function setInputGradStrategy(s: InputGradStrategy): void {
  strategy = s;
}

/**
 * Picks the cheaper formulation: the sub-pixel convolution when it multiplies (almost) no more
 * than the forward pass does (stride 1, or tiny outputs whose window gets trimmed) or when there
 * are too few input channels for a vectorised col2im; otherwise matmul + col2im.
 */
function autoInputGradStrategy(g: ConvGeometry): 'subpixel' | 'col2im' {
  if (g.inC < 4) return 'subpixel';
  const exact = g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  const ph = axisPlan(g.sH, g.padTop, g.kH, g.outH, Math.ceil(g.inH / g.sH));
  const pw = axisPlan(g.sW, g.padLeft, g.kW, g.outW, Math.ceil(g.inW / g.sW));
  const subpixel =
    g.batch * Math.ceil(g.inH / g.sH) * Math.ceil(g.inW / g.sW) * ph.size * pw.size * g.outC * g.sH * g.sW * g.inC;
  return subpixel <= 1.25 * exact ? 'subpixel' : 'col2im';
}

/** Computes the input gradient of an NHWC conv2d with the fastest formulation for the shape. */
export function conv2DBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputKernelAttrs,
  backend?: unknown,
): tf.Tensor4D {
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  return tf.tidy(() => inputGrad(dyWindow(dy, g), filter, g, backend));
}

/**
 * dy as the kernel reads it. tfjs-backend-wasm's (and the cpu backend's) kernel takes the conv
 * output's size from the attributes (`inputShape`, strides, pad) and reads dy with dy's own
 * strides, so a dy larger than that output — `conv2dTranspose` of an 8×8 input to a 4×4 output,
 * stride 1, 'same' — is read through its top-left `outH × outW` window. The same window is cut
 * here, so tfai's kernel accepts what the stock kernel accepts and gives its result. A dy of
 * another batch or channel count, or smaller than the output (the stock kernel would read past
 * its end), is refused naming both shapes.
 */
function dyWindow(dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [n, h, w, c] = dy.shape;
  if (n !== g.batch || c !== g.outC || h < g.outH || w < g.outW) checkDyShape('Conv2DBackpropInput', dy.shape, g);
  return h === g.outH && w === g.outW ? dy : tf.slice(dy, [0, 0, 0, 0], [g.batch, g.outH, g.outW, g.outC]);
}

function inputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry, backend: unknown): tf.Tensor4D {
  const s = strategy === 'auto' ? (g.inC % 4 === 0 ? 'direct' : autoInputGradStrategy(g)) : strategy;
  if (s === 'direct') {
    const be = wasmInternals(backend ?? tf.backend());
    const dx = be ? inputGradViaDirect(dy, filter, g, be) : undefined;
    if (dx) return dx;
  }
  if (s === 'col2im') {
    const be = wasmInternals(backend ?? tf.backend());
    const dx = be ? inputGradViaCol2im(dy, filter, g, be) : undefined;
    if (dx) return dx;
  }
  return inputGradViaSubpixel(dy, filter, g);
}

/** `KernelFunc` for Conv2DBackpropInput (inputs `dy`, `filter`). */
export const conv2DBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs, backend }) =>
  tf.tidy(() => {
    const dy = asTensor(inputs.dy!) as tf.Tensor4D;
    const filter = asTensor(inputs.filter!) as tf.Tensor4D;
    return conv2DBackpropInputImpl(dy, filter, attrs as unknown as Conv2DBackpropInputKernelAttrs, backend);
  });
