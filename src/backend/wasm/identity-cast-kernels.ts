/**
 * Fast paths for Identity and Cast: no copy where the data do not change (tfjs-backend-wasm 4.22
 * copies), and a numeric → bool cast that means `x != 0` (the wasm kernel truncates).
 */
import type { tf } from '../tf.js';
import { heapOffset, simdFor, sizeOf, type WasmBackendInternals } from './internals.js';
import type { FastPath } from './fast-path.js';

/** Zero-copy output sharing `x`'s buffer (the wasm backend ref-counts data ids). */
function alias(be: WasmBackendInternals, x: tf.TensorInfo, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  be.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype };
}

/** Identity: the input's buffer, shared. */
export const identityFastPath: FastPath = ({ inputs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype === 'string') return undefined;
  return alias(be, x, [...x.shape], x.dtype);
};

/** Cast: to the same dtype a shared buffer; to bool `x != 0` (SIMD for float32). */
export const castFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const dtype = (attrs as { dtype?: tf.DataType } | undefined)?.dtype;
  if (!x || x.dtype === 'string' || dtype === undefined) return undefined;
  if (dtype === x.dtype) return alias(be, x, [...x.shape], x.dtype);
  // tfjs-backend-wasm 4.22 casts numbers to bool by truncation (2.5 -> 2, -1 -> 255); bool means x != 0.
  if (dtype !== 'bool' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
  const n = sizeOf(x.shape);
  const out = be.makeOutput([...x.shape], 'bool');
  if (n === 0) return out;
  if (x.dtype === 'int32') {
    const src = heapOffset(be, x) >>> 2;
    const dst = heapOffset(be, out);
    const i32 = be.wasm.HEAP32;
    const u8 = be.wasm.HEAPU8;
    for (let i = 0; i < n; i++) u8[dst + i] = i32[src + i] !== 0 ? 1 : 0;
    return out;
  }
  const k = simdFor(be);
  const zero = be.wasm._malloc(4) >>> 0;
  try {
    be.wasm.HEAPF32[zero >>> 2] = 0;
    if (k) {
      k.binary.ne_vt!(heapOffset(be, x), zero, heapOffset(be, out), n, 1);
    } else {
      const src = heapOffset(be, x) >>> 2;
      const dst = heapOffset(be, out);
      for (let i = 0; i < n; i++) be.wasm.HEAPU8[dst + i] = be.wasm.HEAPF32[src + i] !== 0 ? 1 : 0;
    }
  } finally {
    be.wasm._free(zero);
  }
  return out;
};

