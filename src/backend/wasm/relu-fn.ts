/**
 * `relu`: `y = max(x, 0)` with wasm's `max` — NaN stays NaN, −0 and −∞ become +0: what the tfjs
 * wasm and cpu backends' `Relu` return. Split into blocks of `block` elements (a multiple of 4)
 * so that the kernel pool can spread one call over its threads (the backend's own `Relu` runs on
 * one thread: ≈ 10 ms of every narrow-ResNet step at batch 128 that two threads could share).
 *
 * Contract: `x` and `y` are float32 arrays of `n` elements (byte offsets). A unit is one block of
 * `block` elements (the last one may be shorter); the kernel pool (`pool.ts`) hands its threads
 * ranges of units, and units write disjoint parts of `y`, so the split never changes a result.
 */
import { Fn, I32, V128 } from './wasm-emitter.js';
import { elementBlocks } from './element-blocks.js';

/** relu(x, y, n, block, u0, u1): y[i] = max(x[i], 0) for i in the blocks [u0, u1). */
export function reluFn(): Fn {
  const f = new Fn('relu', [I32, I32, I32, I32, I32, I32]);
  const [px, py, n, block, u0, u1] = [0, 1, 2, 3, 4, 5];
  const zero = f.newLocal(V128);
  f.i32.const(0).i32x4.splat().local.set(zero); // four +0.0f
  elementBlocks(
    f,
    { n, block, u0, u1 },
    (i) => {
      f.addr4(py, i);
      f.addr4(px, i).v128.load().local.get(zero).f32x4.max();
      f.v128.store();
    },
    (i) => {
      f.addr4(py, i);
      f.addr4(px, i).f32.load().f32.const(0).f32.max();
      f.f32.store();
    },
  );
  return f;
}
