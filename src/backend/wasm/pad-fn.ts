/**
 * `pad_nhwc`: zero-padding of an NHWC tensor by whole rows, with wasm's bulk-memory `memory.fill`
 * and `memory.copy` (the engine's memset/memmove). tfjs-backend-wasm's `PadV2` is a generic
 * element loop (and slower still in its threaded build); the convolution kernels pad every input
 * they read, so this copy is on every conv's path.
 *
 * Contract: `x` holds images of `h` rows of `inRow` bytes, `out` images of `top + h + bottom` rows
 * of `outRow` bytes (byte offsets). A unit is one image; the kernel pool (`pool.ts`) hands its
 * threads ranges of images, each written whole by one thread.
 */
import { Fn, I32, type ValueType } from './wasm-emitter.js';

/**
 * pad_nhwc(x, out, h, inRow, outRow, top, bottom, left, u0, u1): for images u in [u0, u1), writes
 * `top` zero rows, then each of the `h` input rows (`inRow` bytes) between `left` zero bytes and
 * `outRow − left − inRow` zero bytes, then `bottom` zero rows (all sizes in bytes except h, top,
 * bottom). Image u of x starts at `x + u·h·inRow`, of out at `out + u·(top + h + bottom)·outRow`.
 */
export function padNhwcFn(): Fn {
  const f = new Fn('pad_nhwc', Array<ValueType>(10).fill(I32));
  const [px, po, h, inRow, outRow, top, bottom, left, u0, u1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const u = f.newLocal(I32);
  const y = f.newLocal(I32);
  const ob = f.newLocal(I32);
  const xb = f.newLocal(I32);
  const o = f.newLocal(I32);
  const right = f.newLocal(I32);
  const imgOut = f.newLocal(I32);
  // right = outRow - left - inRow; imgOut = (top + h + bottom) * outRow
  f.local.get(outRow).local.get(left).i32.sub().local.get(inRow).i32.sub().local.set(right);
  f.local.get(top).local.get(h).i32.add().local.get(bottom).i32.add().local.get(outRow).i32.mul().local.set(imgOut);
  f.forRange(u, () => f.local.get(u0), u1, 1, () => {
    f.local.get(po).local.get(u).local.get(imgOut).i32.mul().i32.add().local.set(ob);
    f.local.get(px).local.get(u).local.get(h).i32.mul().local.get(inRow).i32.mul().i32.add().local.set(xb);
    // the top rows
    f.local.get(ob).i32.const(0).local.get(top).local.get(outRow).i32.mul().memory.fill();
    f.forRange(y, () => f.i32.const(0), h, 1, () => {
      // o = ob + (top + y) * outRow
      f.local.get(ob).local.get(top).local.get(y).i32.add().local.get(outRow).i32.mul().i32.add().local.set(o);
      f.local.get(o).i32.const(0).local.get(left).memory.fill();
      f.local.get(o).local.get(left).i32.add(); // copy to o + left
      f.local.get(xb).local.get(y).local.get(inRow).i32.mul().i32.add(); // from xb + y·inRow
      f.local.get(inRow).memory.copy();
      f.local.get(o).local.get(left).i32.add().local.get(inRow).i32.add().i32.const(0).local.get(right).memory.fill();
    });
    // the bottom rows: ob + (top + h) * outRow
    f.local.get(ob).local.get(top).local.get(h).i32.add().local.get(outRow).i32.mul().i32.add();
    f.i32.const(0).local.get(bottom).local.get(outRow).i32.mul().memory.fill();
  });
  return f;
}
