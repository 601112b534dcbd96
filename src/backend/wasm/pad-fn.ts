/**
 * `pad_nhwc`: zero-padding of an NHWC tensor by whole rows, with wasm's bulk-memory `memory.fill`
 * and `memory.copy` (the engine's memset/memmove), one image per unit so that the kernel pool can
 * split a batch across threads. tfjs-backend-wasm's `PadV2` is a generic element loop (and slower
 * still in its threaded build); the convolution kernels pad every input they read, so this copy
 * is on every conv's path.
 */
import { Fn, I32 } from './wasm-emitter.js';

/** memory.fill(dest, value, bytes) with the three operands on the stack. */
const fill = (f: Fn): Fn => f.op(0xfc, 0x0b, 0x00);
/** memory.copy(dest, src, bytes) with the three operands on the stack. */
const copy = (f: Fn): Fn => f.op(0xfc, 0x0a, 0x00, 0x00);

/**
 * pad_nhwc(x, out, h, inRow, outRow, top, bottom, left, u0, u1): for images u in [u0, u1), writes
 * `top` zero rows, then each of the `h` input rows (`inRow` bytes) between `left` zero bytes and
 * `outRow − left − inRow` zero bytes, then `bottom` zero rows (all sizes in bytes except h, top,
 * bottom). Image u of x starts at `x + u·h·inRow`, of out at `out + u·(top + h + bottom)·outRow`.
 */
export function padNhwcFn(): Fn {
  const f = new Fn('pad_nhwc', Array<number>(10).fill(I32));
  const [px, po, h, inRow, outRow, top, bottom, left, u0, u1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const u = f.local(I32);
  const y = f.local(I32);
  const ob = f.local(I32);
  const xb = f.local(I32);
  const o = f.local(I32);
  const right = f.local(I32);
  const imgOut = f.local(I32);
  // right = outRow - left - inRow; imgOut = (top + h + bottom) * outRow
  f.get(outRow).get(left).op(0x6b).get(inRow).op(0x6b).set(right);
  f.get(top).get(h).op(0x6a).get(bottom).op(0x6a).get(outRow).op(0x6c).set(imgOut);
  f.loop(u, () => f.get(u0), u1, 1, () => {
    f.get(po).get(u).get(imgOut).op(0x6c).op(0x6a).set(ob);
    f.get(px).get(u).get(h).op(0x6c).get(inRow).op(0x6c).op(0x6a).set(xb);
    fill(f.get(ob).i32(0).get(top).get(outRow).op(0x6c));
    f.loop(y, () => f.i32(0), h, 1, () => {
      // o = ob + (top + y) * outRow
      f.get(ob).get(top).get(y).op(0x6a).get(outRow).op(0x6c).op(0x6a).set(o);
      fill(f.get(o).i32(0).get(left));
      copy(f.get(o).get(left).op(0x6a).get(xb).get(y).get(inRow).op(0x6c).op(0x6a).get(inRow));
      fill(f.get(o).get(left).op(0x6a).get(inRow).op(0x6a).i32(0).get(right));
    });
    // the bottom rows: ob + (top + h) * outRow
    fill(f.get(ob).get(top).get(h).op(0x6a).get(outRow).op(0x6c).op(0x6a).i32(0).get(bottom).get(outRow).op(0x6c));
  });
  return f;
}
