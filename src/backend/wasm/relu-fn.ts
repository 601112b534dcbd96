/**
 * `relu`: `y = max(x, 0)` with wasm's `max` — NaN stays NaN, −0 and −∞ become +0: what the tfjs
 * wasm and cpu backends' `Relu` return. Split into blocks of `block` elements (a multiple of 4)
 * so that the kernel pool can spread one call over its threads (the backend's own `Relu` runs on
 * one thread: ≈ 10 ms of every narrow-ResNet step at batch 128 that two threads could share).
 */
import { Fn, I32, V128 } from './wasm-emitter.js';
import { elementBlocks } from './element-blocks.js';

/** relu(x, y, n, block, u0, u1): y[i] = max(x[i], 0) for i in the blocks [u0, u1). */
export function reluFn(): Fn {
  const f = new Fn('relu', [I32, I32, I32, I32, I32, I32]);
  const [px, py, n, block, u0, u1] = [0, 1, 2, 3, 4, 5];
  const zero = f.local(V128);
  f.i32(0).simd(0x11).set(zero); // i32x4.splat 0 = four +0.0f
  elementBlocks(
    f,
    { n, block, u0, u1 },
    (i) => {
      f.addr4(py, i);
      f.addr4(px, i).vload().get(zero).simd(0xe9); // f32x4.max
      f.vstore();
    },
    (i) => {
      f.addr4(py, i);
      f.addr4(px, i).fload().op(0x43, 0, 0, 0, 0).op(0x97); // f32.max(x, 0)
      f.fstore();
    },
  );
  return f;
}
