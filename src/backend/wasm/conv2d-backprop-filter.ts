/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none): either one XNNPACK
 * convolution of the batch/channel-swapped input with dy as the filter, or a SIMD outer-product
 * kernel that reads x and dy in place.
 *
 * Measured on the MNIST convnet at batch 512 (CPU ms): im2col via strided slices + matmul was
 * 80-600 ms (tfjs-wasm StridedSlice/stack are slow); the XNNPACK convolution 4-16 ms, of which
 * packing dy as weights is ~8 ns per value; the outer-product kernel is 2.5 ms on conv1 (vs 8.7),
 * but slower once the filter has more than ~200 taps*channels.
 */
import { tf } from '../tf.js';
import { asTensor, checkDyShape, convGeometry, padOrCrop4D, type ConvGeometry, type ConvGradAttrs } from './conv-geometry.js';
import { heapOffset, simdFor, wasmInternals, type WasmBackendInternals } from './internals.js';

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
 * Filter gradient by the SIMD outer-product kernel: reads the zero-padded input and dy in place (no
 * transposes, no XNNPACK weight packing, whose cost grows with N*outH*outW*outC and dominates
 * when the filter is small). Needs the tfjs wasm backend and outC % 4 == 0 (else undefined).
 */
export function filterGradViaOuter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  g: ConvGeometry,
  backend: WasmBackendInternals,
): tf.Tensor4D | undefined {
  const k = simdFor(backend);
  if (!k || g.outC % 4 !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  return tf.tidy(() => {
    const xp = padOrCrop4D(x, g.padTop, Math.max(0, g.padBottom), g.padLeft, Math.max(0, g.padRight));
    const out = backend.makeOutput([g.kH, g.kW, g.inC, g.outC], 'float32');
    const dw = tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
    const fn = g.outC % 8 === 0 ? k.convDw.r2 : k.convDw.r1;
    fn(
      heapOffset(backend, xp), heapOffset(backend, dy), heapOffset(backend, out),
      g.batch, xp.shape[1], xp.shape[2], g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.sH, g.sW,
    );
    return dw;
  });
}

/** Attrs of the Conv2DBackpropFilter kernel. */
export interface Conv2DBackpropFilterKernelAttrs extends ConvGradAttrs {
  /** Shape of the filter whose gradient is computed, `[kH, kW, inC, outC]`. */
  filterShape: [number, number, number, number];
}

/** Which formulation `conv2DBackpropFilterKernel` uses. */
export type FilterGradStrategy = 'conv' | 'outer' | 'auto';
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
  backend?: unknown,
): tf.Tensor4D {
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  checkDyShape('Conv2DBackpropFilter', dy.shape, g);
  // XNNPACK's cost is dominated by packing dy (N*outH*outW*outC values) when the filter is small;
  // the outer-product kernel wins below ~200 multiply-adds per packed value (kH*kW*inC): measured
  // 2.5 vs 8.7 ms (25), 5.2 vs 7.4 (72), 5.9 vs 7.6 (144), 6.7 vs 6.3 (288), 3.6 vs 3.1 (576).
  const s = strategy === 'auto' ? (g.kH * g.kW * g.inC <= 192 ? 'outer' : 'conv') : strategy;
  if (s === 'outer') {
    const be = wasmInternals(backend ?? tf.backend());
    const dw = be ? filterGradViaOuter(x, dy, g, be) : undefined;
    if (dw) return dw;
  }
  return filterGradViaConv(x, dy, g);
}

/** `KernelFunc` for Conv2DBackpropFilter (inputs `x`, `dy`). */
export const conv2DBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs, backend }) =>
  tf.tidy(() => {
    const x = asTensor(inputs.x!) as tf.Tensor4D;
    const dy = asTensor(inputs.dy!) as tf.Tensor4D;
    return conv2DBackpropFilterImpl(x, dy, attrs as unknown as Conv2DBackpropFilterKernelAttrs, backend);
  });
