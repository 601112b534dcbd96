/**
 * `col2im`: the scatter-add half of the input gradient computed as one matmul + col2im
 * (conv2d-backprop-input.ts): per-tap input gradients added into the NHWC input gradient, 4
 * channels at a time.
 *
 * Contract: `cols` is `[n·oh·ow, kh, kw, c]` float32, `dx` `[n, h, w, c]` float32 and zeroed
 * before the call (byte offsets). One call runs the whole scatter on the calling thread.
 */
import { Fn, I32, type ValueType } from './wasm-emitter.js';

/**
 * col2im(cols, dx, n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl):
 * dx[b, y*sh + i - pt, x*sw + j - pl, :] += cols[(b, y, x), i, j, :] (out-of-range taps dropped).
 */
export function col2imFn(): Fn {
  const f = new Fn('col2im', Array<ValueType>(14).fill(I32));
  const [pc, pd, N, H, W, C, OH, OW, KH, KW, SH, SW, PT, PL] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const b = f.newLocal(I32);
  const y = f.newLocal(I32);
  const x = f.newLocal(I32);
  const i = f.newLocal(I32);
  const j = f.newLocal(I32);
  const ih = f.newLocal(I32);
  const iw = f.newLocal(I32);
  const k = f.newLocal(I32);
  const c4 = f.newLocal(I32);
  const src = f.newLocal(I32);
  const dst = f.newLocal(I32);
  const rowBytes = f.newLocal(I32);
  f.local.get(C).i32.const(~3).i32.and().local.set(c4);
  f.local.get(C).i32.const(2).i32.shl().local.set(rowBytes);
  f.local.get(pc).local.set(src);
  f.forRange(b, () => f.i32.const(0), N, 1, () => {
    f.forRange(y, () => f.i32.const(0), OH, 1, () => {
      f.forRange(x, () => f.i32.const(0), OW, 1, () => {
        f.forRange(i, () => f.i32.const(0), KH, 1, () => {
          // ih = y*sh + i - pt
          f.local.get(y).local.get(SH).i32.mul().local.get(i).i32.add().local.get(PT).i32.sub().local.set(ih);
          f.forRange(j, () => f.i32.const(0), KW, 1, () => {
            f.local.get(x).local.get(SW).i32.mul().local.get(j).i32.add().local.get(PL).i32.sub().local.set(iw);
            f.ifThen(
              // in range: 0 ≤ ih < H and 0 ≤ iw < W (a negative one is a large unsigned one)
              () => f.local.get(ih).local.get(H).i32.lt_u().local.get(iw).local.get(W).i32.lt_u().i32.and(),
              () => {
                // dst = dx + (((b*H + ih)*W + iw)*C)*4
                f.local.get(pd);
                f.local.get(b).local.get(H).i32.mul().local.get(ih).i32.add().local.get(W).i32.mul().local.get(iw).i32.add().local.get(C).i32.mul();
                f.i32.const(2).i32.shl().i32.add().local.set(dst);
                f.forRange(k, () => f.i32.const(0), c4, 4, () => {
                  f.addr4(dst, k);
                  f.addr4(dst, k).v128.load();
                  f.addr4(src, k).v128.load();
                  f.f32x4.add().v128.store();
                });
                f.forRange(k, () => f.local.get(c4), C, 1, () => {
                  f.addr4(dst, k);
                  f.addr4(dst, k).f32.load();
                  f.addr4(src, k).f32.load();
                  f.f32.add().f32.store();
                });
              },
            );
            f.local.get(src).local.get(rowBytes).i32.add().local.set(src);
          });
        });
      });
    });
  });
  return f;
}
