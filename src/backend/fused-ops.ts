/**
 * Fused training ops: SGD's parameter update, training-mode batch norm (forward, backward and
 * the running statistics), the course's RunningBatchNorm and GeneralRelu, ReLU's gradient, and softmax
 * cross-entropy as single kernels where the backend has them (wasm with SIMD: see wasm/fused-kernels.ts), so a
 * small-batch step dispatches a fraction of the kernels. Callers check `fusedKernelsReady()` and
 * otherwise run their plain tf ops (every other backend).
 */
import { tf } from './tf.js';
import { FUSED_KERNEL_NAMES } from './wasm/fused-kernels.js';
import { RBN_KERNEL_NAMES } from './wasm/running-batch-norm-kernels.js';
import { CROSS_ENTROPY_KERNEL_NAMES } from './wasm/cross-entropy-kernels.js';
import { simdFor, wasmInternals } from './wasm/internals.js';

const ready = new WeakMap<object, boolean>();
let enabled = true;

/** Turns the fused kernels off (or back on) for this process: for tests and A/B measurements. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether the current backend runs tfai's fused training kernels. */
export function fusedKernelsReady(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as object;
  let ok = ready.get(backend);
  if (ok === undefined) {
    const be = wasmInternals(backend);
    ok = !!be && !!simdFor(be) && [...Object.values(FUSED_KERNEL_NAMES), ...Object.values(RBN_KERNEL_NAMES), ...Object.values(CROSS_ENTROPY_KERNEL_NAMES)].every((k) => tf.getKernel(k, 'wasm') !== undefined);
    ready.set(backend, ok);
  }
  return ok;
}

/**
 * One SGD step on `p` in one kernel, where the backend has it (and `p`, `g` are float32):
 * `b = buf·mom + g` (or `g` without `buf`), `p' = p·(1 − lr·wd) − lr·b`, with the float32 operations
 * of the unfused ops in their order. Returns `[p']` or `[p', b]` (the new momentum buffer), or
 * undefined where there is no such kernel (the caller runs the tf ops).
 */
export function sgdStepFused(p: tf.Tensor, g: tf.Tensor, buf: tf.Tensor | undefined, lr: number, mom: number, wd: number): tf.Tensor[] | undefined {
  if (p.dtype !== 'float32' || g.dtype !== 'float32' || !fusedKernelsReady()) return undefined;
  const inputs: tf.NamedTensorMap = buf ? { p, g, buf } : { p, g };
  return tf.engine().runKernel(FUSED_KERNEL_NAMES.sgdStep, inputs, { lr, mom, wd }) as tf.Tensor[];
}

/** Training-mode batch norm over all axes but the last: `[y, x̂, mean, biased variance, 1/√(var + eps)]`. */
export function batchNormTrainFused(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor[] {
  return tf.engine().runKernel(FUSED_KERNEL_NAMES.batchNormTrain, { x, weight, bias }, { eps }) as tf.Tensor[];
}

/** The backward pass of `batchNormTrainFused`: `[dx, dweight, dbias]`. */
export function batchNormGradFused(dy: tf.Tensor, xhat: tf.Tensor, r: tf.Tensor, weight: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(FUSED_KERNEL_NAMES.batchNormGrad, { dy, xhat, r, weight }, {}) as tf.Tensor[];
}

/** Batch norm's running statistics moved towards the batch's: `[running·(1 − m) + mean·m, running·(1 − m) + variance·varScale]`. */
export function runningStatsFused(runningMean: tf.Tensor, runningVar: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, momentum: number, varScale: number): tf.Tensor[] {
  return tf.engine().runKernel(FUSED_KERNEL_NAMES.runningStats, { runningMean, runningVar, mean, variance }, { momentum, varScale }) as tf.Tensor[];
}

/** The course's GeneralRelu constants for the fused kernels: leak (0: relu), sub (0: none), maxv (+∞: none). */
export type GeneralReluConsts = { leak: number; sub: number; maxv: number };

/** `min((x > 0 ? x : leak·x) − sub, maxv)` in one kernel, with its gradient in one kernel. */
export function generalReluFused(x: tf.Tensor, c: GeneralReluConsts): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xi]);
    return {
      value: tf.engine().runKernel(FUSED_KERNEL_NAMES.generalRelu, { x: xi }, { ...c }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(FUSED_KERNEL_NAMES.generalReluGrad, { x: saved[0]!, dy }, { ...c }) as tf.Tensor,
    };
  });
  return op(x);
}

/** ReLU's gradient from its output `y`: `dy · step(y)` (as `tf.mul(dy, tf.step(y))`, bit for bit). */
export function reluGradFused(y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(FUSED_KERNEL_NAMES.reluGrad, { y, dy }, {}) as tf.Tensor;
}

/** RunningBatchNorm's buffers, as the fused training step reads them. */
export type RunningBatchNormBuffers = { sums: tf.Tensor; sqrs: tf.Tensor; count: tf.Tensor; dbias: tf.Tensor; batch: tf.Tensor; step: tf.Tensor };

/**
 * RunningBatchNorm's training step in one kernel (formulas: `RunningBatchNorm.trainOp`):
 * `[y, sums', sqrs', count', dbias', batch', step', means, r, k, pass]`.
 */
export function runningBatchNormFused(x: tf.Tensor, mults: tf.Tensor, adds: tf.Tensor, b: RunningBatchNormBuffers, mom1: number, eps: number): tf.Tensor[] {
  return tf.engine().runKernel(RBN_KERNEL_NAMES.forward, { x, mults, adds, ...b }, { mom1, eps }) as tf.Tensor[];
}

/** Its backward pass in one kernel: `[dx, d mults, d adds]`. */
export function runningBatchNormGradFused(dy: tf.Tensor, x: tf.Tensor, saved: { means: tf.Tensor; r: tf.Tensor; k: tf.Tensor; pass: tf.Tensor; mults: tf.Tensor }, mom1: number): tf.Tensor[] {
  return tf.engine().runKernel(RBN_KERNEL_NAMES.backward, { dy, x, ...saved }, { mom1 }) as tf.Tensor[];
}

/**
 * Mean softmax cross-entropy of float32 logits `[N, C]` against class indices `[N]` (int32 or
 * float32; a target that is not an integer in `[0, C)` gives NaN) in one kernel, its gradient in one.
 */
export function crossEntropyFused(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const l = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([l, targets]);
    return {
      value: tf.engine().runKernel(CROSS_ENTROPY_KERNEL_NAMES.forward, { logits: l, targets }, {}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(CROSS_ENTROPY_KERNEL_NAMES.backward, { logits: saved[0]!, targets: saved[1]!, dy }, {}) as tf.Tensor,
    };
  });
  return op(logits) as tf.Scalar;
}
