/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none): either one XNNPACK
 * convolution of the batch/channel-swapped input with dy as the filter, or a SIMD outer-product
 * kernel that reads x and dy in place.
 *
 * XNNPACK's cost is mostly packing dy as weights (~8 ns per value), so on small filters the
 * outer-product kernel is faster (2.5 against 8.7 ms on the MNIST convnet's conv1 at batch 512).
 * (im2col through tfjs-wasm's strided slices and a matmul is far slower: 80-600 ms there.)
 */
import { tf } from '../tf.js';
import { asTensor, checkDyShape, convGeometry, padOrCrop4D, type ConvGeometry, type ConvGradAttrs } from './conv-geometry.js';
import { heapOffset, simdFor, wasmInternals, type WasmBackendInternals } from './internals.js';
import { runUnits } from './pool.js';

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

/** Cache blocking of the filter-gradient kernel. */
export interface FilterGradBlocking {
  /** Output pixels per tile pass (the x and dy slice each tile re-reads; default 256). */
  pixelsPerBlock: number;
  /**
   * Bytes of x + dy rows per kernel call; later calls accumulate (default 512 KiB: on ResNet-18's
   * 1×1 stride-2 shortcut 36–37 GFLOP/s against 30–32 with 2 MiB, and no slower on other shapes).
   */
  bytesPerCall: number;
  /**
   * Fewest units per call (default 16). A unit is one (filter row, channel block) pair, so a
   * filter with few output channels has few (a 3×3 → 16 channels: 6), too coarse to share
   * evenly between threads; then the output rows are cut into up to 4 parts, each accumulating
   * into its own gradient, added up at the end. Depends on the shape only, never on the thread
   * count, so 1 and N threads give the same bits.
   */
  minUnits: number;
}
const DEFAULT_BLOCKING: FilterGradBlocking = { pixelsPerBlock: 256, bytesPerCall: 512 << 10, minUnits: 16 };
/** Most parts the output rows are cut into (see `FilterGradBlocking.minUnits`). */
const MAX_PARTS = 4;
const blocking: FilterGradBlocking = { ...DEFAULT_BLOCKING };

/** Changes the filter-gradient kernel's cache blocking (for tests and benchmarks); no argument restores the defaults. */
export function setFilterGradBlocking(b: Partial<FilterGradBlocking> = DEFAULT_BLOCKING): void {
  Object.assign(blocking, b);
}

/**
 * Filter gradient by the SIMD outer-product kernel (`conv_dw_r*`): reads the zero-padded input and
 * dy in place (no transposes, no XNNPACK weight packing), in calls of ~512 KB of input rows so that
 * what the tiles re-read stays in cache, each call split over (row part, filter row, 8-channel
 * block) units across the kernel pool's threads (`conv_dw_parts`; one part unless the filter has
 * few units, see `FilterGradBlocking.minUnits`). Needs the tfjs wasm backend and outC % 4 == 0
 * (else undefined).
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
    const R = g.outC % 8 === 0 ? 2 : 1;
    const [, hp, wp] = xp.shape;
    const rows = g.batch * g.outH;
    const units = g.kH * (g.outC / (4 * R));
    const parts = Math.max(1, Math.min(MAX_PARTS, rows, Math.ceil(blocking.minUnits / units)));
    const size = g.kH * g.kW * g.inC * g.outC;
    const out = backend.makeOutput(parts === 1 ? [g.kH, g.kW, g.inC, g.outC] : [parts, size], 'float32');
    const grads = tf.engine().makeTensorFromTensorInfo(out);
    const qBlock = Math.max(1, Math.round(blocking.pixelsPerBlock / g.outW));
    const bytesPerRow = 4 * (g.sH * wp * g.inC + g.outW * g.outC);
    const perCall = Math.max(qBlock, Math.floor(blocking.bytesPerCall / bytesPerRow / qBlock) * qBlock);
    const panels = units * qBlock * g.outW * 4 * R;
    const scratch = backend.makeOutput([parts * panels], 'float32');
    tf.engine().makeTensorFromTensorInfo(scratch); // disposed by the tidy
    const xo = heapOffset(backend, xp);
    const dyo = heapOffset(backend, dy);
    const oo = heapOffset(backend, out);
    const so = heapOffset(backend, scratch);
    const partRows = Math.ceil(rows / parts);
    for (let chunk = 0; chunk * perCall < partRows; chunk++) {
      const q = Math.min(perCall, partRows - chunk * perCall);
      runUnits(k, 'conv_dw_parts', [
        R, xo, dyo, oo, 4 * size, so, 4 * panels, hp, wp, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.sH, g.sW,
        rows, parts, perCall, chunk, qBlock,
      ], parts * units, parts * q * g.outW * g.kH * g.kW * g.inC * g.outC);
    }
    // the parts' gradients added up in part order (same bits on any thread count)
    return (parts === 1 ? grads : tf.sum(grads, 0).reshape([g.kH, g.kW, g.inC, g.outC])) as tf.Tensor4D;
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
  // the outer-product kernel wins below ~200 multiply-adds per packed value (kH*kW*inC).
  const s = strategy === 'auto' ? 'outer' : strategy;
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
