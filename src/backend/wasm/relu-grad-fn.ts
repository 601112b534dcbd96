/**
 * `relu_grad`: the ReLU gradient from the ReLU's output in one pass, `dx = dy · step(y)` with
 * tf's `step` (1 where y > 0, NaN where y is NaN, else 0) — the two kernels (`Step`, `Multiply`)
 * of `tf.mul(dy, tf.step(y))` and bit for bit their result.
 *
 * Contract: `y`, `dy` and `dx` are float32 arrays of `n` elements (byte offsets). A unit is one
 * block of `block` elements (a multiple of 4; the last block may be shorter); the kernel pool
 * (`pool.ts`) hands its threads ranges of units, and units write disjoint parts of `dx`.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';
import { elementBlocks } from './element-blocks.js';

/** relu_grad(y, dy, dx, n, block, u0, u1): dx[i] = dy[i] · step(y[i]) for i in blocks [u0, u1). */
export function reluGradFn(): Fn {
  const f = new Fn('relu_grad', [I32, I32, I32, I32, I32, I32, I32]);
  const [py, pdy, pdx, n, block, u0, u1] = [0, 1, 2, 3, 4, 5, 6];
  const vy = f.newLocal(V128);
  const one = f.newLocal(V128);
  const nan = f.newLocal(V128);
  const sy = f.newLocal(F32);
  f.f32.const(1).f32x4.splat().local.set(one);
  f.f32.const(NaN).f32x4.splat().local.set(nan);
  elementBlocks(
    f,
    { n, block, u0, u1 },
    (i) => {
      f.addr4(pdx, i);
      f.addr4(pdy, i).v128.load();
      f.addr4(py, i).v128.load().local.tee(vy).i32.const(0).i32x4.splat().f32x4.gt(); // y > 0
      f.local.get(one).v128.and(); // & 1.0
      f.local.get(vy).local.get(vy).f32x4.ne(); // y != y
      f.local.get(nan).v128.and(); // & NaN
      f.v128.or(); // the step
      f.f32x4.mul(); // dy · step
      f.v128.store();
    },
    (i) => {
      f.addr4(pdx, i);
      f.addr4(pdy, i).f32.load();
      f.f32.const(1);
      f.f32.const(NaN);
      f.f32.const(0);
      f.addr4(py, i).f32.load().local.tee(sy).local.get(sy).f32.ne(); // y != y
      f.select(); // NaN or 0
      f.local.get(sy);
      f.f32.const(0).f32.gt(); // y > 0
      f.select(); // 1, else the above
      f.f32.mul(); // dy · step
      f.f32.store();
    },
  );
  return f;
}
