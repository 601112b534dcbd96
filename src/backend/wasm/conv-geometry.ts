/**
 * Shared geometry for the conv2d gradient kernels: turns the kernel attrs (strides, pad, dataFormat,
 * dimRoundingMode, dilations) into the exact index mapping tfjs uses for the forward conv
 * (`backend_util.computeConv2DInfo`), so the gradients read/write the same input positions.
 */
import { tf } from '../tf.js';
import { heapOffset, simdFor, wasmInternals, type WasmBackendInternals } from './internals.js';
import { runUnits } from './pool.js';

/** Padding accepted by the conv kernels: a number, 'same', 'valid', or explicit NHWC pairs. */
export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** The attrs both conv2d gradient kernels receive (the filter/input shape attr is handled apart). */
export interface ConvGradAttrs {
  /** Spatial strides `[sh, sw]` or one number for both. */
  strides: [number, number] | number;
  /** Padding mode of the forward convolution. */
  pad: ConvPad;
  /** Only 'NHWC' is supported. */
  dataFormat?: 'NHWC' | 'NCHW';
  /** Rounding for numeric pads (see `computeConv2DInfo`). */
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Dilations; only 1 is supported (tfjs itself refuses gradients of dilated convs). */
  dilations?: [number, number] | number;
}

/**
 * Forward-conv index mapping in NHWC: output `(oh, ow)` reads input rows
 * `oh*strideH + kh - padTop` for `kh < filterH` (out-of-range rows read zeros).
 */
export interface ConvGeometry {
  /** Batch size N. */
  batch: number;
  /** Input height H. */
  inH: number;
  /** Input width W. */
  inW: number;
  /** Input channels. */
  inC: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
  /** Output channels. */
  outC: number;
  /** Filter height. */
  kH: number;
  /** Filter width. */
  kW: number;
  /** Vertical stride. */
  sH: number;
  /** Horizontal stride. */
  sW: number;
  /** Zero rows above the input. */
  padTop: number;
  /** Zero columns left of the input. */
  padLeft: number;
  /**
   * Zero rows below the input that the last output row actually reads:
   * `(outH-1)*sH + kH - inH - padTop`. Negative when trailing input rows are never read.
   */
  padBottom: number;
  /** Same as `padBottom`, for columns on the right. */
  padRight: number;
}

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * Validates the attrs of a conv2d gradient kernel and computes its geometry with
 * `tf.backend_util.computeConv2DInfo` (so 'same'/'valid'/numeric/explicit padding and
 * dimRoundingMode match the forward op exactly).
 * @throws Error for NCHW data, dilations other than 1, or non-float32 inputs.
 */
export function convGeometry(
  kernelName: string,
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvGradAttrs,
): ConvGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(
      `${kernelName} (tfai wasm kernel): dataFormat '${attrs.dataFormat}' is not supported; use 'NHWC'.`,
    );
  }
  const [dh, dw] = pair(attrs.dilations, 1);
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `${kernelName} (tfai wasm kernel): dilations [${dh}, ${dw}] are not supported; only 1 is.`,
    );
  }
  if (inShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `${kernelName} (tfai wasm kernel): expected rank-4 input and filter shapes, got ` +
        `[${inShape.join(',')}] and [${filterShape.join(',')}].`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const g: ConvGeometry = {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: 0,
    padRight: 0,
  };
  g.padBottom = (g.outH - 1) * g.sH + g.kH - g.inH - g.padTop;
  g.padRight = (g.outW - 1) * g.sW + g.kW - g.inW - g.padLeft;
  return g;
}

/**
 * Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC tensor in
 * one pass each. Returns the input itself when nothing changes.
 */
export function padOrCrop4D(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    const hh = h - t0 - Math.max(0, -bottom);
    const ww = w - l0 - Math.max(0, -right);
    y = tf.slice(y, [0, t0, l0, 0], [n, hh, ww, c]);
  }
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  if (pt || pb || pl || pr) {
    y = padOnWasm(y, pt, pb, pl, pr) ?? tf.pad(y, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
  }
  return y;
}

/** Copying a float costs about this many multiply-adds' time, for the pool's split threshold. */
export const COPY_WORK = 4;

/**
 * Zero-pads the spatial axes of a float32 NHWC tensor with the `pad_nhwc` kernel (bulk memory
 * copies, images split across the kernel pool), or returns undefined when the backend is not tfai's
 * wasm (the caller then uses `tf.pad`). The result is a new tensor in the current scope.
 */
function padOnWasm(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D | undefined {
  const be = x.dtype === 'float32' ? wasmInternals(tf.backend()) : undefined;
  const out = be && padNhwc(be, x, top, bottom, left, right);
  return out && (tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D);
}

/**
 * The zero-padded copy of a float32 NHWC tensor (`pad_nhwc`: bulk memory copies, images split
 * across the kernel pool) as a new backend output, or undefined without the SIMD module.
 */
export function padNhwc(be: WasmBackendInternals, x: tf.TensorInfo, top: number, bottom: number, left: number, right: number): tf.TensorInfo | undefined {
  const k = simdFor(be);
  if (!k || x.shape.length !== 4) return undefined;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const H = h + top + bottom;
  const W = w + left + right;
  const out = be.makeOutput([n, H, W, c], 'float32');
  runUnits(k, 'pad_nhwc', [heapOffset(be, x), heapOffset(be, out), h, w * c * 4, W * c * 4, top, bottom, left * c * 4], n, n * H * W * c * COPY_WORK);
  return out;
}

/**
 * Wraps a kernel input as a `tf.Tensor` (kernel inputs are usually the tensors themselves; a bare
 * TensorInfo gets a fresh handle that the surrounding `tf.tidy` disposes).
 */
export function asTensor(info: tf.TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  tf.backend().incRef(info.dataId); // the handle holds its own reference to the shared buffer
  return t;
}

/** Throw unless the upstream gradient `dy` has the conv output's shape `[N, outH, outW, outC]`. */
export function checkDyShape(kernel: string, dy: readonly number[], g: ConvGeometry): void {
  if (dy[0] !== g.batch || dy[1] !== g.outH || dy[2] !== g.outW || dy[3] !== g.outC) {
    throw new Error(`${kernel} (tfai wasm kernel): dy shape [${dy.join(',')}] does not match the conv output [${g.batch},${g.outH},${g.outW},${g.outC}].`);
  }
}
