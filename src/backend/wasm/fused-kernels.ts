/**
 * Fused training kernels for the wasm backend: one kernel call where the tf ops of a training
 * step would dispatch many. At small batches a convnet step on wasm is dominated by per-kernel
 * dispatch (≈ 5–10 µs each, some 460 kernels per step of the course convnet), not arithmetic:
 *
 * - `TfaiSgdStep`: SGD with momentum and decoupled weight decay on one parameter (six element-wise
 *   kernels → one pass; see sgd-step-fn.ts).
 * - `TfaiBatchNormTrain`: training-mode batch norm forward — batch mean, biased variance,
 *   `r = 1/√(var + eps)`, `x̂ = (x − mean)·r`, `y = x̂·w + b` (nine kernels → one).
 * - `TfaiBatchNormGrad`: its backward pass, `db = Σdy`, `dw = Σdy·x̂`,
 *   `dx = w·r·(dy − db/N − x̂·dw/N)` (about ten kernels → one).
 *
 * - `TfaiRunningStats`: batch norm's running mean and variance update (seven kernels → one).
 * - `TfaiGeneralRelu` / `TfaiGeneralReluGrad`: the course's `min(leakyRelu(x) − sub, maxv)`
 *   (three kernels forward, about ten backward → one each; see general-relu-fn.ts).
 * - `TfaiReluGrad`: ReLU's gradient from its output, `dy · step(y)` (two kernels → one, split
 *   across the kernel pool; see relu-grad-fn.ts).
 *
 * The batch-norm kernels run the same SIMD loops as the kernels they replace, in the same order,
 * so their results equal the unfused ops' on wasm (except `r`, computed here as one correctly
 * rounded `1/√v` where the wasm Rsqrt kernel may round twice, and the channel sums of big
 * tensors, added up in row blocks of a multiple of 64 rows that run across the kernel pool — see
 * js-units.ts: the same float32 block sums, grouped differently in float64).
 */
import { tf } from '../tf.js';
import { heapOffset, kernelContext, sizeOf, withScratch } from './internals.js';
import { runUnits } from './pool.js';
import { ELEMENT_BLOCK, partialBytes, sumPartials, unitRowsFor } from './js-units.js';

/** What one element-wise pass over one float costs, in the pool's units of work (multiply-adds). */
const PASS_WORK = 2;

/** Names of the fused kernels. */
export const FUSED_KERNEL_NAMES = {
  sgdStep: 'TfaiSgdStep',
  batchNormTrain: 'TfaiBatchNormTrain',
  batchNormGrad: 'TfaiBatchNormGrad',
  runningStats: 'TfaiRunningStats',
  generalRelu: 'TfaiGeneralRelu',
  generalReluGrad: 'TfaiGeneralReluGrad',
  reluGrad: 'TfaiReluGrad',
} as const;

type KernelArgs = Parameters<tf.KernelFunc>[0];

const setup = (args: KernelArgs, name: string) => kernelContext(args.backend, name);

function float32(t: tf.TensorInfo | undefined, what: string, name: string): tf.TensorInfo {
  if (!t || t.dtype !== 'float32') throw new Error(`tfai ${name}: input '${what}' must be a float32 tensor, got ${t ? t.dtype : 'none'}`);
  return t;
}

const sgdStep: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.sgdStep;
  const { be, k } = setup(args, name);
  const p = float32(args.inputs.p, 'p', name);
  const g = float32(args.inputs.g, 'g', name);
  const buf = args.inputs.buf;
  const { lr, mom, wd } = args.attrs as { lr: number; mom: number; wd: number };
  const n = sizeOf(p.shape);
  if (sizeOf(g.shape) !== n || (buf && (buf.dtype !== 'float32' || sizeOf(buf.shape) !== n))) {
    throw new Error(`tfai ${name}: p [${p.shape}], g [${g.shape}]${buf ? ` and buf [${buf.shape}]` : ''} must have the same size`);
  }
  const outP = be.makeOutput([...p.shape], 'float32');
  const outBuf = buf ? be.makeOutput([...p.shape], 'float32') : undefined;
  if (n > 0) {
    k.sgdStep(heapOffset(be, p), heapOffset(be, g), buf ? heapOffset(be, buf) : 0, heapOffset(be, outP), outBuf ? heapOffset(be, outBuf) : 0, n, lr, mom, wd, buf ? 1 : 0);
  }
  return outBuf ? [outP, outBuf] : [outP];
};

/** Rows (all but the channel axis) and channels of a channels-last tensor. */
function rowsAndChannels(x: tf.TensorInfo): { rows: number; c: number } {
  const c = x.shape[x.shape.length - 1] ?? 1;
  return { rows: sizeOf(x.shape) / c, c };
}

const batchNormTrain: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.batchNormTrain;
  const { be, k } = setup(args, name);
  const x = float32(args.inputs.x, 'x', name);
  const w = float32(args.inputs.weight, 'weight', name);
  const b = float32(args.inputs.bias, 'bias', name);
  const { eps } = args.attrs as { eps: number };
  const { rows, c } = rowsAndChannels(x);
  if (sizeOf(w.shape) !== c || sizeOf(b.shape) !== c || rows === 0) {
    throw new Error(`tfai ${name}: x [${x.shape}] needs weight and bias of ${c} values, got [${w.shape}] and [${b.shape}]`);
  }
  const n = rows * c;
  const y = be.makeOutput([...x.shape], 'float32');
  const xhat = be.makeOutput([...x.shape], 'float32');
  const mean = be.makeOutput([c], 'float32');
  const variance = be.makeOutput([c], 'float32');
  const r = be.makeOutput([c], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(be, t);
  const unitRows = unitRowsFor(rows, c);
  const units = Math.max(1, Math.ceil(rows / unitRows));
  withScratch(be, partialBytes(units, c), (part) => {
    runUnits(k, 'bn_sum', [at(x), c, rows, unitRows, part, at(mean), 1 / rows], units, n * PASS_WORK);
    sumPartials(be.wasm.HEAPF32.buffer, part, units, c, at(mean), 1 / rows);
    // xhat = x − mean; (x − mean)² in y for now
    runUnits(k, 'bn_center', [at(x), at(mean), at(xhat), at(y), c, rows, unitRows, part, at(variance), 1 / rows], units, 3 * n * PASS_WORK);
    sumPartials(be.wasm.HEAPF32.buffer, part, units, c, at(variance), 1 / rows);
  });
  const f32 = be.wasm.HEAPF32;
  const v0 = at(variance) >>> 2;
  const r0 = at(r) >>> 2;
  const e = Math.fround(eps);
  for (let j = 0; j < c; j++) f32[r0 + j] = 1 / Math.sqrt(Math.fround(f32[v0 + j]! + e));
  runUnits(k, 'bn_scale', [at(xhat), at(r), at(w), at(b), at(y), c, rows, unitRows], units, 3 * n * PASS_WORK);
  return [y, xhat, mean, variance, r];
};

const batchNormGrad: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.batchNormGrad;
  const { be, k } = setup(args, name);
  const dy = float32(args.inputs.dy, 'dy', name);
  const xhat = float32(args.inputs.xhat, 'xhat', name);
  const r = float32(args.inputs.r, 'r', name);
  const w = float32(args.inputs.weight, 'weight', name);
  const { rows, c } = rowsAndChannels(dy);
  if (sizeOf(xhat.shape) !== rows * c || sizeOf(r.shape) !== c || sizeOf(w.shape) !== c) {
    throw new Error(`tfai ${name}: dy [${dy.shape}] needs xhat of the same size and r, weight of ${c} values, got [${xhat.shape}], [${r.shape}], [${w.shape}]`);
  }
  const n = rows * c;
  const dx = be.makeOutput([...dy.shape], 'float32');
  const dw = be.makeOutput([c], 'float32');
  const db = be.makeOutput([c], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(be, t);
  const unitRows = unitRowsFor(rows, c);
  const units = Math.max(1, Math.ceil(rows / unitRows));
  const pb = partialBytes(units, c);
  // scratch: n floats of dy·x̂ then x̂·dw/N; two partial-sum areas; 3c floats w·r, db/N, dw/N
  withScratch(be, n * 4 + 8 + 2 * pb + c * 12, (s) => {
    const prod = s;
    const part = s + 4 * Math.ceil(n / 2) * 2; // 8-byte aligned
    const part2 = part + pb;
    const wr = part2 + pb;
    const dbn = wr + c * 4;
    const dwn = dbn + c * 4;
    runUnits(k, 'bn_grad_sums', [at(dy), at(xhat), prod, c, rows, unitRows, part, part2, at(db), at(dw)], units, 3 * n * PASS_WORK);
    const heap = be.wasm.HEAPF32.buffer;
    sumPartials(heap, part, units, c, at(db), 1);
    sumPartials(heap, part2, units, c, at(dw), 1);
    const f32 = be.wasm.HEAPF32;
    const [w0, r0, db0, dw0] = [w, r, db, dw].map((t) => at(t) >>> 2) as [number, number, number, number];
    for (let j = 0; j < c; j++) {
      f32[(wr >>> 2) + j] = f32[w0 + j]! * f32[r0 + j]!;
      f32[(dbn >>> 2) + j] = f32[db0 + j]! / rows;
      f32[(dwn >>> 2) + j] = f32[dw0 + j]! / rows;
    }
    runUnits(k, 'bn_grad_dx', [at(dy), at(xhat), dbn, dwn, wr, at(dx), prod, c, rows, unitRows], units, 4 * n * PASS_WORK);
  });
  return [dx, dw, db];
};

const runningStats: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.runningStats;
  const { be } = setup(args, name);
  const ins = ['runningMean', 'runningVar', 'mean', 'variance'].map((k) => float32(args.inputs[k], k, name));
  const c = sizeOf(ins[0]!.shape);
  if (ins.some((t) => sizeOf(t.shape) !== c)) throw new Error(`tfai ${name}: the four inputs must have ${c} values, got ${ins.map((t) => `[${t.shape}]`).join(', ')}`);
  const { momentum, varScale } = args.attrs as { momentum: number; varScale: number };
  const outs = [be.makeOutput([...ins[0]!.shape], 'float32'), be.makeOutput([...ins[1]!.shape], 'float32')];
  const f32 = be.wasm.HEAPF32;
  const [rm, rv, m, v] = ins.map((t) => heapOffset(be, t) >>> 2) as [number, number, number, number];
  const [om, ov] = outs.map((t) => heapOffset(be, t) >>> 2) as [number, number];
  const keep = Math.fround(1 - momentum);
  const mom = Math.fround(momentum);
  const vs = Math.fround(varScale);
  const fr = Math.fround;
  // the tf ops' float32 steps: running·(1 − m) + stat·m (variance: · m·N/(N − 1))
  for (let j = 0; j < c; j++) {
    f32[om + j] = fr(f32[rm + j]! * keep) + fr(f32[m + j]! * mom);
    f32[ov + j] = fr(f32[rv + j]! * keep) + fr(f32[v + j]! * vs);
  }
  return outs;
};

/** The GeneralRelu constants (leak 0: relu; sub 0: none; maxv +∞: none) as the SIMD loops take them. */
function reluAttrs(attrs: unknown): [number, number, number] {
  const { leak, sub, maxv } = attrs as { leak: number; sub: number; maxv: number };
  return [leak, sub, maxv];
}

const generalRelu: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.generalRelu;
  const { be, k } = setup(args, name);
  const x = float32(args.inputs.x, 'x', name);
  const out = be.makeOutput([...x.shape], 'float32');
  const n = sizeOf(x.shape);
  if (n > 0) k.generalRelu(heapOffset(be, x), heapOffset(be, out), n, ...reluAttrs(args.attrs));
  return out;
};

const generalReluGrad: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.generalReluGrad;
  const { be, k } = setup(args, name);
  const x = float32(args.inputs.x, 'x', name);
  const dy = float32(args.inputs.dy, 'dy', name);
  const n = sizeOf(x.shape);
  if (sizeOf(dy.shape) !== n) throw new Error(`tfai ${name}: dy [${dy.shape}] must have the size of x [${x.shape}]`);
  const dx = be.makeOutput([...x.shape], 'float32');
  if (n > 0) k.generalReluGrad(heapOffset(be, x), heapOffset(be, dy), heapOffset(be, dx), n, ...reluAttrs(args.attrs));
  return dx;
};

const reluGrad: tf.KernelFunc = (args) => {
  const name = FUSED_KERNEL_NAMES.reluGrad;
  const { be, k } = setup(args, name);
  const y = float32(args.inputs.y, 'y', name);
  const dy = float32(args.inputs.dy, 'dy', name);
  const n = sizeOf(y.shape);
  if (sizeOf(dy.shape) !== n) throw new Error(`tfai ${name}: dy [${dy.shape}] must have the size of y [${y.shape}]`);
  const dx = be.makeOutput([...y.shape], 'float32');
  runUnits(k, 'relu_grad', [heapOffset(be, y), heapOffset(be, dy), heapOffset(be, dx), n, ELEMENT_BLOCK], Math.ceil(n / ELEMENT_BLOCK), n * PASS_WORK);
  return dx;
};

/** The fused kernels, for registration on the wasm backend. */
export const FUSED_KERNELS: ReadonlyArray<[string, tf.KernelFunc]> = [
  [FUSED_KERNEL_NAMES.sgdStep, sgdStep],
  [FUSED_KERNEL_NAMES.batchNormTrain, batchNormTrain],
  [FUSED_KERNEL_NAMES.batchNormGrad, batchNormGrad],
  [FUSED_KERNEL_NAMES.runningStats, runningStats],
  [FUSED_KERNEL_NAMES.generalRelu, generalRelu],
  [FUSED_KERNEL_NAMES.generalReluGrad, generalReluGrad],
  [FUSED_KERNEL_NAMES.reluGrad, reluGrad],
];
