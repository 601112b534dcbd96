/**
 * Fast paths for tf's broadcasting binary ops on float32 (Add, Sub, Multiply, RealDiv, Maximum,
 * Minimum, SquaredDifference and the six comparisons): the SIMD module's `<op>_vt` / `<op>_tv`
 * loops (binary-fn.ts) when one operand broadcasts against the other as a trailing block, run in
 * row blocks across the kernel pool when big. Any other case goes to the original kernel.
 */
import { tf } from '../tf.js';
import { binaryOpReturnsBool } from './binary-fn.js';
import { heapOffset, simdFor, sizeOf } from './internals.js';
import { BINARY_ROW_OPS, elementwiseUnitRows } from './js-units.js';
import { runUnits } from './pool.js';
import type { FastPath } from './fast-path.js';

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
  return sizeOf(core);
}

/** tf kernel name -> the module's binary op. */
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
    const k = simdFor(be);
    if (!k) return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = sizeOf(outShape);
    if (n === 0) return undefined;
    let fn: 'vt' | 'tv';
    let c: number | undefined;
    if (sizeOf(a.shape) === n && (c = trailingBlock(b.shape, outShape)) !== undefined) fn = 'vt';
    else if (sizeOf(b.shape) === n && (c = trailingBlock(a.shape, outShape)) !== undefined) fn = 'tv';
    else return undefined;
    const out = be.makeOutput(outShape, bool ? 'bool' : 'float32');
    // Big calls run in row blocks across the kernel pool (a same-shape op as rows of 1 element).
    const same = c === n;
    const rows = same ? n : n / c;
    const rowLen = same ? 1 : c;
    const unitRows = elementwiseUnitRows(rowLen);
    if (rows <= unitRows) k.binary[`${opName}_${fn}`]!(heapOffset(be, a), heapOffset(be, b), heapOffset(be, out), n / c, c);
    else runUnits(k, 'binary_rows', [opIndex, same ? 2 : fn === 'vt' ? 1 : 0, heapOffset(be, a), heapOffset(be, b), heapOffset(be, out), bool ? 1 : 4, rowLen, rows, unitRows], Math.ceil(rows / unitRows), n * 2);
    return out;
  };
}

/** The binary fast paths, by tf kernel name. */
export const BINARY_FAST_PATHS: Readonly<Record<string, FastPath>> = Object.fromEntries(
  Object.entries(BINARY_KERNELS).map(([kernel, op]) => [kernel, binaryFastPath(op)]),
);
