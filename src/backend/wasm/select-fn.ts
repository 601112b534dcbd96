/**
 * `select`: tf's `where(cond, a, b)` on float32 with a bool condition, 4 elements at a time.
 *
 * Contract: `cond` is `n` bytes (0/1), `a`, `b` and `out` are float32 arrays of `n` elements (byte
 * offsets). One call runs the whole op on the calling thread.
 */
import { Fn, I32 } from './wasm-emitter.js';

/** select(cond u8[n], a f32[n], b f32[n], out f32[n], n): out = cond ? a : b. */
export function selectFn(): Fn {
  const f = new Fn('select', [I32, I32, I32, I32, I32]);
  const [pc, pa, pb, po, n] = [0, 1, 2, 3, 4];
  const i = f.newLocal(I32);
  const n4 = f.newLocal(I32);
  f.local.get(n).i32.const(~3).i32.and().local.set(n4);
  f.forRange(i, () => f.i32.const(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(pa, i).v128.load();
    f.addr4(pb, i).v128.load();
    // the 4 condition bytes, widened to 4 lanes of 0 / all ones
    f.local.get(pc).local.get(i).i32.add().v128.load32_zero();
    f.i16x8.extend_low_i8x16_u().i32x4.extend_low_i16x8_u();
    f.i32.const(0).i32x4.splat().i32x4.ne();
    f.v128.bitselect(); // a where the mask is set, else b
    f.v128.store();
  });
  f.forRange(i, () => f.local.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(pa, i).f32.load();
    f.addr4(pb, i).f32.load();
    f.local.get(pc).local.get(i).i32.add().i32.load8_u();
    f.select();
    f.f32.store();
  });
  return f;
}
