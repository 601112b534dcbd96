/**
 * Faster replacements for tfjs-backend-wasm 4.22 kernels that dominate a convnet training step
 * but run as scalar (or copy-heavy) code there: broadcasting binary ops and comparisons
 * (binary-kernels.ts), Select, LeakyRelu and Relu (elementwise-kernels.ts), Sum/Mean over
 * contiguous axes (reduce-kernels.ts), Identity and same-dtype Cast (identity-cast-kernels.ts),
 * PadV2, Slice and GatherV2 (copy-kernels.ts), the larger forward convolutions (conv2d-forward.ts)
 * and MaxPoolGrad (max-pool-grad.ts).
 *
 * Each replacement handles the common float32 layouts with the SIMD module (`simd-module.ts`) or
 * plain memory moves on the wasm heap, and hands every other case to the original wasm kernel.
 * This file is their table and the wrapper that falls back.
 */
import type { tf } from '../tf.js';
import { wasmInternals } from './internals.js';
import type { FastPath } from './fast-path.js';
import { BINARY_FAST_PATHS } from './binary-kernels.js';
import { leakyReluFastPath, reluFastPath, selectFastPath } from './elementwise-kernels.js';
import { reduceFastPath } from './reduce-kernels.js';
import { castFastPath, identityFastPath } from './identity-cast-kernels.js';
import { gatherFastPath, padFastPath, sliceFastPath } from './copy-kernels.js';
import { conv2dDirect } from './conv2d-forward.js';
import { maxPoolGradFast } from './max-pool-grad.js';

/** Kernel name -> fast path, for every replacement this module provides. */
export const FAST_PATHS: Readonly<Record<string, FastPath>> = {
  ...BINARY_FAST_PATHS,
  Select: selectFastPath,
  LeakyRelu: leakyReluFastPath,
  Relu: reluFastPath,
  Sum: reduceFastPath(false),
  Mean: reduceFastPath(true),
  Identity: identityFastPath,
  Cast: castFastPath,
  PadV2: padFastPath,
  Slice: sliceFastPath,
  GatherV2: gatherFastPath,
  Conv2D: conv2dDirect,
  MaxPoolGrad: maxPoolGradFast,
};

/**
 * Builds the replacement config for `kernelName`: the fast path when it applies, else the
 * original wasm kernel (whose setup/dispose hooks are kept so it still initialises).
 */
export function fastKernelConfig(kernelName: string, original: tf.KernelConfig): tf.KernelConfig {
  const fast = FAST_PATHS[kernelName];
  if (!fast) throw new Error(`tfai: no fast wasm kernel for '${kernelName}'`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const be = wasmInternals(args.backend);
    const res = be ? fast(args, be) : undefined;
    return res ?? original.kernelFunc(args);
  };
  return {
    kernelName,
    backendName: original.backendName,
    kernelFunc,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
  };
}
