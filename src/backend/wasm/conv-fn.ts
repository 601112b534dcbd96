/**
 * The convolution kernels of tfai's runtime-built wasm module: register-blocked SIMD loops for the
 * filter gradient (`conv_dw_r*`) and for a direct NHWC convolution with free strides (`conv_fw_r*`:
 * the forward Conv2D of the larger convolutions, and the input gradient — a convolution of the
 * padded output gradient with the rotated filter, one call per stride phase), and `pack_taps`,
 * which lays out a filter tap for the latter.
 *
 * Both use tiles of 4 rows x 8 columns held in 8 SIMD accumulators (r2; r1 = 4 x 4 for channel
 * counts that are only multiples of 4): V8's TurboFan keeps 8 accumulators in registers and reaches
 * ~50 GFLOP/s per core in L1, while larger tiles spill (23-30 GFLOP/s). Relaxed-SIMD FMA (behind a
 * flag in Node 20's V8) is no faster, so it is not used.
 *
 * The two convolutions take a unit range `[u0, u1)` as their last two parameters, so a call can be split
 * across threads (`pool.ts`): the units of one call write disjoint parts of the output, and each
 * output value is summed in the same order whatever the split, so results do not depend on the
 * thread count.
 */
import { Fn, I32, V128, type ValueType } from './wasm-emitter.js';

/** acc = acc + a * b (four lanes). */
function mulAdd(f: Fn, acc: number, a: number, b: number): void {
  f.local.get(acc).local.get(a).local.get(b).f32x4.mul().f32x4.add().local.set(acc);
}

/** Pushes min(a, b) of two i32 locals (unsigned). */
function minU(f: Fn, a: number, b: number): void {
  f.local.get(a).local.get(b).local.get(a).local.get(b).i32.lt_u().select();
}

/** Turns `base, index` on the stack into `base + index·4`: the byte address of float32 element `index`. */
function floatAddress(f: Fn): void {
  f.i32.const(2).i32.shl().i32.add();
}

/** The memory argument of the `j`-th vector of a tile row: 16·j bytes past the address, 4-byte aligned. */
const vectorAt = (j: number) => ({ offset: 16 * j, align: 4 }) as const;

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
  const f = new Fn(`conv_dw_r${R}`, Array<ValueType>(CONV_DW_PARAMS.length).fill(I32));
  const [px, pdy, pout, SCR, HP, WP, C, OH, OW, CO, , KW, SH, SW, Q0, Q1, ACCUM, QB, U0, U1] = CONV_DW_PARAMS.map((_, i) => i);
  const BLOCK = 4 * R;
  const u = f.newLocal(I32);
  const kh = f.newLocal(I32);
  const cob = f.newLocal(I32);
  const nCob = f.newLocal(I32);
  const qc = f.newLocal(I32);
  const qe = f.newLocal(I32);
  const r = f.newLocal(I32);
  const t = f.newLocal(I32);
  const q = f.newLocal(I32);
  const ow = f.newLocal(I32);
  const xp = f.newLocal(I32);
  const dp = f.newLocal(I32);
  const rows = f.newLocal(I32);
  const rows4 = f.newLocal(I32);
  const xStep = f.newLocal(I32);
  const dStep = f.newLocal(I32);
  const fresh = f.newLocal(I32);
  const op = f.newLocal(I32);
  const panel = f.newLocal(I32);
  const src = f.newLocal(I32);
  const end = f.newLocal(I32);
  const y = f.newLocal(I32);
  const xRow = f.newLocal(I32);
  const xRowStep = f.newLocal(I32);
  const xWrap = f.newLocal(I32);
  const acc = Array.from({ length: 4 * R }, () => f.newLocal(V128));
  const d = Array.from({ length: R }, () => f.newLocal(V128));
  const xv = f.newLocal(V128);

  f.local.get(KW).local.get(C).i32.mul().local.set(rows);
  f.local.get(rows).i32.const(~3).i32.and().local.set(rows4);
  f.local.get(SW).local.get(C).i32.mul().i32.const(2).i32.shl().local.set(xStep);
  f.local.get(CO).i32.const(2).i32.shl().local.set(dStep);
  f.local.get(CO).i32.const(BLOCK).i32.div_u().local.set(nCob);
  f.local.get(SH).local.get(WP).i32.mul().local.get(C).i32.mul().i32.const(2).i32.shl().local.set(xRowStep);
  // from the last output row of an image to the first of the next: (HP - (OH-1)*SH) input rows
  f.local.get(HP).local.get(OH).i32.const(1).i32.sub().local.get(SH).i32.mul().i32.sub();
  f.local.get(WP).i32.mul().local.get(C).i32.mul().i32.const(2).i32.shl().local.set(xWrap);

  /** Copies dy[q in [qc, qe), x, cob .. cob+BLOCK) into the unit's panel (contiguous rows of BLOCK). */
  const fillPanel = (): void => {
    f.local.get(pdy).local.get(qc).local.get(OW).i32.mul().local.get(CO).i32.mul().local.get(cob).i32.add();
    floatAddress(f);
    f.local.set(src);
    f.local.get(panel).local.get(qe).local.get(qc).i32.sub().local.get(OW).i32.mul().i32.const(BLOCK * 4).i32.mul().i32.add().local.set(end);
    f.forRange(dp, () => f.local.get(panel), end, BLOCK * 4, () => {
      for (let j = 0; j < R; j++) f.local.get(dp).local.get(src).v128.load(vectorAt(j)).v128.store(vectorAt(j));
      f.local.get(src).local.get(dStep).i32.add().local.set(src);
    });
  };
  /** Sets xRow/y for output row qc (n = qc / OH, y = qc % OH): one division per pass. */
  const startRow = (): void => {
    // xRow = px + ((((n*HP + y*SH + kh) * WP) * C) + r) * 4
    f.local.get(qc).local.get(OH).i32.rem_u().local.set(y);
    f.local.get(px);
    f.local.get(qc).local.get(OH).i32.div_u().local.get(HP).i32.mul();
    f.local.get(y).local.get(SH).i32.mul().i32.add();
    f.local.get(kh).i32.add().local.get(WP).i32.mul().local.get(C).i32.mul().local.get(r).i32.add();
    floatAddress(f);
    f.local.set(xRow);
  };
  /** Moves xRow/y to the next output row. */
  const nextRow = (): void => {
    f.ifThen(
      () => f.local.get(y).i32.const(1).i32.add().local.tee(y).local.get(OH).i32.eq(), // y + 1 == OH ?
      () => f.i32.const(0).local.set(y).local.get(xRow).local.get(xWrap).i32.add().local.set(xRow),
      () => f.local.get(xRow).local.get(xRowStep).i32.add().local.set(xRow),
    );
  };
  const pass = (tile: number): void => {
    // op = &out[(kh*rows + r)*CO + cob]
    f.local.get(pout).local.get(kh).local.get(rows).i32.mul().local.get(r).i32.add().local.get(CO).i32.mul().local.get(cob).i32.add();
    floatAddress(f);
    f.local.set(op);
    f.ifThen(
      () => f.local.get(fresh),
      () => {
        for (let a = 0; a < tile * R; a++) f.i32.const(0).i32x4.splat().local.set(acc[a]!);
      },
      () => {
        for (let i = 0; i < tile; i++) {
          for (let j = 0; j < R; j++) f.local.get(op).local.get(dStep).i32.const(i).i32.mul().i32.add().v128.load(vectorAt(j)).local.set(acc[i * R + j]!);
        }
      },
    );
    startRow();
    f.local.get(panel).local.set(dp);
    f.forRange(q, () => f.local.get(qc), qe, 1, () => {
      f.local.get(xRow).local.set(xp);
      f.forRange(ow, () => f.i32.const(0), OW, 1, () => {
        for (let j = 0; j < R; j++) f.local.get(dp).v128.load(vectorAt(j)).local.set(d[j]!);
        for (let i = 0; i < tile; i++) {
          f.local.get(xp).v128.load32_splat({ offset: 4 * i, align: 4 }).local.set(xv);
          for (let j = 0; j < R; j++) mulAdd(f, acc[i * R + j]!, xv, d[j]!);
        }
        f.local.get(xp).local.get(xStep).i32.add().local.set(xp);
        f.local.get(dp).i32.const(BLOCK * 4).i32.add().local.set(dp);
      });
      nextRow();
    });
    for (let i = 0; i < tile; i++) {
      for (let j = 0; j < R; j++) {
        f.local.get(op).local.get(dStep).i32.const(i).i32.mul().i32.add();
        f.local.get(acc[i * R + j]!).v128.store(vectorAt(j));
      }
    }
  };
  f.forRange(u, () => f.local.get(U0), U1, 1, () => {
    f.local.get(u).local.get(nCob).i32.div_u().local.set(kh);
    f.local.get(u).local.get(nCob).i32.rem_u().i32.const(BLOCK).i32.mul().local.set(cob);
    // panel = SCR + u * QB*OW*BLOCK*4
    f.local.get(SCR).local.get(u).local.get(QB).i32.mul().local.get(OW).i32.mul().i32.const(BLOCK * 4).i32.mul().i32.add().local.set(panel);
    f.forRange(qc, () => f.local.get(Q0), Q1, 0, () => {
      // qe = min(qc + QB, Q1)
      f.local.get(qc).local.get(QB).i32.add().local.set(qe);
      minU(f, qe, Q1);
      f.local.set(qe);
      // fresh = (qc == Q0) && !ACCUM
      f.local.get(qc).local.get(Q0).i32.eq().local.get(ACCUM).i32.eqz().i32.and().local.set(fresh);
      fillPanel();
      f.forRange(r, () => f.i32.const(0), rows4, 4, () => pass(4));
      f.forRange(t, () => f.local.get(rows4), rows, 1, () => {
        f.local.get(t).local.set(r);
        pass(1);
      });
      f.local.get(qe).local.set(qc);
    });
  });
  return f;
}

/**
 * pack_taps(src, dst, c, co, block, dstStride): copies one tap `src[c][co]` of a filter into
 * channel blocks: `dst[cb*dstStride + o*block + l] = src[(cb*block + l)*co + o]` for `cb < c/block`.
 * (The input-gradient convolution reads its filter with the forward filter's in/out channels
 * swapped, `block` of them at a time.) One call packs a whole tap, on the calling thread.
 */
export function packTapsFn(): Fn {
  const f = new Fn('pack_taps', [I32, I32, I32, I32, I32, I32]);
  const [src, dst, C, CO, B, DS] = [0, 1, 2, 3, 4, 5];
  const cb = f.newLocal(I32);
  const o = f.newLocal(I32);
  const l = f.newLocal(I32);
  const dp = f.newLocal(I32);
  const sp = f.newLocal(I32);
  const rowBytes = f.newLocal(I32);
  f.local.get(CO).i32.const(2).i32.shl().local.set(rowBytes);
  f.forRange(cb, () => f.i32.const(0), C, 0, () => {
    // dp = dst + (cb/B)*DS*4
    f.local.get(dst).local.get(cb).local.get(B).i32.div_u().local.get(DS).i32.mul();
    floatAddress(f);
    f.local.set(dp);
    f.forRange(o, () => f.i32.const(0), CO, 1, () => {
      // sp = src + (cb*CO + o)*4
      f.local.get(src).local.get(cb).local.get(CO).i32.mul().local.get(o).i32.add();
      floatAddress(f);
      f.local.set(sp);
      f.forRange(l, () => f.i32.const(0), B, 1, () => {
        f.local.get(dp).local.get(sp).f32.load({ align: 4 }).f32.store({ align: 4 });
        f.local.get(dp).i32.const(4).i32.add().local.set(dp);
        f.local.get(sp).local.get(rowBytes).i32.add().local.set(sp);
      });
    });
    f.local.get(cb).local.get(B).i32.add().local.set(cb);
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
 * `[u0, u1)` (a unit is one output row of one image):
 * `out[n*outBatch + y*outRow + x*outPx + o] = sum_{i<kh, j<kw, ch<c} inp[n*inBatch + y*inRow + x*inPx
 * + i*tapRow + j*tapCol + ch] * filter[o / 4R][i][j][ch][o % 4R]`.
 * The filter is packed by blocks of `4R` output channels (co % 4R == 0); the input is read in place
 * (already padded: every tap must be in range). Output pixels go 4 at a time (then one by one),
 * so each filter vector loaded feeds 4 pixels and each input value 4R channels.
 */
export function convFwFn(R: 1 | 2): Fn {
  const f = new Fn(`conv_fw_r${R}`, Array<ValueType>(CONV_FW_PARAMS.length).fill(I32));
  const [pin, pf, pout, C, CO, KH, KW, IPX, IROW, IBATCH, TROW, TCOL, OPX, OROW, OBATCH, OH, OW, U0, U1] = CONV_FW_PARAMS.map((_, i) => i);
  const BLOCK = 4 * R;
  const u = f.newLocal(I32);
  const cob = f.newLocal(I32);
  const x = f.newLocal(I32);
  const ow4 = f.newLocal(I32);
  const i = f.newLocal(I32);
  const j = f.newLocal(I32);
  const ch = f.newLocal(I32);
  const rowIn = f.newLocal(I32); // byte address of the input window of output (u, x=0)
  const rowOut = f.newLocal(I32); // byte address of out (u, x=0)
  const ip = f.newLocal(I32); // byte address of input tap (i, j) of the first pixel of the tile
  const fp = f.newLocal(I32);
  const fBlock = f.newLocal(I32); // bytes of one packed filter block (kh*kw*c*BLOCK floats)
  const pxBytes = f.newLocal(I32);
  const d1 = f.newLocal(I32);
  const d2 = f.newLocal(I32);
  const d3 = f.newLocal(I32);
  const a = f.newLocal(I32);
  const acc = Array.from({ length: 4 * R }, () => f.newLocal(V128));
  const w = Array.from({ length: R }, () => f.newLocal(V128));
  const xv = f.newLocal(V128);

  f.local.get(KH).local.get(KW).i32.mul().local.get(C).i32.mul().i32.const(BLOCK * 4).i32.mul().local.set(fBlock);
  f.local.get(IPX).i32.const(2).i32.shl().local.set(pxBytes);
  f.local.get(pxBytes).local.set(d1);
  f.local.get(pxBytes).i32.const(2).i32.mul().local.set(d2);
  f.local.get(pxBytes).i32.const(3).i32.mul().local.set(d3);
  f.local.get(OW).i32.const(~3).i32.and().local.set(ow4);

  const tile = (n: number): void => {
    for (let k = 0; k < n * R; k++) f.i32.const(0).i32x4.splat().local.set(acc[k]!);
    // fp = pf + (cob / BLOCK) * fBlock
    f.local.get(pf).local.get(cob).i32.const(BLOCK).i32.div_u().local.get(fBlock).i32.mul().i32.add().local.set(fp);
    f.forRange(i, () => f.i32.const(0), KH, 1, () => {
      f.forRange(j, () => f.i32.const(0), KW, 1, () => {
        // ip = rowIn + (x*IPX + i*TROW + j*TCOL) * 4
        f.local.get(rowIn).local.get(x).local.get(IPX).i32.mul();
        f.local.get(i).local.get(TROW).i32.mul().i32.add();
        f.local.get(j).local.get(TCOL).i32.mul().i32.add();
        floatAddress(f);
        f.local.set(ip);
        f.forRange(ch, () => f.i32.const(0), C, 1, () => {
          for (let k = 0; k < R; k++) f.local.get(fp).v128.load(vectorAt(k)).local.set(w[k]!);
          for (let p = 0; p < n; p++) {
            if (p === 0) f.local.get(ip);
            else f.local.get(ip).local.get([d1, d2, d3][p - 1]!).i32.add();
            f.v128.load32_splat({ align: 4 }).local.set(xv);
            for (let k = 0; k < R; k++) mulAdd(f, acc[p * R + k]!, xv, w[k]!);
          }
          f.local.get(ip).i32.const(4).i32.add().local.set(ip);
          f.local.get(fp).i32.const(BLOCK * 4).i32.add().local.set(fp);
        });
      });
    });
    for (let p = 0; p < n; p++) {
      // a = rowOut + ((x + p)*OPX + cob) * 4
      f.local.get(rowOut).local.get(x).i32.const(p).i32.add().local.get(OPX).i32.mul().local.get(cob).i32.add();
      floatAddress(f);
      f.local.set(a);
      for (let k = 0; k < R; k++) f.local.get(a).local.get(acc[p * R + k]!).v128.store(vectorAt(k));
    }
  };

  f.forRange(u, () => f.local.get(U0), U1, 1, () => {
    // rowIn = pin + ((u / OH) * IBATCH + (u % OH) * IROW) * 4; rowOut likewise
    f.local.get(pin).local.get(u).local.get(OH).i32.div_u().local.get(IBATCH).i32.mul();
    f.local.get(u).local.get(OH).i32.rem_u().local.get(IROW).i32.mul().i32.add();
    floatAddress(f);
    f.local.set(rowIn);
    f.local.get(pout).local.get(u).local.get(OH).i32.div_u().local.get(OBATCH).i32.mul();
    f.local.get(u).local.get(OH).i32.rem_u().local.get(OROW).i32.mul().i32.add();
    floatAddress(f);
    f.local.set(rowOut);
    f.forRange(cob, () => f.i32.const(0), CO, BLOCK, () => {
      f.forRange(x, () => f.i32.const(0), ow4, 4, () => tile(4));
      f.forRange(x, () => f.local.get(ow4), OW, 1, () => tile(1));
    });
  });
  return f;
}
