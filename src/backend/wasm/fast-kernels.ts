/**
 * Faster replacements for tfjs-backend-wasm 4.22 kernels that dominate a convnet training step
 * but run as scalar (or copy-heavy) code there: broadcasting binary ops, comparisons, Select,
 * LeakyRelu, Sum/Mean over contiguous axes, PadV2, Slice, GatherV2, Identity and same-dtype Cast;
 * and the larger forward convolutions (Conv2D, see conv2d-forward.ts).
 *
 * Each replacement handles the common float32 layouts with the SIMD module (`simd-module.ts`) or
 * plain memory moves on the wasm heap, and hands every other case to the original wasm kernel.
 */
import { tf } from '../tf.js';
import { binaryOpReturnsBool } from './simd-module.js';
import { heapOffset, simdFor, sizeOf, wasmInternals, type WasmBackendInternals } from './internals.js';
import { conv2dDirect } from './conv2d-forward.js';
import { padNhwc } from './conv-geometry.js';
import { maxPoolGradFast } from './max-pool-grad.js';
import { BINARY_ROW_OPS, ELEMENT_BLOCK, elementwiseUnitRows } from './js-units.js';
import { runUnits } from './pool.js';

/** The argument object tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];
/** A fast path: returns undefined to defer to the original kernel. */
export type FastPath = (args: KernelArgs, be: WasmBackendInternals) => tf.TensorInfo | undefined;

const internals = wasmInternals;
const simd = simdFor;
const ptr = heapOffset;
const size = sizeOf;

/** Zero-copy output sharing `x`'s buffer (the wasm backend ref-counts data ids). */
function alias(be: WasmBackendInternals, x: tf.TensorInfo, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  be.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype };
}

/**
 * Block size `c` if `small` broadcasts against `full` as a trailing block (its shape, minus
 * leading 1s, equals the trailing dims of `full`); undefined otherwise. Scalars give 1.
 */
function trailingBlock(small: readonly number[], full: readonly number[]): number | undefined {
  let k = 0;
  while (k < small.length && small[k] === 1) k++;
  const core = small.slice(k);
  if (core.length > full.length) return undefined;
  const tail = full.slice(full.length - core.length);
  for (let i = 0; i < core.length; i++) if (core[i] !== tail[i]) return undefined;
  return size(core);
}

const BINARY_KERNELS: Record<string, string> = {
  Add: 'add',
  Sub: 'sub',
  Multiply: 'mul',
  RealDiv: 'div',
  Maximum: 'max',
  Minimum: 'min',
  SquaredDifference: 'sqdiff',
  Greater: 'gt',
  GreaterEqual: 'ge',
  Less: 'lt',
  LessEqual: 'le',
  Equal: 'eq',
  NotEqual: 'ne',
};

function binaryFastPath(opName: string): FastPath {
  const bool = binaryOpReturnsBool(opName);
  const opIndex = (BINARY_ROW_OPS as readonly string[]).indexOf(opName);
  return ({ inputs }, be) => {
    const a = inputs.a;
    const b = inputs.b;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const k = simd(be);
    if (!k) return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = size(outShape);
    if (n === 0) return undefined;
    let fn: 'vt' | 'tv';
    let c: number | undefined;
    if (size(a.shape) === n && (c = trailingBlock(b.shape, outShape)) !== undefined) fn = 'vt';
    else if (size(b.shape) === n && (c = trailingBlock(a.shape, outShape)) !== undefined) fn = 'tv';
    else return undefined;
    const out = be.makeOutput(outShape, bool ? 'bool' : 'float32');
    // Big calls run in row blocks across the kernel pool (a same-shape op as rows of 1 element).
    const same = c === n;
    const rows = same ? n : n / c;
    const rowLen = same ? 1 : c;
    const unitRows = elementwiseUnitRows(rowLen);
    if (rows <= unitRows) k.binary[`${opName}_${fn}`]!(ptr(be, a), ptr(be, b), ptr(be, out), n / c, c);
    else runUnits(k, 'binary_rows', [opIndex, same ? 2 : fn === 'vt' ? 1 : 0, ptr(be, a), ptr(be, b), ptr(be, out), bool ? 1 : 4, rowLen, rows, unitRows], Math.ceil(rows / unitRows), n * 2);
    return out;
  };
}

const selectFastPath: FastPath = ({ inputs }, be) => {
  const { condition, t, e } = inputs;
  if (!condition || !t || !e || condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32') return undefined;
  const n = size(t.shape);
  if (n === 0 || size(e.shape) !== n || size(condition.shape) !== n) return undefined;
  const k = simd(be);
  if (!k) return undefined;
  const out = be.makeOutput([...t.shape], 'float32');
  k.select(ptr(be, condition), ptr(be, t), ptr(be, e), ptr(be, out), n);
  return out;
};

const leakyReluFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype !== 'float32') return undefined;
  const n = size(x.shape);
  const k = simd(be);
  if (n === 0 || !k) return undefined;
  const alpha = Number((attrs as { alpha?: number } | undefined)?.alpha ?? 0.2);
  const out = be.makeOutput([...x.shape], 'float32');
  k.leakyRelu(ptr(be, x), ptr(be, out), n, alpha);
  return out;
};

/** Relu on float32: tfai's `relu` unit kernel, split across the kernel pool (see relu-fn.ts). */
const reluFastPath: FastPath = ({ inputs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype !== 'float32') return undefined;
  const n = size(x.shape);
  const k = simd(be);
  if (n === 0 || !k) return undefined;
  const out = be.makeOutput([...x.shape], 'float32');
  runUnits(k, 'relu', [ptr(be, x), ptr(be, out), n, ELEMENT_BLOCK], Math.ceil(n / ELEMENT_BLOCK), 2 * n);
  return out;
};

function reduceFastPath(mean: boolean): FastPath {
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
    const outer = size(shape.slice(0, first));
    const mid = size(shape.slice(first, last + 1));
    const inner = size(shape.slice(last + 1));
    if (mid === 0 || outer * inner === 0) return undefined;
    const k = simd(be);
    if (!k) return undefined;
    const outShape = keepDims
      ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : shape.filter((_, i) => i < first || i > last);
    const out = be.makeOutput(outShape, 'float32');
    const scratch = be.wasm._malloc(Math.max(8, inner * 8)) >>> 0;
    try {
      k.reduceSum(ptr(be, x), ptr(be, out), outer, mid, inner, scratch, mean ? 1 / mid : 1);
    } finally {
      be.wasm._free(scratch);
    }
    return out;
  };
}

const identityFastPath: FastPath = ({ inputs }, be) => {
  const x = inputs.x;
  if (!x || x.dtype === 'string') return undefined;
  return alias(be, x, [...x.shape], x.dtype);
};

const castFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const dtype = (attrs as { dtype?: tf.DataType } | undefined)?.dtype;
  if (!x || x.dtype === 'string' || dtype === undefined) return undefined;
  if (dtype === x.dtype) return alias(be, x, [...x.shape], x.dtype);
  // tfjs-backend-wasm 4.22 casts numbers to bool by truncation (2.5 -> 2, -1 -> 255); bool means x != 0.
  if (dtype !== 'bool' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
  const n = size(x.shape);
  const out = be.makeOutput([...x.shape], 'bool');
  if (n === 0) return out;
  if (x.dtype === 'int32') {
    const src = ptr(be, x) >>> 2;
    const dst = ptr(be, out);
    const i32 = be.wasm.HEAP32;
    const u8 = be.wasm.HEAPU8;
    for (let i = 0; i < n; i++) u8[dst + i] = i32[src + i] !== 0 ? 1 : 0;
    return out;
  }
  const k = simd(be);
  const zero = be.wasm._malloc(4) >>> 0;
  try {
    be.wasm.HEAPF32[zero >>> 2] = 0;
    if (k) {
      k.binary.ne_vt!(ptr(be, x), zero, ptr(be, out), n, 1);
    } else {
      const src = ptr(be, x) >>> 2;
      const dst = ptr(be, out);
      for (let i = 0; i < n; i++) be.wasm.HEAPU8[dst + i] = be.wasm.HEAPF32[src + i] !== 0 ? 1 : 0;
    }
  } finally {
    be.wasm._free(zero);
  }
  return out;
};

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

const padFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const { paddings, constantValue } = (attrs ?? {}) as { paddings?: Array<[number, number]>; constantValue?: number };
  if (!x || !paddings || paddings.length !== x.shape.length) return undefined;
  const inSize = size(x.shape);
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
  const src = ptr(be, x) >>> h.shift;
  const dst = ptr(be, out) >>> h.shift;
  const value = x.dtype === 'bool' ? (constantValue ? 1 : 0) : (constantValue ?? 0);
  h.heap.fill(value, dst, dst + size(outShape));
  // innermost dims without padding are copied as one run
  let k = x.shape.length - 1;
  while (k > 0 && paddings[k]![0] === 0 && paddings[k]![1] === 0) k--;
  const run = size(x.shape.slice(k));
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

const sliceFastPath: FastPath = ({ inputs, attrs }, be) => {
  const x = inputs.x;
  const { begin, size: sz } = (attrs ?? {}) as { begin?: number | number[]; size?: number | number[] };
  if (!x || begin === undefined || sz === undefined || x.dtype === 'string') return undefined;
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, sz);
  const rank = x.shape.length;
  if (rank === 0 || size(s) === 0) return undefined;
  if (!heapFor(be, x.dtype)) return undefined;
  const out = be.makeOutput(s, x.dtype);
  const h = heapFor(be, x.dtype)!; // re-read after makeOutput: the heap may have grown
  const inStr = [...tf.util.computeStrides(x.shape), 1];
  const outStr = [...tf.util.computeStrides(s), 1];
  let k = rank - 1;
  while (k > 0 && b[k] === 0 && s[k] === x.shape[k]) k--;
  const run = size(s.slice(k));
  let src = ptr(be, x) >>> h.shift;
  for (let i = 0; i < rank; i++) src += b[i]! * inStr[i]!;
  const dst = ptr(be, out) >>> h.shift;
  copyBox(h.heap, src, dst, s.slice(0, k), inStr.slice(0, k), outStr.slice(0, k), run);
  return out;
};

const gatherFastPath: FastPath = ({ inputs, attrs }, be) => {
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
  const nIdx = size(indices.shape);
  if (size(x.shape) === 0 || nIdx === 0) return undefined;
  const axisDim = x.shape[parsedAxis]!;
  const idxStart = ptr(be, indices) >>> 2;
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
  const src = ptr(be, x) >>> h.shift;
  let dst = ptr(be, out) >>> h.shift;
  const idx0 = ptr(be, indices) >>> 2;
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

/** Kernel name -> fast path, for every replacement this module provides. */
export const FAST_PATHS: Readonly<Record<string, FastPath>> = {
  ...Object.fromEntries(Object.entries(BINARY_KERNELS).map(([kernel, op]) => [kernel, binaryFastPath(op)])),
  Select: selectFastPath,
  LeakyRelu: leakyReluFastPath,
  Relu: reluFastPath,
  Sum: reduceFastPath(false),
  Mean: reduceFastPath(true),
  Identity: identityFastPath,
  Cast: castFastPath,
  PadV2: padFastPath,
  Slice: sliceFastPath,
  GatherV2: gatherFastPath,
  Conv2D: conv2dDirect,
  MaxPoolGrad: maxPoolGradFast,
};

/**
 * Builds the replacement config for `kernelName`: the fast path when it applies, else the
 * original wasm kernel (whose setup/dispose hooks are kept so it still initialises).
 */
export function fastKernelConfig(kernelName: string, original: tf.KernelConfig): tf.KernelConfig {
  const fast = FAST_PATHS[kernelName];
  if (!fast) throw new Error(`tfai: no fast wasm kernel for '${kernelName}'`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const be = internals(args.backend);
    const res = be ? fast(args, be) : undefined;
    return res ?? original.kernelFunc(args);
  };
  return {
    kernelName,
    backendName: original.backendName,
    kernelFunc,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
  };
}
