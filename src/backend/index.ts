/**
 * `tfai/backend`: the TensorFlow.js engine tfai runs on — `tf` itself, backend selection (and what
 * the WebGPU adapter is, or why there is none), and the wasm training kernels, which any TF.js
 * program (tfjs-layers' `model.fit` included) can register to train convnets on the wasm backend.
 *
 * @module tfai/backend
 */
export { tf } from './tf.js';
export { initBackend, onAccelerator, chosenBackend, gpuStatus, wasmThreads, type BackendName, type BackendPreference, type InitBackendOptions } from './init-backend.js';
export type { WasmPaths } from './wasm/thread-count.js';
export { registerWasmTrainingKernels } from './wasm/register-kernels.js';
export { WasmMemoryError, WASM_HEAP_LIMIT, estimateStepMemory, assertStepFits, guardWasmMalloc, type StepMemoryEstimate } from './wasm/memory-guard.js';
export { WASM_MAX_THREADS, type WasmThreadsReport } from './wasm/threads.js';
export { probeWebGPU, webgpuAdapter, describeAdapter, isSoftwareAdapter, type WebGPUAdapterSummary, type WebGPUProbe, type GpuAdapterInfo } from './webgpu.js';
