/**
 * Registers tfai's training kernels for the tfjs wasm backend.
 *
 * tfjs-backend-wasm 4.22 cannot train convnets: it has no `Conv2DBackpropFilter` kernel and its
 * `Conv2DBackpropInput` is a slow reference loop. The replacements here are written with fast
 * wasm kernels (XNNPACK conv2d, transpose, gather), called from inside the kernel. A training step
 * is also dominated by wasm kernels that run as scalar code (broadcasting binary ops, comparisons,
 * Select, LeakyRelu, Sum/Mean, PadV2, Slice, GatherV2, copying Identity/Cast); those get SIMD / zero-copy
 * fast paths that fall back to the original kernel for any case they do not cover.
 */
import { tf } from '../tf.js';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input.js';
import { FAST_PATHS, fastKernelConfig } from './fast-kernels.js';
import { FUSED_KERNELS } from './fused-kernels.js';
import { RBN_KERNELS } from './running-batch-norm-kernels.js';
import { CROSS_ENTROPY_KERNELS } from './cross-entropy-kernels.js';

const BACKEND = 'wasm';

/** kernelFuncs registered by this module (to make registration idempotent). */
const ours = new Set<tf.KernelFunc>();

function install(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, BACKEND) !== undefined) tf.unregisterKernel(config.kernelName, BACKEND);
  tf.registerKernel(config);
  ours.add(config.kernelFunc);
}

/**
 * Registers (over tfjs-backend-wasm's own, where they exist) the tfai wasm training kernels:
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput` built on XNNPACK convolutions, plus SIMD /
 * zero-copy fast paths for Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference,
 * Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual, Select, LeakyRelu, Sum, Mean, PadV2,
 * Slice, GatherV2, Identity and Cast, a direct-convolution Conv2D for the larger convolutions and
 * a MaxPoolGrad that visits each window once
 * (each defers to the original kernel outside its fast cases); and tfai's own fused kernels
 * (SGD step, BatchNorm, RunningBatchNorm, GeneralRelu, cross-entropy: see fused-kernels.ts,
 * running-batch-norm-kernels.ts and cross-entropy-kernels.ts).
 *
 * Idempotent, and safe to call before or after `tf.setBackend('wasm')`: kernels are looked up per
 * call, and the replaced kernels keep their original setup hooks.
 */
export function registerWasmTrainingKernels(): void {
  const convKernels: Array<[string, tf.KernelFunc]> = [
    [tf.Conv2DBackpropFilter, conv2DBackpropFilterKernel],
    [tf.Conv2DBackpropInput, conv2DBackpropInputKernel],
    ...FUSED_KERNELS,
    ...RBN_KERNELS,
    ...CROSS_ENTROPY_KERNELS,
  ];
  for (const [kernelName, kernelFunc] of convKernels) {
    if (tf.getKernel(kernelName, BACKEND)?.kernelFunc === kernelFunc) continue;
    install({ kernelName, backendName: BACKEND, kernelFunc });
  }
  for (const kernelName of Object.keys(FAST_PATHS)) {
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing === undefined || ours.has(existing.kernelFunc)) continue;
    install(fastKernelConfig(kernelName, existing));
  }
}
