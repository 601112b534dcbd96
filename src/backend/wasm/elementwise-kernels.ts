/**
 * Fast paths for the element-wise kernels that are not binary ops: Select, LeakyRelu (the SIMD
 * module's `select` and `leaky_relu`) and Relu (its `relu` unit kernel, split across the kernel
 * pool). Float32 only; anything else goes to the original kernel.
 */
import { heapOffset, simdFor, sizeOf } from './internals.js';
import { ELEMENT_BLOCK } from './js-units.js';
import { runUnits } from './pool.js';
import type { FastPath } from './fast-path.js';

/** Select (where) on a bool condition and float32 values of one size. */
export const selectFastPath: FastPath = ({ inputs }, be) => {
  const { condition, t, e } = inputs;
  if (!condition || !t || !e || condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32') return undefined;
  const n = sizeOf(t.shape);
  if (n === 0 || sizeOf(e.shape) !== n || sizeOf(condition.shape) !== n) return undefined;
  const k = simdFor(be);
  if (!k) return undefined;
  const out = be.makeOutput([...t.shape], 'float32');
  k.select(heapOffset(be, condition), heapOffset(be, t), heapOffset(be, e), heapOffset(be, out), n);
  return out;
};

/** LeakyRelu on float32. */
export const leakyReluFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype !== 'float32') return undefined;
  const n = sizeOf(x.shape);
  const k = simdFor(be);
  if (n === 0 || !k) return undefined;
  const alpha = Number((attrs as { alpha?: number } | undefined)?.alpha ?? 0.2);
  const out = be.makeOutput([...x.shape], 'float32');
  k.leakyRelu(heapOffset(be, x), heapOffset(be, out), n, alpha);
  return out;
};

/** Relu on float32: tfai's `relu` unit kernel, split across the kernel pool (see relu-fn.ts). */
export const reluFastPath: FastPath = ({ inputs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype !== 'float32') return undefined;
  const n = sizeOf(x.shape);
  const k = simdFor(be);
  if (n === 0 || !k) return undefined;
  const out = be.makeOutput([...x.shape], 'float32');
  runUnits(k, 'relu', [heapOffset(be, x), heapOffset(be, out), n, ELEMENT_BLOCK], Math.ceil(n / ELEMENT_BLOCK), 2 * n);
  return out;
};

