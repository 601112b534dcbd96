/**
 * The course's RunningBatchNorm training step as two wasm kernels (`TfaiRunningBatchNorm`,
 * `TfaiRunningBatchNormGrad`), where its tf ops dispatch about 70 kernels per layer and step —
 * nearly all on per-channel vectors and scalars, which cost dispatch time, not arithmetic.
 *
 * The full-size passes (Σx, Σx², `y = x·a + b`; backward Σdy, Σdy·x, `dx = dy·A + x·B + C`) use the
 * SIMD loops of the other kernels; the per-channel algebra (see `RunningBatchNorm.trainOp` for the
 * formulas) runs in float64 on the host side of the kernel and is stored as float32.
 */
import { tf } from '../tf.js';
import { heapOffset, kernelContext, sizeOf, withScratch } from './internals.js';

/** Kernel names. */
export const RBN_KERNEL_NAMES = { forward: 'TfaiRunningBatchNorm', backward: 'TfaiRunningBatchNormGrad' } as const;

const context = (args: Parameters<tf.KernelFunc>[0], name: string) => kernelContext(args.backend, name);

/** The named float32 inputs, checked: `full` ones of the input's size, `vec` ones of c values, `scalar` ones of 1. */
function inputs(args: Parameters<tf.KernelFunc>[0], name: string, full: string[], vec: string[], scalar: string[]): Record<string, tf.TensorInfo> {
  const out: Record<string, tf.TensorInfo> = {};
  for (const key of [...full, ...vec, ...scalar]) {
    const t = args.inputs[key];
    if (!t || t.dtype !== 'float32') throw new Error(`tfai ${name}: input '${key}' must be a float32 tensor, got ${t ? t.dtype : 'none'}`);
    out[key] = t;
  }
  const ref = out[full[0]!]!;
  const c = ref.shape[ref.shape.length - 1] ?? 1;
  const n = sizeOf(ref.shape);
  for (const key of full) if (sizeOf(out[key]!.shape) !== n) throw new Error(`tfai ${name}: '${key}' [${out[key]!.shape}] must have the size of '${full[0]}' [${ref.shape}]`);
  for (const key of vec) if (sizeOf(out[key]!.shape) !== c) throw new Error(`tfai ${name}: '${key}' [${out[key]!.shape}] must have ${c} values (the channels)`);
  for (const key of scalar) if (sizeOf(out[key]!.shape) !== 1) throw new Error(`tfai ${name}: '${key}' [${out[key]!.shape}] must be a scalar`);
  return out;
}

/**
 * Forward: inputs x, mults, adds, sums, sqrs (c values), count, dbias, batch, step (scalars);
 * attrs mom1, eps. Outputs `[y, sums', sqrs', count', dbias', batch', step', means, r, k, pass]`.
 */
const forward: tf.KernelFunc = (args) => {
  const name = RBN_KERNEL_NAMES.forward;
  const { be, k } = context(args, name);
  const t = inputs(args, name, ['x'], ['mults', 'adds', 'sums', 'sqrs'], ['count', 'dbias', 'batch', 'step']);
  const { mom1, eps } = args.attrs as { mom1: number; eps: number };
  const x = t.x!;
  const c = x.shape[x.shape.length - 1] ?? 1;
  const n = sizeOf(x.shape);
  const rows = n / c;
  const vec = () => be.makeOutput([c], 'float32');
  const one = () => be.makeOutput([], 'float32');
  const y = be.makeOutput([...x.shape], 'float32');
  const outs = { sums: vec(), sqrs: vec(), count: one(), dbias: one(), batch: one(), step: one(), means: vec(), r: vec(), k: one(), pass: vec() };
  const at = (ti: tf.TensorInfo) => heapOffset(be, ti);
  withScratch(be, c * 8 + c * 8, (s) => {
    const red = s;
    const ab = s + c * 8; // a (c floats), then b (c floats)
    // Σx and Σx² per channel (x² into y for now)
    k.reduceSum(at(x), at(outs.means), 1, rows, c, red, 1);
    k.binary.mul_vt!(at(x), at(x), at(y), 1, n);
    k.reduceSum(at(y), at(outs.r), 1, rows, c, red, 1);
    const f = be.wasm.HEAPF32;
    const idx = new Map<tf.TensorInfo, number>();
    const base = (ti: tf.TensorInfo): number => {
      let o = idx.get(ti);
      if (o === undefined) idx.set(ti, (o = at(ti) >>> 2));
      return o;
    };
    const v = (ti: tf.TensorInfo, j = 0) => f[base(ti) + j]!;
    const set = (ti: tf.TensorInfo, val: number, j = 0) => {
      f[base(ti) + j] = val;
    };
    const lerp = (a: number, b: number) => a + (b - a) * mom1;
    const count = lerp(v(t.count!), rows);
    const dbias = v(t.dbias!) * (1 - mom1) + mom1;
    const batch = v(t.batch!) + x.shape[0]!;
    const step = v(t.step!) + 1;
    const d = step < 100 ? dbias : 1;
    const cnt = count / d;
    const floor = batch < 20 ? 0.01 : -Infinity;
    set(outs.count, count);
    set(outs.dbias, dbias);
    set(outs.batch, batch);
    set(outs.step, step);
    set(outs.k, 1 / (d * cnt));
    for (let j = 0; j < c; j++) {
      const sums = lerp(v(t.sums!, j), v(outs.means, j));
      const sqrs = lerp(v(t.sqrs!, j), v(outs.r, j));
      set(outs.sums, sums, j);
      set(outs.sqrs, sqrs, j);
      const means = sums / d / cnt;
      const raw = sqrs / d / cnt - means * means;
      const r = 1 / Math.sqrt(Math.max(raw, floor) + eps);
      const a = v(t.mults!, j) * r;
      set(outs.means, means, j);
      set(outs.r, r, j);
      set(outs.pass, raw >= floor ? 1 : 0, j);
      f[(ab >>> 2) + j] = a;
      f[(ab >>> 2) + c + j] = v(t.adds!, j) - means * a;
    }
    k.binary.mul_vt!(at(x), ab, at(y), rows, c);
    k.binary.add_vt!(at(y), ab + c * 4, at(y), rows, c);
  });
  return [y, outs.sums, outs.sqrs, outs.count, outs.dbias, outs.batch, outs.step, outs.means, outs.r, outs.k, outs.pass];
};

/**
 * Backward: inputs dy, x, means, r, pass, mults (c values), k (scalar); attr mom1.
 * Outputs `[dx, d mults, d adds]`.
 */
const backward: tf.KernelFunc = (args) => {
  const name = RBN_KERNEL_NAMES.backward;
  const { be, k } = context(args, name);
  const t = inputs(args, name, ['dy', 'x'], ['means', 'r', 'pass', 'mults'], ['k']);
  const { mom1 } = args.attrs as { mom1: number };
  const dy = t.dy!;
  const c = dy.shape[dy.shape.length - 1] ?? 1;
  const n = sizeOf(dy.shape);
  const rows = n / c;
  const dx = be.makeOutput([...dy.shape], 'float32');
  const dmults = be.makeOutput([c], 'float32');
  const dadds = be.makeOutput([c], 'float32');
  const at = (ti: tf.TensorInfo) => heapOffset(be, ti);
  withScratch(be, n * 4 + c * 8 + c * 12, (s) => {
    const tmp = s;
    const red = s + n * 4;
    const co = red + c * 8; // A, B, C: c floats each
    k.reduceSum(at(dy), at(dadds), 1, rows, c, red, 1);
    k.binary.mul_vt!(at(dy), at(t.x!), tmp, 1, n);
    k.reduceSum(tmp, at(dmults), 1, rows, c, red, 1); // Σdy·x for now
    const f = be.wasm.HEAPF32;
    const idx = new Map<tf.TensorInfo, number>();
    const v = (ti: tf.TensorInfo, j = 0): number => {
      let o = idx.get(ti);
      if (o === undefined) idx.set(ti, (o = at(ti) >>> 2));
      return f[o + j]!;
    };
    const scale = v(t.k!) * mom1;
    const dm0 = at(dmults) >>> 2;
    const base = co >>> 2;
    for (let j = 0; j < c; j++) {
      const w = v(t.mults!, j);
      const r = v(t.r!, j);
      const m = v(t.means!, j);
      const sdy = v(dadds, j);
      const sdyxhat = r * (v(dmults, j) - m * sdy);
      const dvars = w * r * r * sdyxhat * (v(t.pass!, j) * -0.5);
      const dmeans = -(w * r * sdy) - 2 * m * dvars;
      f[dm0 + j] = sdyxhat;
      f[base + j] = w * r;
      f[base + c + j] = 2 * dvars * scale;
      f[base + 2 * c + j] = dmeans * scale;
    }
    // dx = dy·A + x·B + C
    k.binary.mul_vt!(at(dy), co, at(dx), rows, c);
    k.binary.mul_vt!(at(t.x!), co + c * 4, tmp, rows, c);
    k.binary.add_vt!(at(dx), tmp, at(dx), 1, n);
    k.binary.add_vt!(at(dx), co + c * 8, at(dx), rows, c);
  });
  return [dx, dmults, dadds];
};

/** The RunningBatchNorm kernels, for registration on the wasm backend. */
export const RBN_KERNELS: ReadonlyArray<[string, tf.KernelFunc]> = [
  [RBN_KERNEL_NAMES.forward, forward],
  [RBN_KERNEL_NAMES.backward, backward],
];
