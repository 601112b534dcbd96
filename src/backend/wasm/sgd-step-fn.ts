/**
 * The SIMD loop of the fused SGD step (`TfaiSgdStep`): one pass over a parameter instead of the
 * six element-wise kernels the optimizer's tf ops run, with the same float32 operations in the
 * same order (so the result is bit-identical to them).
 *
 * Contract: `p`, `g`, `buf`, `outP`, `outBuf` are float32 arrays of `n` elements (byte offsets;
 * `buf` and `outBuf` unused without momentum). One call is the whole parameter, on the calling
 * thread: no units, no split.
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';

/** The arithmetic of one element or of 4 lanes. */
type Arith = 'add' | 'sub' | 'mul';

/**
 * sgd_step(p, g, buf, outP, outBuf, n, lr, mom, wd, hasMom): with `c = 1 − lr·wd`,
 * `b = buf·mom + g` (written to outBuf) when hasMom, else `b = g`; then `outP = p·c − lr·b`.
 */
export function sgdStepFn(): Fn {
  const f = new Fn('sgd_step', [I32, I32, I32, I32, I32, I32, F32, F32, F32, I32]);
  const [pp, pg, pbuf, pop, pob, n, lr, mom, wd, hasMom] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const i = f.newLocal(I32);
  const n4 = f.newLocal(I32);
  const c = f.newLocal(F32);
  const vc = f.newLocal(V128);
  const vlr = f.newLocal(V128);
  const vmom = f.newLocal(V128);
  const vb = f.newLocal(V128);
  const sb = f.newLocal(F32);
  f.f32.const(1).local.get(lr).local.get(wd).f32.mul().f32.sub().local.set(c);
  f.local.get(c).f32x4.splat().local.set(vc);
  f.local.get(lr).f32x4.splat().local.set(vlr);
  f.local.get(mom).f32x4.splat().local.set(vmom);
  f.local.get(n).i32.const(~3).i32.and().local.set(n4);
  /** Emits one element (or 4 lanes): `b` into the local `bl`, then outP. */
  const body = (vector: boolean, withMom: boolean) => {
    const load = () => (vector ? f.v128.load() : f.f32.load());
    const store = () => (vector ? f.v128.store() : f.f32.store());
    const k = (op: Arith) => (vector ? f.f32x4[op]() : f.f32[op]());
    const bl = vector ? vb : sb;
    if (withMom) {
      f.addr4(pob, i);
      f.addr4(pbuf, i);
      load();
      f.local.get(vector ? vmom : mom);
      k('mul');
      f.addr4(pg, i);
      load();
      k('add');
      f.local.tee(bl);
      store();
    } else {
      f.addr4(pg, i);
      load();
      f.local.set(bl);
    }
    f.addr4(pop, i);
    f.addr4(pp, i);
    load();
    f.local.get(vector ? vc : c);
    k('mul');
    f.local.get(vector ? vlr : lr);
    f.local.get(bl);
    k('mul');
    k('sub');
    store();
  };
  const run = (withMom: boolean) => {
    f.forRange(i, () => f.i32.const(0), n4, 4, () => body(true, withMom));
    f.forRange(i, () => f.local.get(n4), n, 1, () => body(false, withMom));
  };
  f.ifThen(() => f.local.get(hasMom), () => run(true), () => run(false));
  return f;
}
