/**
 * The SIMD loop of the fused SGD step (`TfaiSgdStep`): one pass over a parameter instead of the
 * six element-wise kernels the optimizer's tf ops run, with the same float32 operations in the
 * same order (so the result is bit-identical to them).
 */
import { F32, Fn, I32, V128 } from './wasm-emitter.js';

const ADD = { vec: 0xe4, scalar: 0x92 };
const SUB = { vec: 0xe5, scalar: 0x93 };
const MUL = { vec: 0xe6, scalar: 0x94 };

/**
 * sgd_step(p, g, buf, outP, outBuf, n, lr, mom, wd, hasMom): with `c = 1 − lr·wd`,
 * `b = buf·mom + g` (written to outBuf) when hasMom, else `b = g`; then `outP = p·c − lr·b`.
 */
export function sgdStepFn(): Fn {
  const f = new Fn('sgd_step', [I32, I32, I32, I32, I32, I32, F32, F32, F32, I32]);
  const [pp, pg, pbuf, pop, pob, n, lr, mom, wd, hasMom] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const i = f.local(I32);
  const n4 = f.local(I32);
  const c = f.local(F32);
  const vc = f.local(V128);
  const vlr = f.local(V128);
  const vmom = f.local(V128);
  const vb = f.local(V128);
  const sb = f.local(F32);
  f.op(0x43, 0x00, 0x00, 0x80, 0x3f).get(lr).get(wd).op(MUL.scalar).op(SUB.scalar).set(c);
  f.get(c).simd(0x13).set(vc);
  f.get(lr).simd(0x13).set(vlr);
  f.get(mom).simd(0x13).set(vmom);
  f.get(n).i32(~3).op(0x71).set(n4);
  /** Emits one element (or 4 lanes): `b` into the local `bl`, then outP. */
  const body = (vector: boolean, withMom: boolean) => {
    const load = () => (vector ? f.vload() : f.fload());
    const store = () => (vector ? f.vstore() : f.fstore());
    const k = (op: { vec: number; scalar: number }) => (vector ? f.simd(op.vec) : f.op(op.scalar));
    const bl = vector ? vb : sb;
    if (withMom) {
      f.addr4(pob, i);
      f.addr4(pbuf, i);
      load();
      f.get(vector ? vmom : mom);
      k(MUL);
      f.addr4(pg, i);
      load();
      k(ADD);
      f.tee(bl);
      store();
    } else {
      f.addr4(pg, i);
      load();
      f.set(bl);
    }
    f.addr4(pop, i);
    f.addr4(pp, i);
    load();
    f.get(vector ? vc : c);
    k(MUL);
    f.get(vector ? vlr : lr);
    f.get(bl);
    k(MUL);
    k(SUB);
    store();
  };
  const run = (withMom: boolean) => {
    f.loop(i, () => f.i32(0), n4, 4, () => body(true, withMom));
    f.loop(i, () => f.get(n4), n, 1, () => body(false, withMom));
  };
  f.ifThen(() => f.get(hasMom), () => run(true), () => run(false));
  return f;
}
