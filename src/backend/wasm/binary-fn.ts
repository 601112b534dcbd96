/**
 * The module's broadcasting binary ops on float32: arithmetic (`add`, `sub`, `mul`, `div`, `max`,
 * `min`, `sqdiff`) writing floats, and comparisons (`gt`, `ge`, `lt`, `le`, `eq`, `ne`) writing
 * one byte (0/1) per element, as tf's bool tensors. tfjs-backend-wasm 4.22 runs these as scalar
 * C++ with a per-element index computation, 5–20× slower than the SIMD loops here.
 *
 * Contract: `<op>_vt(a, b, out, rows, c)` has the full operand first, `<op>_tv` second; the full
 * operand is `rows·c` floats, the other a block of `c` floats repeated over the rows (`c = 1`: a
 * scalar; `rows = 1`: the same shape). Byte offsets. One call runs the whole op on the calling
 * thread; to split a big one across the kernel pool, js-units.ts's `binary_rows` calls these on
 * blocks of rows.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';

/** An element-wise binary op: SIMD and scalar code for (a, b) on the stack. */
export interface BinOp {
  name: string;
  /** true: writes one byte (0/1) per element instead of a float. */
  bool: boolean;
  vec: (f: Fn, tmp: number) => void;
  scalar: (f: Fn, tmp: number) => void;
}

/** The float32 instructions with the same name in the scalar and 4-lane sets. */
type Arithmetic = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';
type Comparison = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';

const arith = (name: Arithmetic): BinOp => ({
  name,
  bool: false,
  vec: (f) => f.f32x4[name](),
  scalar: (f) => f.f32[name](),
});
const cmp = (name: Comparison): BinOp => ({
  name,
  bool: true,
  vec: (f) => f.f32x4[name](),
  scalar: (f) => f.f32[name](),
});

/** Binary ops provided by the module (float32 in; float32 or bool out), in the module's order. */
export const BIN_OPS: readonly BinOp[] = [
  arith('add'),
  arith('sub'),
  arith('mul'),
  arith('div'),
  arith('max'),
  arith('min'),
  {
    name: 'sqdiff',
    bool: false,
    vec: (f, t) => f.f32x4.sub().local.tee(t).local.get(t).f32x4.mul(),
    scalar: (f, t) => f.f32.sub().local.tee(t).local.get(t).f32.mul(),
  },
  cmp('gt'),
  cmp('ge'),
  cmp('lt'),
  cmp('le'),
  cmp('eq'),
  cmp('ne'),
];

/** Whether the module's binary op `name` (e.g. 'gt') writes bools (one byte per element). */
export function binaryOpReturnsBool(name: string): boolean {
  const op = BIN_OPS.find((o) => o.name === name);
  if (!op) throw new Error(`tfai simd module: unknown binary op '${name}'`);
  return op.bool;
}

/** Stores a v128 comparison mask (4 lanes of 0/-1) as 4 bytes of 0/1 at the address pushed before it. */
function storeMask4(f: Fn, tmp: number): void {
  f.local.tee(tmp).local.get(tmp).i16x8.narrow_i32x4_s();
  f.local.tee(tmp).local.get(tmp).i8x16.narrow_i16x8_s();
  f.i32.const(1).i8x16.splat().v128.and(); // 0/-1 bytes to 0/1
  f.v128.store32_lane(0);
}

/**
 * out[r*c + j] = A op B where the "full" operand has rows*c elements and the other is a block of c
 * elements repeated over rows (c = rows*c = n with rows = 1 is the same-shape case; c = 1 a scalar).
 * `fullFirst` says whether the full operand is the left one.
 */
export function binaryFn(op: BinOp, fullFirst: boolean): Fn {
  const f = new Fn(`${op.name}_${fullFirst ? 'vt' : 'tv'}`, [I32, I32, I32, I32, I32]);
  const [pa, pb, po, rows, c] = [0, 1, 2, 3, 4];
  const full = fullFirst ? pa : pb;
  const part = fullFirst ? pb : pa;
  const i = f.newLocal(I32);
  const j = f.newLocal(I32);
  const n = f.newLocal(I32);
  const n4 = f.newLocal(I32);
  const vpart = f.newLocal(V128);
  const vt = f.newLocal(V128);
  const st = f.newLocal(F32);
  const spart = f.newLocal(F32);
  f.local.get(rows).local.get(c).i32.mul().local.set(n);
  f.local.get(n).i32.const(~3).i32.and().local.set(n4);
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
      f.local.get(po).local.get(idx).i32.add(); // byte address
      value();
      if (vector) storeMask4(f, vt);
      else f.i32.store8();
    } else {
      f.addr4(po, idx);
      value();
      if (vector) f.v128.store();
      else f.f32.store();
    }
  };
  /** j = (j + step == c) ? 0 : j + step: the index into the repeated block. */
  const advanceBlockIndex = (step: number) => {
    f.ifThen(
      () => f.local.get(j).i32.const(step).i32.add().local.tee(j).local.get(c).i32.eq(),
      () => f.i32.const(0).local.set(j),
    );
  };
  const scalarTail = (from: number, partIdx: () => void) => {
    // for i in [from, n): out[i] = full[i] op part[partIdx]
    f.forRange(i, () => f.local.get(from), n, 1, () => {
      storeOut(false, i, () => {
        pushPair(
          () => f.addr4(full, i).f32.load(),
          () => {
            partIdx();
            f.f32.load();
          },
        );
        op.scalar(f, st);
      });
    });
  };
  f.ifThen(
    () => f.local.get(c).i32.const(1).i32.eq(), // c == 1: scalar operand
    () => {
      f.local.get(part).f32.load().local.tee(spart).f32x4.splat().local.set(vpart);
      f.forRange(i, () => f.i32.const(0), n4, 4, () => {
        storeOut(true, i, () => {
          pushPair(
            () => f.addr4(full, i).v128.load(),
            () => f.local.get(vpart),
          );
          op.vec(f, vt);
        });
      });
      f.forRange(i, () => f.local.get(n4), n, 1, () => {
        storeOut(false, i, () => {
          pushPair(
            () => f.addr4(full, i).f32.load(),
            () => f.local.get(spart),
          );
          op.scalar(f, st);
        });
      });
    },
    () => {
      f.ifThen(
        () => f.local.get(c).i32.const(3).i32.and().i32.eqz(), // c % 4 == 0
        () => {
          f.i32.const(0).local.set(j);
          f.forRange(i, () => f.i32.const(0), n, 4, () => {
            storeOut(true, i, () => {
              pushPair(
                () => f.addr4(full, i).v128.load(),
                () => f.addr4(part, j).v128.load(),
              );
              op.vec(f, vt);
            });
            advanceBlockIndex(4);
          });
        },
        () => {
          // generic: same-shape (rows == 1) uses SIMD for the body; otherwise scalar with a cycling index
          f.ifThen(
            () => f.local.get(rows).i32.const(1).i32.eq(),
            () => {
              f.forRange(i, () => f.i32.const(0), n4, 4, () => {
                storeOut(true, i, () => {
                  pushPair(
                    () => f.addr4(full, i).v128.load(),
                    () => f.addr4(part, i).v128.load(),
                  );
                  op.vec(f, vt);
                });
              });
              scalarTail(n4, () => f.addr4(part, i));
            },
            () => {
              f.i32.const(0).local.set(j);
              f.forRange(i, () => f.i32.const(0), n, 1, () => {
                storeOut(false, i, () => {
                  pushPair(
                    () => f.addr4(full, i).f32.load(),
                    () => f.addr4(part, j).f32.load(),
                  );
                  op.scalar(f, st);
                });
                advanceBlockIndex(1);
              });
            },
          );
        },
      );
    },
  );
  return f;
}
