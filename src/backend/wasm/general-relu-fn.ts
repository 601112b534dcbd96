/**
 * SIMD loops of the fused GeneralRelu (`TfaiGeneralRelu`, `TfaiGeneralReluGrad`): the course's
 * `min(leakyRelu(x, leak) − sub, maxv)` in one pass forward and one backward, where the tf ops
 * take three kernels forward and about ten backward. Float32 operations as the unfused ops.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';

/** Pushes `leaky(x) − sub` for the value on the stack (kept in `xl`), vector or scalar. */
function preActivation(f: Fn, vector: boolean, xl: number, alpha: number, sub: number): void {
  f.tee(xl);
  if (vector) {
    f.get(xl).get(alpha).simd(0xe6); // x·alpha
    f.get(xl).i32(0).simd(0x11).simd(0x44); // x > 0
    f.simd(0x52); // bitselect
    f.get(sub).simd(0xe5);
  } else {
    f.get(xl).get(alpha).op(0x94);
    f.get(xl).op(0x43, 0, 0, 0, 0).op(0x5e);
    f.op(0x1b); // select
    f.get(sub).op(0x93);
  }
}

/** Locals both loops use: the loop index, n rounded down to 4, and alpha, sub, maxv splatted to 4 lanes. */
function prologue(f: Fn, n: number, alpha: number, sub: number, maxv: number): { i: number; n4: number; va: number; vs: number; vm: number } {
  const i = f.local(I32);
  const n4 = f.local(I32);
  const [va, vs, vm] = [alpha, sub, maxv].map((p) => {
    const l = f.local(V128);
    f.get(p).simd(0x13).set(l); // f32x4.splat
    return l;
  }) as [number, number, number];
  f.get(n).i32(~3).op(0x71).set(n4);
  return { i, n4, va, vs, vm };
}

/** general_relu(x, out, n, alpha, sub, maxv): out = min((x > 0 ? x : alpha·x) − sub, maxv). */
export function generalReluFn(): Fn {
  const f = new Fn('general_relu', [I32, I32, I32, F32, F32, F32]);
  const [px, po, n, alpha, sub, maxv] = [0, 1, 2, 3, 4, 5];
  const { i, n4, va, vs, vm } = prologue(f, n, alpha, sub, maxv);
  const v = f.local(V128);
  const s = f.local(F32);
  f.loop(i, () => f.i32(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(px, i).vload();
    preActivation(f, true, v, va, vs);
    f.get(vm).simd(0xe8); // f32x4.min (NaN propagates)
    f.vstore();
  });
  f.loop(i, () => f.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(px, i).fload();
    preActivation(f, false, s, alpha, sub);
    f.get(maxv).op(0x96); // f32.min
    f.fstore();
  });
  return f;
}

/**
 * general_relu_grad(x, dy, dx, n, alpha, sub, maxv): dx = (leaky(x) − sub ≤ maxv) ? (x > 0 ? dy : dy·alpha) : 0
 * (the gradients tf gives `minimum`, `sub` and `leakyRelu`).
 */
export function generalReluGradFn(): Fn {
  const f = new Fn('general_relu_grad', [I32, I32, I32, I32, F32, F32, F32]);
  const [px, pdy, pdx, n, alpha, sub, maxv] = [0, 1, 2, 3, 4, 5, 6];
  const { i, n4, va, vs, vm } = prologue(f, n, alpha, sub, maxv);
  const v = f.local(V128);
  const vd = f.local(V128);
  const s = f.local(F32);
  const sd = f.local(F32);
  f.loop(i, () => f.i32(0), n4, 4, () => {
    f.addr4(pdx, i);
    // x > 0 ? dy : dy·alpha
    f.addr4(pdy, i).vload().tee(vd);
    f.get(vd).get(va).simd(0xe6);
    f.addr4(px, i).vload().tee(v).i32(0).simd(0x11).simd(0x44);
    f.simd(0x52);
    // & (pre ≤ maxv)
    f.get(v);
    preActivation(f, true, v, va, vs);
    f.get(vm).simd(0x45); // f32x4.le: all-ones lanes where it passes
    f.simd(0x4e); // v128.and
    f.vstore();
  });
  f.loop(i, () => f.get(n4), n, 1, () => {
    f.addr4(pdx, i);
    f.addr4(pdy, i).fload().tee(sd);
    f.get(sd).get(alpha).op(0x94);
    f.addr4(px, i).fload().tee(s).op(0x43, 0, 0, 0, 0).op(0x5e);
    f.op(0x1b);
    f.op(0x43, 0, 0, 0, 0); // 0
    f.get(s);
    preActivation(f, false, s, alpha, sub);
    f.get(maxv).op(0x5f); // f32.le
    f.op(0x1b); // select(g, 0, pre ≤ maxv)
    f.fstore();
  });
  return f;
}
