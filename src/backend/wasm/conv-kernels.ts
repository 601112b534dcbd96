/**
 * The convolution kernels of tfai's runtime-built wasm module: register-blocked SIMD loops for the
 * filter gradient (`conv_dw_r*`) and for a direct NHWC convolution with free strides (`conv_fw_r*`),
 * which computes the input gradient (a convolution of the padded output gradient with the rotated
 * filter, one call per stride phase).
 *
 * Both use tiles of 4 rows x 8 columns held in 8 SIMD accumulators (r2; r1 = 4 x 4 for channel
 * counts that are only multiples of 4): V8's TurboFan keeps 8 accumulators in registers and reaches
 * ~50 GFLOP/s per core in L1, while larger tiles spill (23-30 GFLOP/s). Relaxed-SIMD FMA (behind a
 * flag in Node 20's V8) is no faster, so it is not used.
 *
 * Every kernel takes a unit range `[u0, u1)` as its last two parameters, so a call can be split
 * across threads (`pool.ts`): the units of one call write disjoint parts of the output, and each
 * output value is summed in the same order whatever the split, so results do not depend on the
 * thread count.
 */
import { Fn, I32, V128, uleb } from './wasm-emitter.js';

/** i32 ops used below. */
const ADD = 0x6a;
const MUL = 0x6c;
const DIV_U = 0x6e;
const REM_U = 0x70;
const SHL = 0x74;
const LT_U = 0x49;
const SELECT = 0x1b;

/** acc = acc + a * b (f32x4.mul, f32x4.add). */
function mulAdd(f: Fn, acc: number, a: number, b: number): void {
  f.get(acc).get(a).get(b).simd(0xe6).simd(0xe4).set(acc);
}

/** Pushes min(a, b) of two i32 locals (unsigned). */
function minU(f: Fn, a: number, b: number): void {
  f.get(a).get(b).get(a).get(b).op(LT_U).op(SELECT);
}

/** Parameter names of `conv_dw_r*`, in order. */
export const CONV_DW_PARAMS = [
  'xpad', 'dy', 'out', 'scratch', 'hp', 'wp', 'c', 'oh', 'ow', 'co', 'kh', 'kw', 'sh', 'sw', 'q0', 'q1', 'accumulate', 'qBlock', 'u0', 'u1',
] as const;

/**
 * conv_dw_r{R}: filter gradient of an NHWC convolution over the output rows `q` in `[q0, q1)`
 * (`q = n*oh + y`), reading the zero-padded input in place:
 * `out[i, j, ch, o] (+)= sum_{q, x} xpad[n, y*sh + i, x*sw + j, ch] * dy[q, x, o]`.
 *
 * For a filter row `i`, the `(j, ch)` pairs are `kw*c` consecutive floats of xpad, so a tile of 4
 * of them is 4 consecutive floats; output channels go in blocks of `4R` (co % 4R == 0). A unit is
 * one (filter row, channel block) pair: `u = i * (co / 4R) + block`. Within a unit the rows are taken
 * `qBlock` at a time: the unit's `4R` columns of dy for those rows are first copied into a
 * contiguous panel (at `scratch + u * qBlock*ow*4R` floats), which every 4-row tile then streams
 * while the slice of x it reads stays in cache. With `accumulate` = 0 the first rows overwrite
 * `out`, else everything adds to it.
 */
export function convDwFn(R: 1 | 2): Fn {
  const f = new Fn(`conv_dw_r${R}`, Array<number>(CONV_DW_PARAMS.length).fill(I32));
  const [px, pdy, pout, SCR, HP, WP, C, OH, OW, CO, , KW, SH, SW, Q0, Q1, ACCUM, QB, U0, U1] = CONV_DW_PARAMS.map((_, i) => i);
  const BLOCK = 4 * R;
  const u = f.local(I32);
  const kh = f.local(I32);
  const cob = f.local(I32);
  const nCob = f.local(I32);
  const qc = f.local(I32);
  const qe = f.local(I32);
  const r = f.local(I32);
  const t = f.local(I32);
  const q = f.local(I32);
  const ow = f.local(I32);
  const xp = f.local(I32);
  const dp = f.local(I32);
  const rows = f.local(I32);
  const rows4 = f.local(I32);
  const xStep = f.local(I32);
  const dStep = f.local(I32);
  const fresh = f.local(I32);
  const op = f.local(I32);
  const panel = f.local(I32);
  const src = f.local(I32);
  const end = f.local(I32);
  const y = f.local(I32);
  const xRow = f.local(I32);
  const xRowStep = f.local(I32);
  const xWrap = f.local(I32);
  const acc = Array.from({ length: 4 * R }, () => f.local(V128));
  const d = Array.from({ length: R }, () => f.local(V128));
  const xv = f.local(V128);

  f.get(KW).get(C).op(MUL).set(rows);
  f.get(rows).i32(~3).op(0x71).set(rows4);
  f.get(SW).get(C).op(MUL).i32(2).op(SHL).set(xStep);
  f.get(CO).i32(2).op(SHL).set(dStep);
  f.get(CO).i32(BLOCK).op(DIV_U).set(nCob);
  f.get(SH).get(WP).op(MUL).get(C).op(MUL).i32(2).op(SHL).set(xRowStep);
  // from the last output row of an image to the first of the next: (HP - (OH-1)*SH) input rows
  f.get(HP).get(OH).i32(1).op(0x6b).get(SH).op(MUL).op(0x6b).get(WP).op(MUL).get(C).op(MUL).i32(2).op(SHL).set(xWrap);

  /** Copies dy[q in [qc, qe), x, cob .. cob+BLOCK) into the unit's panel (contiguous rows of BLOCK). */
  const fillPanel = (): void => {
    f.get(pdy).get(qc).get(OW).op(MUL).get(CO).op(MUL).get(cob).op(ADD).i32(2).op(SHL, ADD).set(src);
    f.get(panel).get(qe).get(qc).op(0x6b).get(OW).op(MUL).i32(BLOCK * 4).op(MUL).op(ADD).set(end);
    f.loop(dp, () => f.get(panel), end, BLOCK * 4, () => {
      for (let j = 0; j < R; j++) f.get(dp).get(src).simd(0x00, 2, ...uleb(16 * j)).simd(0x0b, 2, ...uleb(16 * j));
      f.get(src).get(dStep).op(ADD).set(src);
    });
  };
  /** Sets xRow/y for output row qc (n = qc / OH, y = qc % OH): one division per pass. */
  const startRow = (): void => {
    // xRow = px + ((((n*HP + y*SH + kh) * WP) * C) + r) * 4
    f.get(qc).get(OH).op(REM_U).set(y);
    f.get(px);
    f.get(qc).get(OH).op(DIV_U).get(HP).op(MUL);
    f.get(y).get(SH).op(MUL).op(ADD);
    f.get(kh).op(ADD).get(WP).op(MUL).get(C).op(MUL).get(r).op(ADD);
    f.i32(2).op(SHL, ADD).set(xRow);
  };
  /** Moves xRow/y to the next output row. */
  const nextRow = (): void => {
    f.get(y).i32(1).op(ADD).tee(y).get(OH).op(0x46); // y + 1 == OH ?
    f.op(0x04, 0x40);
    f.i32(0).set(y).get(xRow).get(xWrap).op(ADD).set(xRow);
    f.op(0x05);
    f.get(xRow).get(xRowStep).op(ADD).set(xRow);
    f.op(0x0b);
  };
  const pass = (tile: number): void => {
    // op = &out[(kh*rows + r)*CO + cob]
    f.get(pout).get(kh).get(rows).op(MUL).get(r).op(ADD).get(CO).op(MUL).get(cob).op(ADD).i32(2).op(SHL, ADD).set(op);
    f.ifThen(
      () => f.get(fresh),
      () => {
        for (let a = 0; a < tile * R; a++) f.i32(0).simd(0x11).set(acc[a]!);
      },
      () => {
        for (let i = 0; i < tile; i++) {
          for (let j = 0; j < R; j++) f.get(op).get(dStep).i32(i).op(MUL).op(ADD).simd(0x00, 2, ...uleb(16 * j)).set(acc[i * R + j]!);
        }
      },
    );
    startRow();
    f.get(panel).set(dp);
    f.loop(q, () => f.get(qc), qe, 1, () => {
      f.get(xRow).set(xp);
      f.loop(ow, () => f.i32(0), OW, 1, () => {
        for (let j = 0; j < R; j++) f.get(dp).simd(0x00, 2, ...uleb(16 * j)).set(d[j]!);
        for (let i = 0; i < tile; i++) {
          f.get(xp).simd(0x09, 2, ...uleb(4 * i)).set(xv); // v128.load32_splat
          for (let j = 0; j < R; j++) mulAdd(f, acc[i * R + j]!, xv, d[j]!);
        }
        f.get(xp).get(xStep).op(ADD).set(xp);
        f.get(dp).i32(BLOCK * 4).op(ADD).set(dp);
      });
      nextRow();
    });
    for (let i = 0; i < tile; i++) {
      for (let j = 0; j < R; j++) {
        f.get(op).get(dStep).i32(i).op(MUL).op(ADD);
        f.get(acc[i * R + j]!).simd(0x0b, 2, ...uleb(16 * j));
      }
    }
  };
  f.loop(u, () => f.get(U0), U1, 1, () => {
    f.get(u).get(nCob).op(DIV_U).set(kh);
    f.get(u).get(nCob).op(REM_U).i32(BLOCK).op(MUL).set(cob);
    // panel = SCR + u * QB*OW*BLOCK*4
    f.get(SCR).get(u).get(QB).op(MUL).get(OW).op(MUL).i32(BLOCK * 4).op(MUL).op(ADD).set(panel);
    f.loop(qc, () => f.get(Q0), Q1, 0, () => {
      // qe = min(qc + QB, Q1)
      f.get(qc).get(QB).op(ADD).set(qe);
      minU(f, qe, Q1);
      f.set(qe);
      // fresh = (qc == Q0) && !ACCUM
      f.get(qc).get(Q0).op(0x46).get(ACCUM).op(0x45).op(0x71).set(fresh);
      fillPanel();
      f.loop(r, () => f.i32(0), rows4, 4, () => pass(4));
      f.loop(t, () => f.get(rows4), rows, 1, () => {
        f.get(t).set(r);
        pass(1);
      });
      f.get(qe).set(qc);
    });
  });
  return f;
}

/**
 * pack_taps(src, dst, c, co, block, dstStride): copies one tap `src[c][co]` of a filter into
 * channel blocks: `dst[cb*dstStride + o*block + l] = src[(cb*block + l)*co + o]` for `cb < c/block`.
 * (The input-gradient convolution reads its filter with the forward filter's in/out channels
 * swapped, `block` of them at a time.)
 */
export function packTapsFn(): Fn {
  const f = new Fn('pack_taps', [I32, I32, I32, I32, I32, I32]);
  const [src, dst, C, CO, B, DS] = [0, 1, 2, 3, 4, 5];
  const cb = f.local(I32);
  const o = f.local(I32);
  const l = f.local(I32);
  const dp = f.local(I32);
  const sp = f.local(I32);
  const rowBytes = f.local(I32);
  f.get(CO).i32(2).op(SHL).set(rowBytes);
  f.loop(cb, () => f.i32(0), C, 0, () => {
    // dp = dst + (cb/B)*DS*4
    f.get(dst).get(cb).get(B).op(DIV_U).get(DS).op(MUL).i32(2).op(SHL, ADD).set(dp);
    f.loop(o, () => f.i32(0), CO, 1, () => {
      // sp = src + (cb*CO + o)*4
      f.get(src).get(cb).get(CO).op(MUL).get(o).op(ADD).i32(2).op(SHL, ADD).set(sp);
      f.loop(l, () => f.i32(0), B, 1, () => {
        f.get(dp).get(sp).op(0x2a, 2, 0).op(0x38, 2, 0); // f32.load, f32.store
        f.get(dp).i32(4).op(ADD).set(dp);
        f.get(sp).get(rowBytes).op(ADD).set(sp);
      });
    });
    f.get(cb).get(B).op(ADD).set(cb);
  });
  return f;
}

/** Parameter names of `conv_fw_r*`, in order (strides and extents in floats). */
export const CONV_FW_PARAMS = [
  'inp', 'filter', 'out', 'c', 'co', 'kh', 'kw',
  'inPx', 'inRow', 'inBatch', 'tapRow', 'tapCol',
  'outPx', 'outRow', 'outBatch', 'oh', 'ow', 'u0', 'u1',
] as const;

/**
 * conv_fw_r{R}: a direct convolution with free strides, over output rows `u = n*oh + y` in
 * `[u0, u1)`:
 * `out[n*outBatch + y*outRow + x*outPx + o] = sum_{i<kh, j<kw, ch<c} inp[n*inBatch + y*inRow + x*inPx
 * + i*tapRow + j*tapCol + ch] * filter[o / 4R][i][j][ch][o % 4R]`.
 * The filter is packed by blocks of `4R` output channels (co % 4R == 0); the input is read in place
 * (already padded: every tap must be in range). Output pixels go 4 at a time (then one by one),
 * so each filter vector loaded feeds 4 pixels and each input value 4R channels.
 */
export function convFwFn(R: 1 | 2): Fn {
  const f = new Fn(`conv_fw_r${R}`, Array<number>(CONV_FW_PARAMS.length).fill(I32));
  const [pin, pf, pout, C, CO, KH, KW, IPX, IROW, IBATCH, TROW, TCOL, OPX, OROW, OBATCH, OH, OW, U0, U1] = CONV_FW_PARAMS.map((_, i) => i);
  const BLOCK = 4 * R;
  const u = f.local(I32);
  const cob = f.local(I32);
  const x = f.local(I32);
  const ow4 = f.local(I32);
  const i = f.local(I32);
  const j = f.local(I32);
  const ch = f.local(I32);
  const rowIn = f.local(I32); // byte address of the input window of output (u, x=0)
  const rowOut = f.local(I32); // byte address of out (u, x=0)
  const ip = f.local(I32); // byte address of input tap (i, j) of the first pixel of the tile
  const fp = f.local(I32);
  const fBlock = f.local(I32); // bytes of one packed filter block (kh*kw*c*BLOCK floats)
  const pxBytes = f.local(I32);
  const d1 = f.local(I32);
  const d2 = f.local(I32);
  const d3 = f.local(I32);
  const a = f.local(I32);
  const acc = Array.from({ length: 4 * R }, () => f.local(V128));
  const w = Array.from({ length: R }, () => f.local(V128));
  const xv = f.local(V128);

  f.get(KH).get(KW).op(MUL).get(C).op(MUL).i32(BLOCK * 4).op(MUL).set(fBlock);
  f.get(IPX).i32(2).op(SHL).set(pxBytes);
  f.get(pxBytes).set(d1);
  f.get(pxBytes).i32(2).op(MUL).set(d2);
  f.get(pxBytes).i32(3).op(MUL).set(d3);
  f.get(OW).i32(~3).op(0x71).set(ow4);

  const tile = (n: number): void => {
    for (let k = 0; k < n * R; k++) f.i32(0).simd(0x11).set(acc[k]!);
    // fp = pf + (cob / BLOCK) * fBlock
    f.get(pf).get(cob).i32(BLOCK).op(DIV_U).get(fBlock).op(MUL).op(ADD).set(fp);
    f.loop(i, () => f.i32(0), KH, 1, () => {
      f.loop(j, () => f.i32(0), KW, 1, () => {
        // ip = rowIn + (x*IPX + i*TROW + j*TCOL) * 4
        f.get(rowIn).get(x).get(IPX).op(MUL).get(i).get(TROW).op(MUL).op(ADD).get(j).get(TCOL).op(MUL).op(ADD).i32(2).op(SHL, ADD).set(ip);
        f.loop(ch, () => f.i32(0), C, 1, () => {
          for (let k = 0; k < R; k++) f.get(fp).simd(0x00, 2, ...uleb(16 * k)).set(w[k]!);
          for (let p = 0; p < n; p++) {
            if (p === 0) f.get(ip);
            else f.get(ip).get([d1, d2, d3][p - 1]!).op(ADD);
            f.simd(0x09, 2, 0).set(xv); // v128.load32_splat
            for (let k = 0; k < R; k++) mulAdd(f, acc[p * R + k]!, xv, w[k]!);
          }
          f.get(ip).i32(4).op(ADD).set(ip);
          f.get(fp).i32(BLOCK * 4).op(ADD).set(fp);
        });
      });
    });
    for (let p = 0; p < n; p++) {
      // a = rowOut + ((x + p)*OPX + cob) * 4
      f.get(rowOut).get(x).i32(p).op(ADD).get(OPX).op(MUL).get(cob).op(ADD).i32(2).op(SHL, ADD).set(a);
      for (let k = 0; k < R; k++) f.get(a).get(acc[p * R + k]!).simd(0x0b, 2, ...uleb(16 * k));
    }
  };

  f.loop(u, () => f.get(U0), U1, 1, () => {
    // rowIn = pin + ((u / OH) * IBATCH + (u % OH) * IROW) * 4; rowOut likewise
    f.get(pin).get(u).get(OH).op(DIV_U).get(IBATCH).op(MUL).get(u).get(OH).op(REM_U).get(IROW).op(MUL).op(ADD).i32(2).op(SHL, ADD).set(rowIn);
    f.get(pout).get(u).get(OH).op(DIV_U).get(OBATCH).op(MUL).get(u).get(OH).op(REM_U).get(OROW).op(MUL).op(ADD).i32(2).op(SHL, ADD).set(rowOut);
    f.loop(cob, () => f.i32(0), CO, BLOCK, () => {
      f.loop(x, () => f.i32(0), ow4, 4, () => tile(4));
      f.loop(x, () => f.get(ow4), OW, 1, () => tile(1));
    });
  });
  return f;
}
