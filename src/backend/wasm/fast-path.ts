/**
 * The shape of tfai's fast paths for tfjs-backend-wasm kernels (see fast-kernels.ts): a function
 * that handles the common cases of a kernel on the wasm heap and declines the rest.
 */
import type { tf } from '../tf.js';
import type { WasmBackendInternals } from './internals.js';

/** The argument object tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];
/** A fast path: returns undefined to defer to the original kernel. */
export type FastPath = (args: KernelArgs, be: WasmBackendInternals) => tf.TensorInfo | undefined;
