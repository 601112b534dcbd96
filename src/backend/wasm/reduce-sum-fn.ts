/**
 * `reduce_sum`: tf's `sum` / `mean` over a run of contiguous axes, accumulated in float64 so that
 * long rows lose no precision (tfjs-backend-wasm 4.22 sums in float32, one element at a time).
 *
 * Contract: `x` is `[outer, mid, inner]` float32, `out` `[outer, inner]` float32, `scratch` room
 * for `inner` float64s (byte offsets). Three paths: `inner` a multiple of 4 (4 columns at a time,
 * float32 partial sums over blocks of 64 rows, added into the float64 scratch), `inner` 1
 * (contiguous rows: float32 partial sums over 256 elements, added in float64), and any other
 * `inner` (scalar, float64). One call runs the whole reduction on the calling thread; js-units.ts
 * calls it on blocks of rows to split batch norm's channel sums across the kernel pool.
 */
import { F64, Fn, I32, V128 } from './wasm-emitter.js';

/**
 * reduce_sum(x, out, outer, mid, inner, scratch, scale f64):
 * out[o*inner + k] = scale * sum_m x[(o*mid + m)*inner + k].
 */
export function reduceSumFn(): Fn {
  const f = new Fn('reduce_sum', [I32, I32, I32, I32, I32, I32, F64]);
  const [px, po, outer, mid, inner, scr, scale] = [0, 1, 2, 3, 4, 5, 6];
  const o = f.newLocal(I32);
  const m0 = f.newLocal(I32);
  const m1 = f.newLocal(I32);
  const m = f.newLocal(I32);
  const k = f.newLocal(I32);
  const rowBase = f.newLocal(I32); // element index of x row (o*mid + m)*inner
  const acc = f.newLocal(V128);
  const dacc = f.newLocal(F64);
  const mid4 = f.newLocal(I32);
  const rowBytes = f.newLocal(I32);
  const p = f.newLocal(I32);
  /** Pushes the byte address of scratch[k + lane] (float64). */
  const scratchAt = (lane: number) => f.local.get(scr).local.get(k).i32.const(lane).i32.add().i32.const(3).i32.shl().i32.add();
  const addScratch = (lane: number) => {
    // scratch[k + lane] += f64(acc[lane])
    scratchAt(lane);
    scratchAt(lane).f64.load();
    f.local.get(acc).f32x4.extract_lane(lane).f64.promote_f32();
    f.f64.add();
    f.f64.store();
  };
  /** Pushes the byte address of x[(o*mid + m)*inner + k]. */
  const xElement = () => {
    f.local.get(px);
    f.local.get(o).local.get(mid).i32.mul().local.get(m).i32.add().local.get(inner).i32.mul().local.get(k).i32.add();
    f.i32.const(2).i32.shl().i32.add();
  };
  /** Pushes the byte address of out[o*inner + k]. */
  const outElement = () => f.local.get(po).local.get(o).local.get(inner).i32.mul().local.get(k).i32.add().i32.const(2).i32.shl().i32.add();
  /** Stores the float64 on the stack times scale, as float32 (the address pushed before it). */
  const storeScaled = () => f.local.get(scale).f64.mul().f32.demote_f64().f32.store();
  /** Adds the 4 lanes of acc to dacc in float64, lane by lane. */
  const addLanes = () => {
    for (let lane = 0; lane < 4; lane++) {
      f.local.get(dacc).local.get(acc).f32x4.extract_lane(lane).f64.promote_f32().f64.add().local.set(dacc);
    }
  };
  f.local.get(inner).i32.const(2).i32.shl().local.set(rowBytes);
  f.ifThen(
    // inner % 4 == 0 && inner != 0
    () => f.local.get(inner).i32.const(3).i32.and().i32.eqz().local.get(inner).i32.const(0).i32.ne().i32.and(),
    () => {
      f.forRange(o, () => f.i32.const(0), outer, 1, () => {
        // zero scratch
        f.forRange(k, () => f.i32.const(0), inner, 1, () => {
          f.local.get(scr).local.get(k).i32.const(3).i32.shl().i32.add().f64.const(0).f64.store();
        });
        f.forRange(m0, () => f.i32.const(0), mid, 64, () => {
          // m1 = min(m0 + 64, mid)
          f.local.get(m0).i32.const(64).i32.add().local.tee(m1).local.get(mid);
          f.local.get(m1).local.get(mid).i32.lt_u().select().local.set(m1);
          f.forRange(k, () => f.i32.const(0), inner, 4, () => {
            f.i32.const(0).i32x4.splat().local.set(acc);
            // p = byte address of x[((o*mid + m0)*inner + k)]
            f.local.get(px);
            f.local.get(o).local.get(mid).i32.mul().local.get(m0).i32.add().local.get(inner).i32.mul().local.get(k).i32.add();
            f.i32.const(2).i32.shl().i32.add().local.set(p);
            f.forRange(m, () => f.local.get(m0), m1, 1, () => {
              f.local.get(acc).local.get(p).v128.load().f32x4.add().local.set(acc);
              f.local.get(p).local.get(rowBytes).i32.add().local.set(p);
            });
            addScratch(0);
            addScratch(1);
            addScratch(2);
            addScratch(3);
          });
        });
        f.forRange(k, () => f.i32.const(0), inner, 1, () => {
          outElement();
          f.local.get(scr).local.get(k).i32.const(3).i32.shl().i32.add().f64.load();
          storeScaled();
        });
      });
    },
    () => {
      f.ifThen(
        () => f.local.get(inner).i32.const(1).i32.eq(),
        () => {
          // contiguous rows of `mid` floats
          f.local.get(mid).i32.const(~3).i32.and().local.set(mid4);
          f.forRange(o, () => f.i32.const(0), outer, 1, () => {
            f.f64.const(0).local.set(dacc);
            f.local.get(o).local.get(mid).i32.mul().local.set(rowBase);
            f.forRange(m0, () => f.i32.const(0), mid4, 256, () => {
              // m1 = min(m0 + 256, mid4)
              f.local.get(m0).i32.const(256).i32.add().local.tee(m1).local.get(mid4);
              f.local.get(m1).local.get(mid4).i32.lt_u().select().local.set(m1);
              f.i32.const(0).i32x4.splat().local.set(acc);
              f.forRange(m, () => f.local.get(m0), m1, 4, () => {
                f.local.get(acc);
                f.local.get(px).local.get(rowBase).local.get(m).i32.add().i32.const(2).i32.shl().i32.add().v128.load();
                f.f32x4.add().local.set(acc);
              });
              addLanes();
            });
            f.forRange(m, () => f.local.get(mid4), mid, 1, () => {
              f.local.get(dacc);
              f.local.get(px).local.get(rowBase).local.get(m).i32.add().i32.const(2).i32.shl().i32.add().f32.load().f64.promote_f32();
              f.f64.add().local.set(dacc);
            });
            f.local.get(po).local.get(o).i32.const(2).i32.shl().i32.add();
            f.local.get(dacc);
            storeScaled();
          });
        },
        () => {
          // generic strided scalar path
          f.forRange(o, () => f.i32.const(0), outer, 1, () => {
            f.forRange(k, () => f.i32.const(0), inner, 1, () => {
              f.f64.const(0).local.set(dacc);
              f.forRange(m, () => f.i32.const(0), mid, 1, () => {
                f.local.get(dacc);
                xElement();
                f.f32.load().f64.promote_f32();
                f.f64.add().local.set(dacc);
              });
              outElement();
              f.local.get(dacc);
              storeScaled();
            });
          });
        },
      );
    },
  );
  return f;
}
