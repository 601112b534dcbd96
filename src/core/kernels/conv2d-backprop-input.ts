/**
 * Conv2DBackpropInput for the wasm backend, replacing tfjs-backend-wasm's reference loop with
 * XNNPACK convolutions over the output gradient.
 */
import { tf } from '../tf.js';
import { asTensor, convGeometry, padOrCrop4D, type ConvGeometry, type ConvGradAttrs } from './conv-geometry.js';

/** `[kH, kW, inC, outC]` -> spatially flipped, `[kH, kW, outC, inC]`. */
function flipTranspose(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
}

/**
 * Input gradient as one stride-1 convolution of the zero-dilated (by stride) and padded output
 * gradient with the flipped, in/out-transposed filter. Wastes `stride^2` work on the zeros.
 */
export function inputGradViaDilation(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    let d: tf.Tensor4D = dy;
    if (g.sH > 1 || g.sW > 1) {
      d = dy
        .reshape([g.batch, g.outH, 1, g.outW, 1, g.outC])
        .pad([
          [0, 0],
          [0, 0],
          [0, g.sH - 1],
          [0, 0],
          [0, g.sW - 1],
          [0, 0],
        ])
        .reshape([g.batch, g.outH * g.sH, g.outW * g.sW, g.outC]);
    }
    const lh = g.outH * g.sH;
    const lw = g.outW * g.sW;
    const pt = g.kH - 1 - g.padTop;
    const pl = g.kW - 1 - g.padLeft;
    const pb = g.inH + g.kH - 1 - lh - pt;
    const pr = g.inW + g.kW - 1 - lw - pl;
    const dp = padOrCrop4D(d, pt, pb, pl, pr);
    return tf.conv2d(dp, flipTranspose(w), 1, 'valid');
  });
}

/**
 * Input gradient split into `sH*sW` stride-1 convolutions, one per output phase
 * `(r mod sH, c mod sW)`: each uses only the filter taps that hit that phase, so no work is
 * spent on inserted zeros; the phases are then interleaved.
 */
export function inputGradViaPhases(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  if (g.sH === 1 && g.sW === 1) return inputGradViaDilation(dy, w, g);
  return tf.tidy(() => {
    const wf = flipTranspose(w); // wf[u] = w[kH-1-u]
    const hMax = Math.ceil(g.inH / g.sH);
    const wMax = Math.ceil(g.inW / g.sW);
    // 1-D plan for one axis and phase p: taps k = k0 + s*t (t < T), dx[p + s*i] = sum_t dy[i + c - t] w[k].
    const plan = (p: number, s: number, pad: number, k: number, inLen: number, outLen: number, maxLen: number) => {
      const k0 = (((p + pad) % s) + s) % s;
      const T = k0 >= k ? 0 : Math.ceil((k - k0) / s);
      const c = Math.floor((p + pad) / s);
      const len = Math.max(0, Math.ceil((inLen - p) / s));
      // stride-1 correlation with the flipped sub-filter: out[i] reads dy[i + c - T + 1 + u], u < T
      const before = T - 1 - c;
      // produce maxLen rows (rows >= len are cropped later) so all phases stack
      const after = maxLen + T - 1 - outLen - before;
      // flipped taps in wf: u -> wf index (k - 1 - (k0 + s*(T-1-u)))
      const first = k - 1 - (k0 + s * (T - 1));
      return { T, before, after, first, len };
    };
    const rows: tf.Tensor[] = [];
    for (let ph = 0; ph < g.sH; ph++) {
      const cols: tf.Tensor[] = [];
      const ap = plan(ph, g.sH, g.padTop, g.kH, g.inH, g.outH, hMax);
      for (let pw = 0; pw < g.sW; pw++) {
        const bp = plan(pw, g.sW, g.padLeft, g.kW, g.inW, g.outW, wMax);
        if (ap.T === 0 || bp.T === 0) {
          cols.push(tf.zeros([g.batch, hMax, wMax, g.inC]));
          continue;
        }
        const sub = tf.stridedSlice(
          wf,
          [ap.first, bp.first, 0, 0],
          [ap.first + (ap.T - 1) * g.sH + 1, bp.first + (bp.T - 1) * g.sW + 1, g.outC, g.inC],
          [g.sH, g.sW, 1, 1],
        ) as tf.Tensor4D;
        const dp = padOrCrop4D(dy, ap.before, ap.after, bp.before, bp.after);
        cols.push(tf.conv2d(dp, sub, 1, 'valid'));
      }
      rows.push(tf.stack(cols, 3)); // [N, hMax, wMax, sW, C]
    }
    const all = tf.stack(rows, 2); // [N, hMax, sH, wMax, sW, C]
    const full = all.reshape([g.batch, hMax * g.sH, wMax * g.sW, g.inC]) as tf.Tensor4D;
    if (hMax * g.sH === g.inH && wMax * g.sW === g.inW) return full;
    return tf.slice(full, [0, 0, 0, 0], [g.batch, g.inH, g.inW, g.inC]);
  });
}

/** One spatial axis of the sub-pixel plan: for each output phase, which filter taps hit it. */
interface AxisPlan {
  /** Union window over all phases: output row `i` of phase grids reads dy rows `i + dMin + u`, `u < size`. */
  dMin: number;
  /** Window size. */
  size: number;
  /** `tap[p][u]` = filter index used by phase `p` at window offset `u`, or -1 for none. */
  tap: number[][];
}

function axisPlan(s: number, pad: number, k: number): AxisPlan {
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
  const size = dMax - dMin + 1;
  const tap = phases.map(({ k0, T, c }) =>
    Array.from({ length: size }, (_, u) => {
      const t = c - (dMin + u);
      return t >= 0 && t < T ? k0 + s * t : -1;
    }),
  );
  return { dMin, size, tap };
}

/**
 * Input gradient as ONE stride-1 convolution (sub-pixel / phase decomposition): each of the
 * `sH*sW` output phases `(r mod sH, c mod sW)` gets its own block of output channels, whose filter
 * holds only the taps that land on that phase (zeros elsewhere in the shared window), so the
 * inserted zeros of the dilated formulation are never multiplied. The phase channels are then
 * interleaved back into space with one transpose.
 */
export function inputGradViaSubpixel(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const ph = axisPlan(g.sH, g.padTop, g.kH);
  const pw = axisPlan(g.sW, g.padLeft, g.kW);
  if (ph.size === 0 || pw.size === 0) return tf.zeros([g.batch, g.inH, g.inW, g.inC]);
  return tf.tidy(() => {
    const { sH, sW } = g;
    const hMax = Math.ceil(g.inH / sH);
    const wMax = Math.ceil(g.inW / sW);
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

/** Attrs of the Conv2DBackpropInput kernel. */
export interface Conv2DBackpropInputKernelAttrs extends ConvGradAttrs {
  /** Shape of the conv input whose gradient is computed, `[N, H, W, inC]`. */
  inputShape: [number, number, number, number];
}

/** Which formulation `conv2DBackpropInputKernel` uses. */
export type InputGradStrategy = 'dilation' | 'phases' | 'subpixel' | 'auto';
let strategy: InputGradStrategy = 'auto';

/** Forces one formulation (for benchmarks/tests); 'auto' picks per shape. */
export function setInputGradStrategy(s: InputGradStrategy): void {
  strategy = s;
}

/** Computes the input gradient of an NHWC conv2d with the fastest formulation for the shape. */
export function conv2DBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputKernelAttrs,
): tf.Tensor4D {
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  if (dy.shape[0] !== g.batch || dy.shape[1] !== g.outH || dy.shape[2] !== g.outW || dy.shape[3] !== g.outC) {
    throw new Error(
      `Conv2DBackpropInput (tfai wasm kernel): dy shape [${dy.shape.join(',')}] does not match the ` +
        `conv output [${g.batch},${g.outH},${g.outW},${g.outC}].`,
    );
  }
  const s = strategy === 'auto' ? 'subpixel' : strategy;
  if (s === 'dilation') return inputGradViaDilation(dy, filter, g);
  if (s === 'phases') return inputGradViaPhases(dy, filter, g);
  return inputGradViaSubpixel(dy, filter, g);
}

/** `KernelFunc` for Conv2DBackpropInput (inputs `dy`, `filter`). */
export const conv2DBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const dy = asTensor(inputs.dy!) as tf.Tensor4D;
    const filter = asTensor(inputs.filter!) as tf.Tensor4D;
    return conv2DBackpropInputImpl(dy, filter, attrs as unknown as Conv2DBackpropInputKernelAttrs);
  });
