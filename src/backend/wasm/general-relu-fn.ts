/**
 * SIMD loops of the fused GeneralRelu (`TfaiGeneralRelu`, `TfaiGeneralReluGrad`): the course's
 * `min(leakyRelu(x, leak) − sub, maxv)` in one pass forward and one backward, where the tf ops
 * take three kernels forward and about ten backward. Float32 operations as the unfused ops.
 *
 * Contract: every pointer is a float32 array of `n` elements (byte offsets). One call is the
 * whole tensor, on the calling thread: no units, no split.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';
import { leaky } from './leaky-relu-fn.js';

/** Pushes `leaky(x) − sub` for the value on the stack (kept in `xl`), vector or scalar. */
function preActivation(f: Fn, vector: boolean, xl: number, alpha: number, sub: number): void {
  leaky(f, vector, xl, alpha);
  if (vector) f.local.get(sub).f32x4.sub();
  else f.local.get(sub).f32.sub();
}

/** Locals both loops use: the loop index, n rounded down to 4, and alpha, sub, maxv splatted to 4 lanes. */
function prologue(f: Fn, n: number, alpha: number, sub: number, maxv: number): { i: number; n4: number; va: number; vs: number; vm: number } {
  const i = f.newLocal(I32);
  const n4 = f.newLocal(I32);
  const [va, vs, vm] = [alpha, sub, maxv].map((p) => {
    const l = f.newLocal(V128);
    f.local.get(p).f32x4.splat().local.set(l);
    return l;
  }) as [number, number, number];
  f.local.get(n).i32.const(~3).i32.and().local.set(n4);
  return { i, n4, va, vs, vm };
}

/** general_relu(x, out, n, alpha, sub, maxv): out = min((x > 0 ? x : alpha·x) − sub, maxv). */
export function generalReluFn(): Fn {
  const f = new Fn('general_relu', [I32, I32, I32, F32, F32, F32]);
  const [px, po, n, alpha, sub, maxv] = [0, 1, 2, 3, 4, 5];
  const { i, n4, va, vs, vm } = prologue(f, n, alpha, sub, maxv);
  const v = f.newLocal(V128);
  const s = f.newLocal(F32);
  f.forRange(i, () => f.i32.const(0), n4, 4, () => {
    f.addr4(po, i);
    f.addr4(px, i).v128.load();
    preActivation(f, true, v, va, vs);
    f.local.get(vm).f32x4.min(); // NaN propagates
    f.v128.store();
  });
  f.forRange(i, () => f.local.get(n4), n, 1, () => {
    f.addr4(po, i);
    f.addr4(px, i).f32.load();
    preActivation(f, false, s, alpha, sub);
    f.local.get(maxv).f32.min();
    f.f32.store();
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
  const v = f.newLocal(V128);
  const vd = f.newLocal(V128);
  const s = f.newLocal(F32);
  const sd = f.newLocal(F32);
  f.forRange(i, () => f.i32.const(0), n4, 4, () => {
    f.addr4(pdx, i);
    // x > 0 ? dy : dy·alpha
    f.addr4(pdy, i).v128.load().local.tee(vd);
    f.local.get(vd).local.get(va).f32x4.mul();
    f.addr4(px, i).v128.load().local.tee(v).i32.const(0).i32x4.splat().f32x4.gt();
    f.v128.bitselect();
    // & (pre ≤ maxv)
    f.local.get(v);
    preActivation(f, true, v, va, vs);
    f.local.get(vm).f32x4.le(); // all-ones lanes where it passes
    f.v128.and();
    f.v128.store();
  });
  f.forRange(i, () => f.local.get(n4), n, 1, () => {
    f.addr4(pdx, i);
    f.addr4(pdy, i).f32.load().local.tee(sd);
    f.local.get(sd).local.get(alpha).f32.mul();
    f.addr4(px, i).f32.load().local.tee(s).f32.const(0).f32.gt();
    f.select();
    f.f32.const(0);
    f.local.get(s);
    preActivation(f, false, s, alpha, sub);
    f.local.get(maxv).f32.le();
    f.select(); // select(g, 0, pre ≤ maxv)
    f.f32.store();
  });
  return f;
}
