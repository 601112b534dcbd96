/**
 * A tiny WebAssembly SIMD module, assembled at runtime, that shares the tfjs wasm backend's linear
 * memory. It implements the memory-bound element-wise and reduction loops that tfjs-backend-wasm
 * 4.22 runs slowly (broadcasting binary ops, comparisons, select, leaky relu, axis reductions):
 * those are plain scalar C++ there, 5-20x slower than the 128-bit SIMD loops here.
 *
 * All pointers are byte offsets into the shared memory; all element counts are float32 counts.
 */

import { F32, F64, Fn, I32, V128, assemble } from './wasm-emitter.js';
import { convDwFn, convFwFn, packTapsFn } from './conv-kernels.js';
import { sgdStepFn } from './sgd-step-fn.js';
import { generalReluFn, generalReluGradFn } from './general-relu-fn.js';
import { padNhwcFn } from './pad-fn.js';
import { reluGradFn } from './relu-grad-fn.js';
import { reluFn } from './relu-fn.js';
import { JS_UNITS, jsUnits } from './js-units.js';

/** An element-wise binary op: SIMD and scalar code for (a, b) on the stack. */
interface BinOp {
  name: string;
  /** true: writes one byte (0/1) per element instead of a float. */
  bool: boolean;
  vec: (f: Fn, tmp: number) => void;
  scalar: (f: Fn, tmp: number) => void;
}

const arith = (name: string, vop: number, sop: number): BinOp => ({
  name,
  bool: false,
  vec: (f) => f.simd(vop),
  scalar: (f) => f.op(sop),
});
const cmp = (name: string, vop: number, sop: number): BinOp => ({
  name,
  bool: true,
  vec: (f) => f.simd(vop),
  scalar: (f) => f.op(sop),
});

/** Binary ops provided by the module (float32 in; float32 or bool out). */
const BIN_OPS: readonly BinOp[] = [
  arith('add', 0xe4, 0x92),
  arith('sub', 0xe5, 0x93),
  arith('mul', 0xe6, 0x94),
  arith('div', 0xe7, 0x95),
  arith('max', 0xe9, 0x97),
  arith('min', 0xe8, 0x96),
  {
    name: 'sqdiff',
    bool: false,
    vec: (f, t) => f.simd(0xe5).tee(t).get(t).simd(0xe6),
    scalar: (f, t) => f.op(0x93).tee(t).get(t).op(0x94),
  },
  cmp('gt', 0x44, 0x5e),
  cmp('ge', 0x46, 0x60),
  cmp('lt', 0x43, 0x5d),
  cmp('le', 0x45, 0x5f),
  cmp('eq', 0x41, 0x5b),
  cmp('ne', 0x42, 0x5c),
];

/** Stores a v128 comparison mask (4 lanes of 0/-1) as 4 bytes of 0/1 at `addr` (pushed first). */
function storeMask4(f: Fn, tmp: number): void {
  f.tee(tmp).get(tmp).simd(0x85); // i16x8.narrow_i32x4_s
  f.tee(tmp).get(tmp).simd(0x65); // i8x16.narrow_i16x8_s
  f.i32(1).simd(0x0f).simd(0x4e); // & splat(1)
  f.simd(0x5a, 0, 0, 0); // v128.store32_lane lane 0
}

/**
 * out[r*c + j] = A op B where the "full" operand has rows*c elements and the other is a block of c
 * elements repeated over rows (c = rows*c = n with rows = 1 is the same-shape case; c = 1 a scalar).
 * `fullFirst` says whether the full operand is the left one.
 */
function binaryFn(op: BinOp, fullFirst: boolean): Fn {
  const f = new Fn(`${op.name}_${fullFirst ? 'vt' : 'tv'}`, [I32, I32, I32, I32, I32]);
  const [pa, pb, po, rows, c] = [0, 1, 2, 3, 4];
  const full = fullFirst ? pa : pb;
  const part = fullFirst ? pb : pa;
  const i = f.local(I32);
  const j = f.local(I32);
  const n = f.local(I32);
  const n4 = f.local(I32);
  const vpart = f.local(V128);
  const vt = f.local(V128);
  const st = f.local(F32);
  const spart = f.local(F32);
  f.get(rows).get(c).op(0x6c).set(n); // n = rows*c
  f.get(n).i32(~3).op(0x71).set(n4); // n4 = n & ~3
  const pushPair = (fullV: () => void, partV: () => void) => {
    if (fullFirst) {
      fullV();
      partV();
    } else {
      partV();
      fullV();
    }
  };
  const storeOut = (vector: boolean, idx: number, value: () => void) => {
    if (op.bool) {
      f.get(po).get(idx).op(0x6a); // byte address
      value();
      if (vector) storeMask4(f, vt);
      else f.op(0x3a, 0, 0); // i32.store8
    } else {
      f.addr4(po, idx);
      value();
      if (vector) f.vstore();
      else f.fstore();
    }
  };
  const scalarTail = (from: number, partIdx: () => void) => {
    // for i in [from, n): out[i] = full[i] op part[partIdx]
    f.loop(i, () => f.get(from), n, 1, () => {
      storeOut(false, i, () => {
        pushPair(
          () => f.addr4(full, i).fload(),
          () => {
            partIdx();
            f.fload();
          },
        );
        op.scalar(f, st);
      });
    });
  };
  f.ifThen(
    () => f.get(c).i32(1).op(0x46), // c == 1: scalar operand
    () => {
      f.get(part).fload().tee(spart).simd(0x13).set(vpart);
      f.loop(i, () => f.i32(0), n4, 4, () => {
        storeOut(true, i, () => {
          pushPair(
            () => f.addr4(full, i).vload(),
            () => f.get(vpart),
          );
          op.vec(f, vt);
        });
      });
      f.loop(i, () => f.get(n4), n, 1, () => {
        storeOut(false, i, () => {
          pushPair(
            () => f.addr4(full, i).fload(),
            () => f.get(spart),
          );
          op.scalar(f, st);
        });
      });
    },
    () => {
      f.ifThen(
        () => f.get(c).i32(3).op(0x71).op(0x45), // c % 4 == 0
        () => {
          f.i32(0).set(j);
          f.loop(i, () => f.i32(0), n, 4, () => {
            storeOut(true, i, () => {
              pushPair(
                () => f.addr4(full, i).vload(),
                () => f.addr4(part, j).vload(),
              );
              op.vec(f, vt);
            });
            // j = (j + 4 == c) ? 0 : j + 4
            f.get(j).i32(4).op(0x6a).tee(j).get(c).op(0x46);
            f.op(0x04, 0x40).i32(0).set(j).op(0x0b);
          });
        },
        () => {
          // generic: same-shape (rows == 1) uses SIMD for the body; otherwise scalar with a cycling index
          f.ifThen(
            () => f.get(rows).i32(1).op(0x46),
            () => {
              f.loop(i, () => f.i32(0), n4, 4, () => {
                storeOut(true, i, () => {
                  pushPair(
                    () => f.addr4(full, i).vload(),
                    () => f.addr4(part, i).vload(),
                  );
                  op.vec(f, vt);
                });
              });
              scalarTail(n4, () => f.addr4(part, i));
            },
            () => {
              f.i32(0).set(j);
              f.loop(i, () => f.i32(0), n, 1, () => {
                storeOut(false, i, () => {
                  pushPair(
                    () => f.addr4(full, i).fload(),
                    () => f.addr4(part, j).fload(),
                  );
                  op.scalar(f, st);
                });
                f.get(j).i32(1).op(0x6a).tee(j).get(c).op(0x46);
                f.op(0x04, 0x40).i32(0).set(j).op(0x0b);
              });
            },
          );
        },
      );
    },
  );
  return f;
}

/** select(cond u8[n], a f32[n], b f32[n], out f32[n], n): out = cond ? a : b. */
function selectFn(): Fn {
  const f = new Fn('select', [I32, I32, I32, I32, I32]);
  const [pc, pa, pb, po, n] = [0, 1, 2, 3, 4];
  const i = f.local(I32);
  const n4 = f.local(I32);
  f.get(n).i32(~3).op(0x71).set(n4);
  f.loop(i, () => f.i32(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(pa, i).vload();
    f.addr4(pb, i).vload();
    f.get(pc).get(i).op(0x6a).simd(0x5c, 0, 0); // v128.load32_zero
    f.simd(0x89).simd(0xa9); // extend_low u8->u16->u32
    f.i32(0).simd(0x11).simd(0x38); // i32x4.ne 0
    f.simd(0x52); // bitselect(a, b, mask)
    f.vstore();
  });
  f.loop(i, () => f.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(pa, i).fload();
    f.addr4(pb, i).fload();
    f.get(pc).get(i).op(0x6a).op(0x2d, 0, 0); // i32.load8_u
    f.op(0x1b); // select
    f.fstore();
  });
  return f;
}

/** leaky_relu(x, out, n, alpha): out = x > 0 ? x : alpha * x. */
function leakyReluFn(): Fn {
  const f = new Fn('leaky_relu', [I32, I32, I32, F32]);
  const [px, po, n, alpha] = [0, 1, 2, 3];
  const i = f.local(I32);
  const n4 = f.local(I32);
  const va = f.local(V128);
  const v = f.local(V128);
  const s = f.local(F32);
  f.get(n).i32(~3).op(0x71).set(n4);
  f.get(alpha).simd(0x13).set(va);
  f.loop(i, () => f.i32(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(px, i).vload().tee(v);
    f.get(v).get(va).simd(0xe6);
    f.get(v).i32(0).simd(0x11).simd(0x44); // f32x4.gt(v, 0) (i32 splat 0 == +0.0f bits)
    f.simd(0x52);
    f.vstore();
  });
  f.loop(i, () => f.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(px, i).fload().tee(s);
    f.get(s).get(alpha).op(0x94);
    f.get(s).op(0x43, 0, 0, 0, 0).op(0x5e); // s > 0
    f.op(0x1b);
    f.fstore();
  });
  return f;
}

/**
 * reduce_sum(x, out, outer, mid, inner, scratch, scale f64):
 * out[o*inner + k] = scale * sum_m x[(o*mid + m)*inner + k], accumulated in float64 (f32 partial
 * sums over blocks of 64 rows). `scratch` must hold `inner` float64s.
 */
function reduceSumFn(): Fn {
  const f = new Fn('reduce_sum', [I32, I32, I32, I32, I32, I32, F64]);
  const [px, po, outer, mid, inner, scr, scale] = [0, 1, 2, 3, 4, 5, 6];
  const o = f.local(I32);
  const m0 = f.local(I32);
  const m1 = f.local(I32);
  const m = f.local(I32);
  const k = f.local(I32);
  const rowBase = f.local(I32); // element index of x row (o*mid + m)*inner
  const acc = f.local(V128);
  const dacc = f.local(F64);
  const mid4 = f.local(I32);
  const rowBytes = f.local(I32);
  const p = f.local(I32);
  const addScratch = (lane: number) => {
    // scratch[k + lane] += f64(acc[lane])
    f.get(scr).get(k).i32(lane).op(0x6a).i32(3).op(0x74, 0x6a);
    f.get(scr).get(k).i32(lane).op(0x6a).i32(3).op(0x74, 0x6a).op(0x2b, 0, 0); // f64.load
    f.get(acc).simd(0x1f, lane).op(0xbb); // f32x4.extract_lane, f64.promote_f32
    f.op(0xa0); // f64.add
    f.op(0x39, 0, 0); // f64.store
  };
  f.get(inner).i32(2).op(0x74).set(rowBytes);
  f.ifThen(
    () => f.get(inner).i32(3).op(0x71).op(0x45).get(inner).i32(0).op(0x47).op(0x71), // inner % 4 == 0 && inner != 0
    () => {
      f.loop(o, () => f.i32(0), outer, 1, () => {
        // zero scratch
        f.loop(k, () => f.i32(0), inner, 1, () => {
          f.get(scr).get(k).i32(3).op(0x74, 0x6a).f64(0).op(0x39, 0, 0);
        });
        f.loop(m0, () => f.i32(0), mid, 64, () => {
          // m1 = min(m0 + 64, mid)
          f.get(m0).i32(64).op(0x6a).tee(m1).get(mid).get(m1).get(mid).op(0x49).op(0x1b).set(m1);
          f.loop(k, () => f.i32(0), inner, 4, () => {
            f.i32(0).simd(0x11).set(acc);
            // p = byte address of x[((o*mid + m0)*inner + k)]
            f.get(px);
            f.get(o).get(mid).op(0x6c).get(m0).op(0x6a).get(inner).op(0x6c).get(k).op(0x6a);
            f.i32(2).op(0x74, 0x6a).set(p);
            f.loop(m, () => f.get(m0), m1, 1, () => {
              f.get(acc).get(p).vload().simd(0xe4).set(acc);
              f.get(p).get(rowBytes).op(0x6a).set(p);
            });
            addScratch(0);
            addScratch(1);
            addScratch(2);
            addScratch(3);
          });
        });
        f.loop(k, () => f.i32(0), inner, 1, () => {
          f.get(po).get(o).get(inner).op(0x6c).get(k).op(0x6a).i32(2).op(0x74, 0x6a);
          f.get(scr).get(k).i32(3).op(0x74, 0x6a).op(0x2b, 0, 0);
          f.get(scale).op(0xa2).op(0xb6); // f64.mul, f32.demote_f64
          f.fstore();
        });
      });
    },
    () => {
      f.ifThen(
        () => f.get(inner).i32(1).op(0x46),
        () => {
          // contiguous rows of `mid` floats
          f.get(mid).i32(~3).op(0x71).set(mid4);
          f.loop(o, () => f.i32(0), outer, 1, () => {
            f.f64(0).set(dacc);
            f.get(o).get(mid).op(0x6c).set(rowBase);
            f.loop(m0, () => f.i32(0), mid4, 256, () => {
              f.get(m0).i32(256).op(0x6a).tee(m1).get(mid4).get(m1).get(mid4).op(0x49).op(0x1b).set(m1);
              f.i32(0).simd(0x11).set(acc);
              f.loop(m, () => f.get(m0), m1, 4, () => {
                f.get(acc);
                f.get(px).get(rowBase).get(m).op(0x6a).i32(2).op(0x74, 0x6a).vload();
                f.simd(0xe4).set(acc);
              });
              for (let lane = 0; lane < 4; lane++) {
                f.get(dacc).get(acc).simd(0x1f, lane).op(0xbb).op(0xa0).set(dacc);
              }
            });
            f.loop(m, () => f.get(mid4), mid, 1, () => {
              f.get(dacc);
              f.get(px).get(rowBase).get(m).op(0x6a).i32(2).op(0x74, 0x6a).fload().op(0xbb);
              f.op(0xa0).set(dacc);
            });
            f.get(po).get(o).i32(2).op(0x74, 0x6a);
            f.get(dacc).get(scale).op(0xa2).op(0xb6);
            f.fstore();
          });
        },
        () => {
          // generic strided scalar path
          f.loop(o, () => f.i32(0), outer, 1, () => {
            f.loop(k, () => f.i32(0), inner, 1, () => {
              f.f64(0).set(dacc);
              f.loop(m, () => f.i32(0), mid, 1, () => {
                f.get(dacc);
                f.get(px);
                f.get(o).get(mid).op(0x6c).get(m).op(0x6a).get(inner).op(0x6c).get(k).op(0x6a);
                f.i32(2).op(0x74, 0x6a).fload().op(0xbb);
                f.op(0xa0).set(dacc);
              });
              f.get(po).get(o).get(inner).op(0x6c).get(k).op(0x6a).i32(2).op(0x74, 0x6a);
              f.get(dacc).get(scale).op(0xa2).op(0xb6);
              f.fstore();
            });
          });
        },
      );
    },
  );
  return f;
}

/**
 * col2im(cols, dx, n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl): scatter-adds the per-tap input
 * gradients `cols` [n*oh*ow, kh, kw, c] into the (pre-zeroed) NHWC input gradient `dx` [n, h, w, c]:
 * dx[b, y*sh + i - pt, x*sw + j - pl, :] += cols[(b, y, x), i, j, :] (out-of-range taps dropped).
 */
function col2imFn(): Fn {
  const f = new Fn('col2im', Array<number>(14).fill(I32));
  const [pc, pd, N, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const b = f.local(I32);
  const y = f.local(I32);
  const x = f.local(I32);
  const i = f.local(I32);
  const j = f.local(I32);
  const ih = f.local(I32);
  const iw = f.local(I32);
  const k = f.local(I32);
  const c4 = f.local(I32);
  const src = f.local(I32);
  const dst = f.local(I32);
  const rowBytes = f.local(I32);
  f.get(C).i32(~3).op(0x71).set(c4);
  f.get(C).i32(2).op(0x74).set(rowBytes);
  f.get(pc).set(src);
  f.loop(b, () => f.i32(0), N, 1, () => {
    f.loop(y, () => f.i32(0), OH, 1, () => {
      f.loop(x, () => f.i32(0), OW, 1, () => {
        f.loop(i, () => f.i32(0), KH, 1, () => {
          // ih = y*sh + i - pt
          f.get(y).get(SH).op(0x6c).get(i).op(0x6a).get(PT).op(0x6b).set(ih);
          f.loop(j, () => f.i32(0), KW, 1, () => {
            f.get(x).get(SW).op(0x6c).get(j).op(0x6a).get(PL).op(0x6b).set(iw);
            f.ifThen(
              () => f.get(ih).get(H).op(0x49).get(iw).get(W).op(0x49).op(0x71), // unsigned in-range
              () => {
                // dst = dx + (((b*H + ih)*W + iw)*C)*4
                f.get(pd);
                f.get(b).get(H).op(0x6c).get(ih).op(0x6a).get(W).op(0x6c).get(iw).op(0x6a).get(C).op(0x6c);
                f.i32(2).op(0x74, 0x6a).set(dst);
                f.loop(k, () => f.i32(0), c4, 4, () => {
                  f.addr4(dst, k);
                  f.addr4(dst, k).vload();
                  f.addr4(src, k).vload();
                  f.simd(0xe4).vstore();
                });
                f.loop(k, () => f.get(c4), C, 1, () => {
                  f.addr4(dst, k);
                  f.addr4(dst, k).fload();
                  f.addr4(src, k).fload();
                  f.op(0x92).fstore();
                });
              },
            );
            f.get(src).get(rowBytes).op(0x6a).set(src);
          });
        });
      });
    });
  });
  return f;
}

/** Whether the module's binary op `name` (e.g. 'gt') writes bools (one byte per element). */
export function binaryOpReturnsBool(name: string): boolean {
  const op = BIN_OPS.find((o) => o.name === name);
  if (!op) throw new Error(`tfai simd module: unknown binary op '${name}'`);
  return op.bool;
}

/** Signature of the generated binary kernels: (a, b, out, rows, c) byte pointers / counts. */
export type BinaryFn = (a: number, b: number, out: number, rows: number, c: number) => void;

/** The exported functions of the SIMD module. */
export interface SimdKernels {
  /** `binary[`${op}_vt`]`: full operand first; `binary[`${op}_tv`]`: broadcast operand first. */
  binary: Record<string, BinaryFn>;
  /** out = cond ? a : b (cond is one byte per element). */
  select: (cond: number, a: number, b: number, out: number, n: number) => void;
  /** out = x > 0 ? x : alpha * x. */
  leakyRelu: (x: number, out: number, n: number, alpha: number) => void;
  /** Reduction over the middle axis of [outer, mid, inner], float64 accumulation, times `scale`. */
  reduceSum: (x: number, out: number, outer: number, mid: number, inner: number, scratch: number, scale: number) => void;
  /** The unit-range kernels (`UNIT_KERNELS`: conv-kernels.ts's forward, `pad_nhwc`, `relu`, `relu_grad`, the JavaScript row-block units of js-units.ts), by name. */
  units: Record<string, UnitKernel>;
  /** Copies a filter tap into channel blocks for the input-gradient kernel (see conv-kernels.ts). */
  packTaps: (src: number, dst: number, c: number, co: number, block: number, dstStride: number) => void;
  /** The fused SGD step over one parameter (see sgd-step-fn.ts). */
  sgdStep: (p: number, g: number, buf: number, outP: number, outBuf: number, n: number, lr: number, mom: number, wd: number, hasMom: number) => void;
  /** out = min(leaky(x, alpha) − sub, maxv) (see general-relu-fn.ts). */
  generalRelu: (x: number, out: number, n: number, alpha: number, sub: number, maxv: number) => void;
  /** Its gradient from x and dy. */
  generalReluGrad: (x: number, dy: number, dx: number, n: number, alpha: number, sub: number, maxv: number) => void;
  /** The compiled module (what pool workers instantiate over the same memory). */
  module: WebAssembly.Module;
  /** The memory the kernels run on. */
  memory: WebAssembly.Memory;
  /** Scatter-add of per-tap input gradients into a zeroed NHWC input gradient (see col2imFn). */
  col2im: (
    cols: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ) => void;
}

/** A kernel split into units: its own parameters, then the unit range `[u0, u1)`. */
export type UnitKernel = (...args: number[]) => void;

/** Names of the unit-range kernels: the module's own, then the JavaScript row-block ones (js-units.ts). */
export const UNIT_KERNELS = ['conv_fw_r1', 'conv_fw_r2', 'pad_nhwc', 'relu', 'relu_grad', ...JS_UNITS] as const;

const cachedBytes = new Map<boolean, Uint8Array<ArrayBuffer>>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** The module's bytes (assembled once per memory kind): plain, or importing a shared memory. */
export function simdModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  let bytes = cachedBytes.get(shared);
  if (!bytes) {
    const fns: Fn[] = [];
    for (const op of BIN_OPS) fns.push(binaryFn(op, true), binaryFn(op, false));
    fns.push(selectFn(), leakyReluFn(), reduceSumFn(), col2imFn(), convDwFn(1), convDwFn(2), convFwFn(1), convFwFn(2), packTapsFn(), sgdStepFn(), generalReluFn(), generalReluGradFn(), padNhwcFn(), reluFn(), reluGradFn());
    bytes = assemble(fns, shared);
    cachedBytes.set(shared, bytes);
  }
  return bytes;
}

/**
 * Instantiates (once per memory) the SIMD kernels over the given wasm memory, or returns
 * undefined when this runtime cannot validate the module (no wasm SIMD).
 */
export function simdKernelsFor(memory: WebAssembly.Memory): SimdKernels | undefined {
  const hit = instances.get(memory);
  if (hit) return hit;
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = simdModuleBytes(shared);
  let module: WebAssembly.Module;
  let instance: WebAssembly.Instance;
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    module = new WebAssembly.Module(bytes);
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch {
    return undefined; // no wasm SIMD, or a memory this module cannot import
  }
  const ex = instance.exports as Record<string, unknown>;
  const binary: Record<string, BinaryFn> = {};
  for (const op of BIN_OPS) {
    binary[`${op.name}_vt`] = ex[`${op.name}_vt`] as BinaryFn;
    binary[`${op.name}_tv`] = ex[`${op.name}_tv`] as BinaryFn;
  }
  const kernels: SimdKernels = {
    binary,
    select: ex.select as SimdKernels['select'],
    leakyRelu: ex.leaky_relu as SimdKernels['leakyRelu'],
    reduceSum: ex.reduce_sum as SimdKernels['reduceSum'],
    col2im: ex.col2im as SimdKernels['col2im'],
    units: { ...jsUnits(instance.exports), ...Object.fromEntries(UNIT_KERNELS.filter((n) => ex[n]).map((n) => [n, ex[n] as UnitKernel])) },
    packTaps: ex.pack_taps as SimdKernels['packTaps'],
    sgdStep: ex.sgd_step as SimdKernels['sgdStep'],
    generalRelu: ex.general_relu as SimdKernels['generalRelu'],
    generalReluGrad: ex.general_relu_grad as SimdKernels['generalReluGrad'],
    module,
    memory,
  };
  instances.set(memory, kernels);
  return kernels;
}
