/**
 * `leaky_relu`: tf's `leakyRelu` on float32, 4 elements at a time.
 *
 * Contract: `x` and `out` are float32 arrays of `n` elements (byte offsets). One call runs the
 * whole op on the calling thread.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';

/**
 * Replaces the value on the stack (4 lanes or one float) by `x > 0 ? x : alpha·x`, keeping `x` in
 * the local `xl` (`alpha`: a local of the same width). Shared with general-relu-fn.ts.
 */
export function leaky(f: Fn, vector: boolean, xl: number, alpha: number): void {
  f.local.tee(xl);
  if (vector) {
    f.local.get(xl).local.get(alpha).f32x4.mul();
    f.local.get(xl).i32.const(0).i32x4.splat().f32x4.gt(); // x > 0 (i32 0 has the bits of +0.0f)
    f.v128.bitselect();
  } else {
    f.local.get(xl).local.get(alpha).f32.mul();
    f.local.get(xl).f32.const(0).f32.gt();
    f.select();
  }
}

/** leaky_relu(x, out, n, alpha): out = x > 0 ? x : alpha * x. */
export function leakyReluFn(): Fn {
  const f = new Fn('leaky_relu', [I32, I32, I32, F32]);
  const [px, po, n, alpha] = [0, 1, 2, 3];
  const i = f.newLocal(I32);
  const n4 = f.newLocal(I32);
  const va = f.newLocal(V128);
  const v = f.newLocal(V128);
  const s = f.newLocal(F32);
  f.local.get(n).i32.const(~3).i32.and().local.set(n4);
  f.local.get(alpha).f32x4.splat().local.set(va);
  f.forRange(i, () => f.i32.const(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(px, i).v128.load();
    leaky(f, true, v, va);
    f.v128.store();
  });
  f.forRange(i, () => f.local.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(px, i).f32.load();
    leaky(f, false, s, alpha);
    f.f32.store();
  });
  return f;
}
