/**
 * Fast paths for Sum and Mean of float32 over one run of contiguous axes: the SIMD module's
 * `reduce_sum` (float64 accumulation). Non-contiguous axes and other dtypes go to the original
 * kernel.
 */
import { tf } from '../tf.js';
import { heapOffset, simdFor, sizeOf } from './internals.js';
import type { FastPath } from './fast-path.js';

/** Sum (or with `mean`, Mean) over contiguous axes. */
export function reduceFastPath(mean: boolean): FastPath {
  return ({ inputs, attrs }, be) => {
    const x = inputs.x;
    if (!x || x.dtype !== 'float32') return undefined;
    const { axis, keepDims } = (attrs ?? {}) as { axis?: number | number[] | null; keepDims?: boolean };
    const shape = x.shape;
    const axes = [...new Set(tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape))].sort((p, q) => p - q);
    if (axes.length === 0) return undefined;
    for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[0]! + i) return undefined; // contiguous only
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    const outer = sizeOf(shape.slice(0, first));
    const mid = sizeOf(shape.slice(first, last + 1));
    const inner = sizeOf(shape.slice(last + 1));
    if (mid === 0 || outer * inner === 0) return undefined;
    const k = simdFor(be);
    if (!k) return undefined;
    const outShape = keepDims
      ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : shape.filter((_, i) => i < first || i > last);
    const out = be.makeOutput(outShape, 'float32');
    const scratch = be.wasm._malloc(Math.max(8, inner * 8)) >>> 0;
    try {
      k.reduceSum(heapOffset(be, x), heapOffset(be, out), outer, mid, inner, scratch, mean ? 1 / mid : 1);
    } finally {
      be.wasm._free(scratch);
    }
    return out;
  };
}

