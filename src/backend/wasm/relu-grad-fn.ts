/**
 * `relu_grad`: the ReLU gradient from the ReLU's output in one pass, `dx = dy · step(y)` with
 * tf's `step` (1 where y > 0, NaN where y is NaN, else 0) — the two kernels (`Step`, `Multiply`)
 * of `tf.mul(dy, tf.step(y))` and bit for bit their result. Split into blocks of `block` elements
 * (a multiple of 4) so that the kernel pool can spread one call over its threads.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';
import { elementBlocks } from './element-blocks.js';

/** Pushes the float32 constant `v`. */
const f32 = (f: Fn, v: number): Fn => f.op(0x43, ...new Uint8Array(new Float32Array([v]).buffer));

/** relu_grad(y, dy, dx, n, block, u0, u1): dx[i] = dy[i] · step(y[i]) for i in blocks [u0, u1). */
export function reluGradFn(): Fn {
  const f = new Fn('relu_grad', [I32, I32, I32, I32, I32, I32, I32]);
  const [py, pdy, pdx, n, block, u0, u1] = [0, 1, 2, 3, 4, 5, 6];
  const vy = f.local(V128);
  const one = f.local(V128);
  const nan = f.local(V128);
  const sy = f.local(F32);
  f32(f, 1).simd(0x13).set(one); // f32x4.splat
  f32(f, NaN).simd(0x13).set(nan);
  elementBlocks(
    f,
    { n, block, u0, u1 },
    (i) => {
      f.addr4(pdx, i);
      f.addr4(pdy, i).vload();
      f.addr4(py, i).vload().tee(vy).i32(0).simd(0x11).simd(0x44); // y > 0
      f.get(one).simd(0x4e); // & 1.0
      f.get(vy).get(vy).simd(0x42); // y != y
      f.get(nan).simd(0x4e); // & NaN
      f.simd(0x50); // v128.or: the step
      f.simd(0xe6); // dy · step
      f.vstore();
    },
    (i) => {
      f.addr4(pdx, i);
      f.addr4(pdy, i).fload();
      f32(f, 1);
      f32(f, NaN);
      f32(f, 0);
      f.addr4(py, i).fload().tee(sy).get(sy).op(0x5c); // y != y
      f.op(0x1b); // NaN or 0
      f.get(sy);
      f32(f, 0).op(0x5e); // y > 0
      f.op(0x1b); // 1, else the above
      f.op(0x94); // dy · step
      f.fstore();
    },
  );
  return f;
}
