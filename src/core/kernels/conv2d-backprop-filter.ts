/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none), built from fast wasm
 * kernels (XNNPACK conv2d / matmul, transpose, pad, strided slice).
 */
import { tf } from '../tf.js';
import { asTensor, convGeometry, padOrCrop4D, type ConvGeometry, type ConvGradAttrs } from './conv-geometry.js';

/**
 * Filter gradient as one convolution: the input with batch and channel swapped
 * (`[inC, H, W, N]`) is correlated with the output gradient used as a filter
 * (`[outH, outW, N, outC]`) at dilation = stride; the result `[inC, kH, kW, outC]` is
 * transposed to `[kH, kW, inC, outC]`.
 */
export function filterGradViaConv(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [inC, H, W, N]
    const f = tf.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, outC]
    // Negative bottom/right pads (input rows never read) just produce extra output taps; crop them.
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [g.padTop, Math.max(0, g.padBottom)],
      [g.padLeft, Math.max(0, g.padRight)],
      [0, 0],
    ];
    let out = tf.conv2d(xT, f, 1, pad, 'NHWC', [g.sH, g.sW]); // [inC, kH(+extra), kW(+extra), outC]
    if (out.shape[1] !== g.kH || out.shape[2] !== g.kW) {
      out = tf.slice(out, [0, 0, 0, 0], [g.inC, g.kH, g.kW, g.outC]);
    }
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * Filter gradient as im2col + one matmul: patches^T `[kH*kW*inC, N*outH*outW]` are gathered
 * with one strided slice per filter tap, then multiplied by dy `[N*outH*outW, outC]`.
 */
export function filterGradViaIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const xp = padOrCrop4D(x, g.padTop, g.padBottom, g.padLeft, g.padRight);
    const xT = tf.transpose(xp, [3, 0, 1, 2]); // [C, N, Hp, Wp]
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < g.kH; kh++) {
      for (let kw = 0; kw < g.kW; kw++) {
        taps.push(
          tf.stridedSlice(
            xT,
            [0, 0, kh, kw],
            [g.inC, g.batch, kh + (g.outH - 1) * g.sH + 1, kw + (g.outW - 1) * g.sW + 1],
            [1, 1, g.sH, g.sW],
          ),
        );
      }
    }
    const cols = tf.stack(taps, 0).reshape([g.kH * g.kW * g.inC, g.batch * g.outH * g.outW]);
    const dy2 = dy.reshape([g.batch * g.outH * g.outW, g.outC]);
    return tf.matMul(cols as tf.Tensor2D, dy2 as tf.Tensor2D).reshape([g.kH, g.kW, g.inC, g.outC]);
  });
}

/** Attrs of the Conv2DBackpropFilter kernel. */
export interface Conv2DBackpropFilterKernelAttrs extends ConvGradAttrs {
  /** Shape of the filter whose gradient is computed, `[kH, kW, inC, outC]`. */
  filterShape: [number, number, number, number];
}

/** Which formulation `conv2DBackpropFilterKernel` uses. */
export type FilterGradStrategy = 'conv' | 'im2col' | 'auto';
let strategy: FilterGradStrategy = 'auto';

/** Forces one formulation (for benchmarks/tests); 'auto' picks per shape. */
export function setFilterGradStrategy(s: FilterGradStrategy): void {
  strategy = s;
}

/** Computes the filter gradient of an NHWC conv2d with the fastest formulation for the shape. */
export function conv2DBackpropFilterImpl(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterKernelAttrs,
): tf.Tensor4D {
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  if (dy.shape[1] !== g.outH || dy.shape[2] !== g.outW || dy.shape[3] !== g.outC) {
    throw new Error(
      `Conv2DBackpropFilter (tfai wasm kernel): dy shape [${dy.shape.join(',')}] does not match the ` +
        `conv output [${g.batch},${g.outH},${g.outW},${g.outC}].`,
    );
  }
  const s = strategy === 'auto' ? 'conv' : strategy;
  return s === 'im2col' ? filterGradViaIm2col(x, dy, g) : filterGradViaConv(x, dy, g);
}

/** `KernelFunc` for Conv2DBackpropFilter (inputs `x`, `dy`). */
export const conv2DBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const x = asTensor(inputs.x!) as tf.Tensor4D;
    const dy = asTensor(inputs.dy!) as tf.Tensor4D;
    return conv2DBackpropFilterImpl(x, dy, attrs as unknown as Conv2DBackpropFilterKernelAttrs);
  });
