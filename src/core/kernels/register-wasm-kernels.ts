/**
 * Registers tfai's training kernels for the tfjs wasm backend.
 *
 * tfjs-backend-wasm 4.22 cannot train convnets: it has no `Conv2DBackpropFilter` kernel and its
 * `Conv2DBackpropInput` is a slow reference loop. The replacements here are written with fast
 * wasm kernels (XNNPACK conv2d, transpose, pad, strided slice), called from inside the kernel.
 */
import { tf } from '../tf.js';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input.js';

const BACKEND = 'wasm';

const KERNELS: readonly tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2DBackpropFilterKernel },
  { kernelName: tf.Conv2DBackpropInput, backendName: BACKEND, kernelFunc: conv2DBackpropInputKernel },
];

/**
 * Registers (or re-registers over tfjs-backend-wasm's own) the tfai wasm training kernels:
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput`. Idempotent, and safe to call before or after
 * `tf.setBackend('wasm')` — kernels are looked up per call, so registration order does not matter.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of KERNELS) {
    const existing = tf.getKernel(config.kernelName, BACKEND);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, BACKEND);
    tf.registerKernel(config);
  }
}
