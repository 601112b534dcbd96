/**
 * The loop shared by tfai's element-wise unit kernels (`relu`, `relu_grad`): units of `block`
 * elements (a multiple of 4) over `n` elements, each run as a SIMD body on whole groups of 4 and a
 * scalar body on the unit's tail (only the last unit has one).
 */
import { Fn, I32 } from './wasm-emitter.js';

/**
 * Emits, for the units `u` in `[u0, u1)` (parameter indices), over elements
 * `[u·block, min(n, (u+1)·block))`: `vector(i)` for i stepping by 4 while 4 elements remain, then
 * `scalar(i)` for the rest (`block` and `n` are parameter indices too; `i` is the element index).
 */
export function elementBlocks(
  f: Fn,
  p: { n: number; block: number; u0: number; u1: number },
  vector: (i: number) => void,
  scalar: (i: number) => void,
): void {
  const u = f.local(I32);
  const i = f.local(I32);
  const i1 = f.local(I32);
  const i4 = f.local(I32);
  f.loop(u, () => f.get(p.u0), p.u1, 1, () => {
    // i = u·block; i1 = min(n, i + block); i4 = i + ((i1 − i) & ~3)
    f.get(u).get(p.block).op(0x6c).set(i);
    f.get(i).get(p.block).op(0x6a).tee(i1).get(p.n).get(i1).get(p.n).op(0x49).op(0x1b).set(i1);
    f.get(i).get(i1).get(i).op(0x6b).i32(~3).op(0x71).op(0x6a).set(i4);
    f.loop(i, () => f.get(i), i4, 4, () => vector(i));
    f.loop(i, () => f.get(i4), i1, 1, () => scalar(i));
  });
}
