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
  const u = f.newLocal(I32);
  const i = f.newLocal(I32);
  const i1 = f.newLocal(I32);
  const i4 = f.newLocal(I32);
  f.forRange(u, () => f.local.get(p.u0), p.u1, 1, () => {
    // i = u·block; i1 = min(n, i + block); i4 = i + ((i1 − i) & ~3)
    f.local.get(u).local.get(p.block).i32.mul().local.set(i);
    f.local.get(i).local.get(p.block).i32.add().local.tee(i1).local.get(p.n);
    f.local.get(i1).local.get(p.n).i32.lt_u().select().local.set(i1);
    f.local.get(i).local.get(i1).local.get(i).i32.sub().i32.const(~3).i32.and().i32.add().local.set(i4);
    f.forRange(i, () => f.local.get(i), i4, 4, () => vector(i));
    f.forRange(i, () => f.local.get(i4), i1, 1, () => scalar(i));
  });
}
