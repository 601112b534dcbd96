/**
 * Depthwise 2-D convolution (each input channel convolved with its own `m` filters, PyTorch's
 * `Conv2d(groups=in_channels)`), with symmetric zero padding as PyTorch pads.
 *
 * TF.js's wasm backend has the forward kernel but not the two gradient kernels, so on a backend
 * without them the backward pass is written here with ops every backend has: the input gradient
 * is a stride-1 depthwise convolution of the zero-dilated output gradient with the flipped filter,
 * and the filter gradient is one strided slice of the padded input times the output gradient per
 * filter tap (k² reductions).
 */
import { tf } from '../../backend/tf.js';

type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** Whether the current backend has TF.js's own depthwise gradient kernels. */
function nativeGradients(): boolean {
  const b = tf.getBackend();
  return tf.getKernel('DepthwiseConv2dNativeBackpropInput', b) !== undefined && tf.getKernel('DepthwiseConv2dNativeBackpropFilter', b) !== undefined;
}

/** `d` `[N, H, W, C]` with `s - 1` zero rows and columns between its rows and columns. */
function dilate(d: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return d;
  const [n, h, w, c] = d.shape;
  const spread = tf.pad(tf.reshape(d, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [n, h * s, w * s, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * s + 1, (w - 1) * s + 1, c]);
}

function depthwiseWithOwnGradients(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: number): tf.Tensor4D {
  const pads: Pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi] = args as tf.Tensor4D[];
    const save = args[2] as tf.GradSaveFunc;
    save([xi, wi]);
    return {
      value: tf.depthwiseConv2d(xi, wi, stride, pads),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor4D[];
        const g = dy as tf.Tensor4D;
        return [inputGrad(g, ws, xs.shape, stride, padding), filterGrad(g, xs, ws.shape, stride, padding)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/** dx: the transposed depthwise convolution of `dy` `[N, Ho, Wo, C·m]`, cropped to `[N, H, W, C]`. */
function inputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], s: number, p: number): tf.Tensor4D {
  const [n, h, wd, c] = xShape;
  const [k, , , m] = w.shape;
  const [, ho, wo] = dy.shape;
  const hp = h + 2 * p;
  const wp = wd + 2 * p;
  // rows of the padded input that no window reaches get no gradient: pad them in at the end
  const extraH = hp - ((ho - 1) * s + k);
  const extraW = wp - ((wo - 1) * s + k);
  const flipped = tf.reshape(tf.reverse(w, [0, 1]), [k, k, c * m, 1]) as tf.Tensor4D;
  const dd = tf.pad(dilate(dy, s), [[0, 0], [k - 1, k - 1 + extraH], [k - 1, k - 1 + extraW], [0, 0]]);
  let full = tf.depthwiseConv2d(dd, flipped, 1, 'valid') as tf.Tensor4D; // [N, hp, wp, C·m]
  if (m > 1) full = tf.sum(tf.reshape(full, [n, hp, wp, c, m]), 4) as tf.Tensor4D;
  return tf.slice(full, [0, p, p, 0], [n, h, wd, c]);
}

/** dW `[k, k, C, m]`: for each tap, Σ over batch and positions of the strided input slice × dy. */
function filterGrad(dy: tf.Tensor4D, x: tf.Tensor4D, wShape: number[], s: number, p: number): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const [k, , , m] = wShape;
  const [, ho, wo] = dy.shape;
  const xp = p ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
  const dy5 = tf.reshape(dy, [n, ho, wo, c, m]);
  const taps: tf.Tensor[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const sl = tf.stridedSlice(xp, [0, a, b, 0], [n, a + (ho - 1) * s + 1, b + (wo - 1) * s + 1, c], [1, s, s, 1]);
      taps.push(tf.sum(tf.mul(tf.expandDims(sl, 4), dy5), [0, 1, 2])); // [C, m]
    }
  }
  return tf.reshape(tf.stack(taps), [k, k, c, m]);
}

/**
 * Depthwise convolution of NHWC `x` `[N, H, W, C]` with `w` `[k, k, C, m]` (output `[N, Ho, Wo,
 * C·m]`, channel `c·m + j` from filter `j` of channel `c`, as PyTorch orders a grouped conv's
 * outputs), stride `stride`, `padding` zeros on each side. Differentiable on every backend.
 */
export function depthwiseConv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: number): tf.Tensor4D {
  if (nativeGradients()) return tf.depthwiseConv2d(x, w, stride, [[0, 0], [padding, padding], [padding, padding], [0, 0]]);
  return depthwiseWithOwnGradients(x, w, stride, padding);
}
