/**
 * Kernels split into row blocks for the kernel pool, written in JavaScript over the SIMD module's
 * exports: batch norm's passes (below) and the broadcasting binary ops (`binary_rows`: a block of
 * rows of the full operand against the whole repeated block — element-wise, so any split gives
 * the same bits).
 *
 * Batch norm: each unit is a block of
 * `unitRows` rows (a multiple of 64) of the channels-last `[rows, c]` data and runs the SIMD
 * module's own element-wise and reduction loops on its block; a reduction leaves one float64
 * partial sum per unit and channel, which the caller adds up in unit order (`sumPartials`). The
 * split depends only on the shape, never on the thread count, so 1 and N threads give the same
 * bits; with one unit the results are those of the unsplit loops.
 *
 * The units are JavaScript over the module's exports (`ex`): the same source is instantiated on
 * the calling thread and in every pool worker (over the shared memory), so it must not close
 * over anything. Pointers are byte offsets; a partial-sum area for `units` units and `c` channels
 * holds `units·c` float64 accumulators, then `units·c` float32 outputs (ignored).
 */
import type { UnitKernel } from './unit-kernel.js';

/** Names of the row-block kernels (see `JS_UNIT_SOURCE`). */
export const JS_UNITS = ['bn_sum', 'bn_center', 'bn_scale', 'bn_grad_sums', 'bn_grad_dx', 'binary_rows', 'conv_dw_parts'] as const;

/**
 * The binary ops `binary_rows` can run, by index (`<name>_vt` / `<name>_tv` in the module); the
 * module is checked to export each of them when its kernels are built.
 */
export const BINARY_ROW_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'sqdiff', 'gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const;

/**
 * Body of `function (ex)` returning the row-block kernels. Every kernel's last parameters are
 * `c, rows, unitRows`, then (reductions) the partial-sum area and where a single unit writes its
 * sums (`out`, times `scale`: the unsplit loop's own result), then the unit range `u0, u1`.
 *
 * - `bn_sum(x, c, rows, unitRows, part, out, scale, u0, u1)`: partial Σ x per channel.
 * - `bn_center(x, mean, xhat, sq, c, rows, unitRows, part, out, scale, u0, u1)`: xhat = x − mean,
 *   sq = xhat², partial Σ sq.
 * - `bn_scale(xhat, r, w, b, y, c, rows, unitRows, u0, u1)`: xhat ·= r, y = xhat·w + b.
 * - `bn_grad_sums(dy, xhat, prod, c, rows, unitRows, part, part2, out, out2, u0, u1)`: partial
 *   Σ dy, prod = dy·xhat, partial Σ prod.
 * - `bn_grad_dx(dy, xhat, dbn, dwn, wr, dx, prod, c, rows, unitRows, u0, u1)`:
 *   dx = (dy − dbn − xhat·dwn)·wr.
 * - `binary_rows(op, mode, a, b, out, outBytes, c, rows, unitRows, u0, u1)`: `out = a op b` over
 *   rows of `c` elements of the full operand(s) — mode 1: `a` (b is one block of `c` repeated),
 *   0: `b`, 2: both (same shape) — with `op` an index into `BINARY_ROW_OPS` and `outBytes` 4
 *   (float) or 1 (bool).
 * - `conv_dw_parts(R, x, dy, out, outStride, scratch, scratchStride, hp, wp, c, oh, ow, co, kh, kw,
 *   sh, sw, rows, parts, perCall, chunk, qBlock, u0, u1)`: the filter gradient's `conv_dw_r{R}`
 *   with the output rows `[0, rows)` cut into `parts` contiguous parts, each accumulating into
 *   its own gradient (`out + h·outStride`, its panels at `scratch + h·scratchStride`): unit
 *   `u = h·units + i` runs the kernel's unit `i` over chunk `chunk` (`perCall` rows) of part `h`.
 */
export const JS_UNIT_SOURCE = `
const BIN = ${JSON.stringify(BINARY_ROW_OPS)};
const rowsOf = (u, rows, unitRows) => Math.min(unitRows, rows - u * unitRows);
// One unit: the unsplit reduction, straight into out (times scale). Several: float64 partials.
const sumInto = (x, c, nr, part, units, u, out, scale) => units === 1
  ? ex.reduce_sum(x, out, 1, nr, c, part, scale)
  : ex.reduce_sum(x, part + units * c * 8 + u * c * 4, 1, nr, c, part + u * c * 8, 1);
return {
  bn_sum(x, c, rows, unitRows, part, out, scale, u0, u1) {
    const units = Math.max(1, Math.ceil(rows / unitRows));
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4;
      sumInto(x + at, c, nr, part, units, u, out, scale);
    }
  },
  bn_center(x, mean, xhat, sq, c, rows, unitRows, part, out, scale, u0, u1) {
    const units = Math.max(1, Math.ceil(rows / unitRows));
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4;
      ex.sub_vt(x + at, mean, xhat + at, nr, c);
      ex.mul_vt(xhat + at, xhat + at, sq + at, 1, nr * c);
      sumInto(sq + at, c, nr, part, units, u, out, scale);
    }
  },
  bn_scale(xhat, r, w, b, y, c, rows, unitRows, u0, u1) {
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4;
      ex.mul_vt(xhat + at, r, xhat + at, nr, c);
      ex.mul_vt(xhat + at, w, y + at, nr, c);
      ex.add_vt(y + at, b, y + at, nr, c);
    }
  },
  bn_grad_sums(dy, xhat, prod, c, rows, unitRows, part, part2, out, out2, u0, u1) {
    const units = Math.max(1, Math.ceil(rows / unitRows));
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4;
      sumInto(dy + at, c, nr, part, units, u, out, 1);
      ex.mul_vt(dy + at, xhat + at, prod + at, 1, nr * c);
      sumInto(prod + at, c, nr, part2, units, u, out2, 1);
    }
  },
  bn_grad_dx(dy, xhat, dbn, dwn, wr, dx, prod, c, rows, unitRows, u0, u1) {
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4;
      ex.sub_vt(dy + at, dbn, dx + at, nr, c);
      ex.mul_vt(xhat + at, dwn, prod + at, nr, c);
      ex.sub_vt(dx + at, prod + at, dx + at, 1, nr * c);
      ex.mul_vt(dx + at, wr, dx + at, nr, c);
    }
  },
  binary_rows(op, mode, a, b, out, outBytes, c, rows, unitRows, u0, u1) {
    const fn = ex[BIN[op] + (mode === 0 ? '_tv' : '_vt')];
    for (let u = u0; u < u1; u++) {
      const nr = rowsOf(u, rows, unitRows), at = u * unitRows * c * 4, ot = u * unitRows * c * outBytes;
      if (mode === 2) fn(a + at, b + at, out + ot, 1, nr * c);
      else if (mode === 1) fn(a + at, b, out + ot, nr, c);
      else fn(a, b + at, out + ot, nr, c);
    }
  },
  conv_dw_parts(R, x, dy, out, outStride, scratch, scratchStride, hp, wp, c, oh, ow, co, kh, kw, sh, sw, rows, parts, perCall, chunk, qBlock, u0, u1) {
    const fn = R === 2 ? ex.conv_dw_r2 : ex.conv_dw_r1;
    const units = kh * (co / (4 * R));
    for (let u = u0; u < u1; u++) {
      const h = Math.floor(u / units), i = u - h * units;
      const end = Math.floor(((h + 1) * rows) / parts);
      const q0 = Math.floor((h * rows) / parts) + chunk * perCall;
      if (q0 >= end) continue;
      fn(x, dy, out + h * outStride, scratch + h * scratchStride, hp, wp, c, oh, ow, co, kh, kw, sh, sw, q0, Math.min(end, q0 + perCall), chunk > 0 ? 1 : 0, qBlock, i, i + 1);
    }
  },
};
`;

/** The row-block kernels over a module instance's exports. */
export function jsUnits(ex: WebAssembly.Exports): Record<string, UnitKernel> {
  for (const op of BINARY_ROW_OPS) {
    if (typeof ex[`${op}_vt`] !== 'function' || typeof ex[`${op}_tv`] !== 'function') throw new Error(`tfai simd module: binary op '${op}' missing`);
  }
  return new Function('ex', JS_UNIT_SOURCE)(ex) as Record<string, UnitKernel>;
}

/** Elements per unit of an element-wise pass split across the pool (64 KiB of floats). */
export const ELEMENT_BLOCK = 16384;

/** Rows per unit of an element-wise pass over rows of `c` elements (about `ELEMENT_BLOCK`, whole rows). */
export function elementwiseUnitRows(c: number): number {
  return Math.max(1, Math.floor(ELEMENT_BLOCK / Math.max(1, c)));
}

/** Most units a batch-norm call is split into. */
const MAX_UNITS = 16;

/**
 * Rows per unit for `[rows, c]` data: a multiple of 64 (the reduction loop's block, so that the
 * float32 block sums are the unsplit loop's) giving at most 16 units; all rows in one unit when
 * `c` is not a multiple of 4 (the reduction's other path).
 */
export function unitRowsFor(rows: number, c: number): number {
  if (c % 4 !== 0) return Math.max(1, rows);
  return 64 * Math.max(1, Math.ceil(rows / 64 / MAX_UNITS));
}

/** Bytes of a partial-sum area for `units` units of `c` channels (a multiple of 8). */
export const partialBytes = (units: number, c: number): number => 8 * Math.ceil((units * c * 12) / 8);

/**
 * With more than one unit: adds up the units' float64 partial sums in unit order and writes `sum · scale` rounded to
 * float32 to `out` (byte offsets; views taken from `heap` at the call, after any allocation).
 */
export function sumPartials(heap: ArrayBufferLike, part: number, units: number, c: number, out: number, scale: number): void {
  if (units === 1) return; // the unit wrote `out` itself
  const f64 = new Float64Array(heap, part, units * c);
  const f32 = new Float32Array(heap, out, c);
  for (let j = 0; j < c; j++) {
    let s = f64[j]!;
    for (let u = 1; u < units; u++) s += f64[u * c + j]!;
    f32[j] = s * scale;
  }
}
