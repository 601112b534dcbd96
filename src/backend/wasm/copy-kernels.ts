/**
 * Fast paths for the kernels that move data on the wasm heap: PadV2, Slice and GatherV2, as
 * runs of `copyWithin` (tfjs-backend-wasm 4.22 copies element by element), for float32, int32
 * and bool.
 */
import { tf } from '../tf.js';
import { padNhwc } from './conv-geometry.js';
import { heapOffset, sizeOf, type WasmBackendInternals } from './internals.js';
import type { FastPath } from './fast-path.js';

/** Heap view and element size for a numeric dtype. */
function heapFor(be: WasmBackendInternals, dtype: tf.DataType): { heap: Float32Array | Int32Array | Uint8Array; shift: number } | undefined {
  if (dtype === 'float32') return { heap: be.wasm.HEAPF32, shift: 2 };
  if (dtype === 'int32') return { heap: be.wasm.HEAP32, shift: 2 };
  if (dtype === 'bool') return { heap: be.wasm.HEAPU8, shift: 0 };
  return undefined;
}

/**
 * Copies a strided box: for every index tuple over `counts` (all but the innermost run), copies
 * `run` contiguous elements from `src` to `dst`; `srcStrides`/`dstStrides` are per-dim element
 * strides of the outer dims.
 */
function copyBox(
  heap: Float32Array | Int32Array | Uint8Array,
  src: number,
  dst: number,
  counts: number[],
  srcStrides: number[],
  dstStrides: number[],
  run: number,
): void {
  const rank = counts.length;
  if (rank === 0) {
    heap.copyWithin(dst, src, src + run);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let s = src;
  let d = dst;
  for (;;) {
    heap.copyWithin(d, s, s + run);
    let k = rank - 1;
    for (; k >= 0; k--) {
      idx[k]!++;
      s += srcStrides[k]!;
      d += dstStrides[k]!;
      if (idx[k]! < counts[k]!) break;
      s -= srcStrides[k]! * counts[k]!;
      d -= dstStrides[k]! * counts[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** PadV2: NHWC zero pads by the conv kernels' own pad, others by strided box copies. */
export const padFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const { paddings, constantValue } = (attrs ?? {}) as { paddings?: Array<[number, number]>; constantValue?: number };
  if (!x || !paddings || paddings.length !== x.shape.length) return undefined;
  const inSize = sizeOf(x.shape);
  if (inSize === 0 || paddings.some(([p, q]) => p < 0 || q < 0)) return undefined;
  const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const spatial = x.shape.length === 4 && paddings[0]![0] + paddings[0]![1] + paddings[3]![0] + paddings[3]![1] === 0;
  if (spatial && x.dtype === 'float32' && Object.is(constantValue ?? 0, 0)) {
    // an NHWC image pad with zeros: the conv kernels' own pad (bulk copies, across the pool)
    const out = padNhwc(be, x, paddings[1]![0], paddings[1]![1], paddings[2]![0], paddings[2]![1]);
    if (out) return out;
  }
  if (!heapFor(be, x.dtype)) return undefined;
  const out = be.makeOutput(outShape, x.dtype);
  const h = heapFor(be, x.dtype)!; // re-read after makeOutput: the heap may have grown
  const src = heapOffset(be, x) >>> h.shift;
  const dst = heapOffset(be, out) >>> h.shift;
  const value = x.dtype === 'bool' ? (constantValue ? 1 : 0) : (constantValue ?? 0);
  h.heap.fill(value, dst, dst + sizeOf(outShape));
  // innermost dims without padding are copied as one run
  let k = x.shape.length - 1;
  while (k > 0 && paddings[k]![0] === 0 && paddings[k]![1] === 0) k--;
  const run = sizeOf(x.shape.slice(k));
  const outStr = tf.util.computeStrides(outShape);
  const inStr = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  const strideOf = (strides: number[], i: number) => (i === rank - 1 ? 1 : strides[i]!);
  let dstStart = dst;
  for (let i = 0; i < rank; i++) dstStart += paddings[i]![0] * strideOf(outStr, i);
  const outer = x.shape.slice(0, k);
  copyBox(
    h.heap,
    src,
    dstStart,
    outer,
    outer.map((_, i) => strideOf(inStr, i)),
    outer.map((_, i) => strideOf(outStr, i)),
    run,
  );
  return out;
};

/** Slice by strided box copies. */
export const sliceFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const { begin, size: sz } = (attrs ?? {}) as { begin?: number | number[]; size?: number | number[] };
  if (!x || begin === undefined || sz === undefined || x.dtype === 'string') return undefined;
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, sz);
  const rank = x.shape.length;
  if (rank === 0 || sizeOf(s) === 0) return undefined;
  if (!heapFor(be, x.dtype)) return undefined;
  const out = be.makeOutput(s, x.dtype);
  const h = heapFor(be, x.dtype)!; // re-read after makeOutput: the heap may have grown
  const inStr = [...tf.util.computeStrides(x.shape), 1];
  const outStr = [...tf.util.computeStrides(s), 1];
  let k = rank - 1;
  while (k > 0 && b[k] === 0 && s[k] === x.shape[k]) k--;
  const run = sizeOf(s.slice(k));
  let src = heapOffset(be, x) >>> h.shift;
  for (let i = 0; i < rank; i++) src += b[i]! * inStr[i]!;
  const dst = heapOffset(be, out) >>> h.shift;
  copyBox(h.heap, src, dst, s.slice(0, k), inStr.slice(0, k), outStr.slice(0, k), run);
  return out;
};

/** GatherV2 by slice copies, indices checked. */
export const gatherFastPath: FastPath = ({ inputs, attrs }, be) => {
  const { x, indices } = inputs;
  const { axis, batchDims } = (attrs ?? {}) as { axis?: number; batchDims?: number };
  if (!x || !indices || indices.dtype !== 'int32' || !heapFor(be, x.dtype)) return undefined;
  const parsedAxis = tf.util.parseAxisParam(axis ?? 0, x.shape)[0]!;
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as unknown as tf.Tensor,
    indices as unknown as tf.Tensor,
    parsedAxis,
    batchDims ?? 0,
  );
  const nIdx = sizeOf(indices.shape);
  if (sizeOf(x.shape) === 0 || nIdx === 0) return undefined;
  const axisDim = x.shape[parsedAxis]!;
  const idxStart = heapOffset(be, indices) >>> 2;
  const heap32 = be.wasm.HEAP32;
  for (let i = 0; i < nIdx; i++) {
    const v = heap32[idxStart + i]!;
    if (v < 0 || v > axisDim - 1) throw new Error(`GatherV2: the index value ${v} is not in [0, ${axisDim - 1}]`);
  }
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const perBatch = nIdx / batchSize;
  const out = be.makeOutput(info.outputShape, x.dtype);
  const h = heapFor(be, x.dtype)!;
  const idx = be.wasm.HEAP32; // re-read: makeOutput may have grown the heap
  const src = heapOffset(be, x) >>> h.shift;
  let dst = heapOffset(be, out) >>> h.shift;
  const idx0 = heapOffset(be, indices) >>> 2;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = src + (b * outerSize + o) * dimSize * sliceSize;
      for (let j = 0; j < perBatch; j++) {
        const s0 = base + idx[idx0 + b * perBatch + j]! * sliceSize;
        h.heap.copyWithin(dst, s0, s0 + sliceSize);
        dst += sliceSize;
      }
    }
  }
  return out;
};

