/**
 * A tiny WebAssembly SIMD module, assembled at runtime, that shares the tfjs wasm backend's linear
 * memory. It implements the memory-bound element-wise and reduction loops that tfjs-backend-wasm
 * 4.22 runs slowly (broadcasting binary ops, comparisons, select, leaky relu, axis reductions):
 * those are plain scalar C++ there, 5-20x slower than the 128-bit SIMD loops here.
 *
 * All pointers are byte offsets into the shared memory; all element counts are float32 counts.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Minimal function-body emitter. */
class Fn {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(
    readonly name: string,
    readonly params: number[],
  ) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.op(0x44, ...b);
  }
  simd(op: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(op), ...imm);
  }
  /** addr = base + (idx << 2) */
  addr4(base: number, idx: number): this {
    return this.get(base).get(idx).i32(2).op(0x74, 0x6a);
  }
  vload(): this {
    return this.simd(0x00, 0, 0);
  }
  vstore(): this {
    return this.simd(0x0b, 0, 0);
  }
  fload(): this {
    return this.op(0x2a, 0, 0);
  }
  fstore(): this {
    return this.op(0x38, 0, 0);
  }
  /** for (idx = <start>; idx < end; idx += step) body — `end` is a local index. */
  loop(idx: number, start: () => void, end: number, step: number, body: () => void): this {
    start();
    this.set(idx);
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(idx).get(end).op(0x4f, 0x0d, 1); // i32.ge_u; br_if 1
    body();
    this.get(idx).i32(step).op(0x6a).set(idx);
    this.op(0x0c, 0, 0x0b, 0x0b); // br 0; end loop; end block
    return this;
  }
  ifThen(cond: () => void, then: () => void, otherwise?: () => void): this {
    cond();
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  body(): number[] {
    const groups: number[] = [];
    for (const t of this.localTypes) groups.push(1, t);
    const locals = [...uleb(this.localTypes.length), ...groups];
    const all = [...locals, ...this.code, 0x0b];
    return [...uleb(all.length), ...all];
  }
}

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

/**
 * conv_dw_r{R}(xpad, dy, out, n, hp, wp, c, oh, ow, co, kh, kw, sh, sw): filter gradient of an NHWC
 * conv as register-blocked outer products, reading the zero-padded input and dy in place:
 * out[i, j, ch, o] = sum_{b,y,x} xpad[b, y*sh + i, x*sw + j, ch] * dy[b, y, x, o].
 * For a filter row `i` the (j, ch) pairs are contiguous in xpad, so tiles of 4 of them are 4
 * consecutive floats. Output channels go in blocks of 4*R (co must be a multiple of 4*R).
 */
function convDwFn(R: number): Fn {
  const f = new Fn(`conv_dw_r${R}`, Array<number>(14).fill(I32));
  const [px, pdy, pout, N, HP, WP, C, OH, OW, CO, KH, KW, SH, SW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const kh = f.local(I32);
  const cob = f.local(I32);
  const r = f.local(I32);
  const q = f.local(I32);
  const nq = f.local(I32);
  const ow = f.local(I32);
  const xp = f.local(I32);
  const dp = f.local(I32);
  const rows = f.local(I32);
  const rows4 = f.local(I32);
  const xStep = f.local(I32);
  const dStep = f.local(I32);
  const t = f.local(I32);
  const acc = Array.from({ length: 4 * R }, () => f.local(V128));
  const d = Array.from({ length: R }, () => f.local(V128));
  const xv = f.local(V128);
  const BLOCK = 4 * R;

  f.get(KW).get(C).op(0x6c).set(rows);
  f.get(rows).i32(~3).op(0x71).set(rows4);
  f.get(SW).get(C).op(0x6c).i32(2).op(0x74).set(xStep);
  f.get(CO).i32(2).op(0x74).set(dStep);
  f.get(N).get(OH).op(0x6c).set(nq);

  /** Sets xp/dp to the first pixel of output row q (n = q / OH, y = q % OH). */
  const rowPointers = () => {
    // xp = px + ((((n*HP + y*SH + kh) * WP) * C) + r) * 4
    f.get(px);
    f.get(q).get(OH).op(0x6e).get(HP).op(0x6c); // n*HP (i32.div_u)
    f.get(q).get(OH).op(0x70).get(SH).op(0x6c).op(0x6a); // + y*SH (i32.rem_u)
    f.get(kh).op(0x6a).get(WP).op(0x6c).get(C).op(0x6c).get(r).op(0x6a);
    f.i32(2).op(0x74, 0x6a).set(xp);
    // dp = pdy + ((q*OW)*CO + cob) * 4
    f.get(pdy).get(q).get(OW).op(0x6c).get(CO).op(0x6c).get(cob).op(0x6a).i32(2).op(0x74, 0x6a).set(dp);
  };
  const pass = (tile: number) => {
    for (let a = 0; a < tile * R; a++) f.i32(0).simd(0x11).set(acc[a]!);
    f.loop(q, () => f.i32(0), nq, 1, () => {
      rowPointers();
      f.loop(ow, () => f.i32(0), OW, 1, () => {
        for (let j = 0; j < R; j++) f.get(dp).simd(0x00, 0, ...uleb(16 * j)).set(d[j]!);
        for (let i = 0; i < tile; i++) {
          f.get(xp).simd(0x09, 2, ...uleb(4 * i)).set(xv); // v128.load32_splat
          for (let j = 0; j < R; j++) {
            const a = acc[i * R + j]!;
            f.get(a).get(xv).get(d[j]!).simd(0xe6).simd(0xe4).set(a);
          }
        }
        f.get(xp).get(xStep).op(0x6a).set(xp);
        f.get(dp).get(dStep).op(0x6a).set(dp);
      });
    });
    // out[(kh*rows + r + i)*CO + cob + 4j]
    for (let i = 0; i < tile; i++) {
      for (let j = 0; j < R; j++) {
        f.get(pout);
        f.get(kh).get(rows).op(0x6c).get(r).op(0x6a).i32(i).op(0x6a).get(CO).op(0x6c).get(cob).op(0x6a);
        f.i32(2).op(0x74, 0x6a);
        f.get(acc[i * R + j]!).simd(0x0b, 0, ...uleb(16 * j));
      }
    }
  };
  f.loop(kh, () => f.i32(0), KH, 1, () => {
    f.loop(cob, () => f.i32(0), CO, BLOCK, () => {
      f.loop(r, () => f.i32(0), rows4, 4, () => pass(4));
      f.loop(t, () => f.get(rows4), rows, 1, () => {
        f.get(t).set(r);
        pass(1);
      });
    });
  });
  return f;
}

function assemble(fns: Fn[]): Uint8Array<ArrayBuffer> {
  // one type per distinct signature
  const sigs: string[] = [];
  const typeOf = fns.map((fn) => {
    const key = fn.params.join(',');
    let idx = sigs.indexOf(key);
    if (idx < 0) {
      sigs.push(key);
      idx = sigs.length - 1;
    }
    return idx;
  });
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const types = [
    ...uleb(sigs.length),
    ...sigs.flatMap((s) => {
      const ps = s === '' ? [] : s.split(',').map(Number);
      return [0x60, ...uleb(ps.length), ...ps, 0];
    }),
  ];
  const imports = [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]; // memory, min 1 page, no max
  const funcs = [...uleb(fns.length), ...typeOf.flatMap((t) => uleb(t))];
  const exports = [...uleb(fns.length), ...fns.flatMap((fn, i) => [...str(fn.name), 0x00, ...uleb(i)])];
  const code = [...uleb(fns.length), ...fns.flatMap((fn) => fn.body())];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
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
  /** Filter gradient by register-blocked outer products (see convDwFn); r1: co % 4 == 0, r2: co % 8 == 0. */
  convDw: Record<'r1' | 'r2', (
    xpad: number, dy: number, out: number, n: number, hp: number, wp: number, c: number, oh: number,
    ow: number, co: number, kh: number, kw: number, sh: number, sw: number,
  ) => void>;
  /** Scatter-add of per-tap input gradients into a zeroed NHWC input gradient (see col2imFn). */
  col2im: (
    cols: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ) => void;
}

let cachedBytes: Uint8Array<ArrayBuffer> | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** The module's bytes (assembled once). */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  if (!cachedBytes) {
    const fns: Fn[] = [];
    for (const op of BIN_OPS) fns.push(binaryFn(op, true), binaryFn(op, false));
    fns.push(selectFn(), leakyReluFn(), reduceSumFn(), col2imFn(), convDwFn(1), convDwFn(2));
    cachedBytes = assemble(fns);
  }
  return cachedBytes;
}

/**
 * Instantiates (once per memory) the SIMD kernels over the given wasm memory, or returns
 * undefined when this runtime cannot validate the module (no wasm SIMD).
 */
export function simdKernelsFor(memory: WebAssembly.Memory): SimdKernels | undefined {
  const hit = instances.get(memory);
  if (hit) return hit;
  const bytes = simdModuleBytes();
  let instance: WebAssembly.Instance;
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  } catch {
    return undefined; // e.g. a shared (threaded) memory this module does not declare
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
    convDw: { r1: ex.conv_dw_r1 as SimdKernels['convDw']['r1'], r2: ex.conv_dw_r2 as SimdKernels['convDw']['r2'] },
  };
  instances.set(memory, kernels);
  return kernels;
}
