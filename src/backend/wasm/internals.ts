/**
 * Access to the tfjs-backend-wasm 4.22 internals the tfai kernels use: the wasm heap, the
 * data-id -> heap-offset map and output allocation. Everything here is guarded: when the backend
 * does not look like BackendWasm, callers get `undefined` and fall back to plain tf ops.
 */
import { tf } from '../tf.js';
import { simdKernelsFor, type SimdKernels } from './simd-module.js';

/** The parts of tfjs-backend-wasm's `BackendWasm` the tfai kernels use. */
export interface WasmBackendInternals {
  wasm: {
    /** The module's raw exports (Emscripten's `Module.asm`). */
    asm?: { memory?: WebAssembly.Memory; malloc?: (bytes: number) => number; free?: (ptr: number) => void };
    /** The imported (shared) memory of the threaded build. */
    wasmMemory?: WebAssembly.Memory;
    HEAPU8: Uint8Array;
    HEAP32: Int32Array;
    HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: tf.DataId): void;
}

/** The backend's internals if it is a tfjs wasm backend, else undefined. */
export function wasmInternals(backend: unknown): WasmBackendInternals | undefined {
  const be = backend as Partial<WasmBackendInternals> | undefined;
  if (!be?.wasm || !be.dataIdMap || typeof be.makeOutput !== 'function' || typeof be.incRef !== 'function') return undefined;
  return be as WasmBackendInternals;
}

/**
 * The heap allocator's own functions. Emscripten's `_malloc` / `_free` start as stubs that, on
 * their first call, replace themselves on the module with the raw exports — which would also
 * remove any wrapper installed over a stub. Wrappers must call these.
 */
export function rawAllocator(be: WasmBackendInternals): { malloc: (bytes: number) => number; free: (ptr: number) => void } {
  const { asm } = be.wasm;
  return {
    malloc: asm?.malloc ?? be.wasm._malloc.bind(be.wasm),
    free: asm?.free ?? be.wasm._free.bind(be.wasm),
  };
}

/** The SIMD kernels bound to this backend's memory, plain or shared (undefined without wasm SIMD). */
export function simdFor(be: WasmBackendInternals): SimdKernels | undefined {
  const memory = be.wasm.asm?.memory ?? be.wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? simdKernelsFor(memory) : undefined;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(be: WasmBackendInternals, t: tf.TensorInfo): number {
  const d = be.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tfai wasm kernel: tensor data not found on the wasm backend');
  return d.memoryOffset;
}

/** Number of elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The backend and SIMD kernels a tfai kernel runs with; throws naming the kernel when it cannot run. */
export function kernelContext(backend: unknown, name: string): { be: WasmBackendInternals; k: SimdKernels } {
  const be = wasmInternals(backend);
  const k = be ? simdFor(be) : undefined;
  if (!be || !k) throw new Error(`tfai: the kernel '${name}' needs the wasm backend with SIMD (check fusedKernelsReady() before calling it)`);
  return { be, k };
}

/** Temporary heap memory (at least `bytes`) for `f`, freed after it. */
export function withScratch<T>(be: WasmBackendInternals, bytes: number, f: (ptr: number) => T): T {
  const ptr = be.wasm._malloc(Math.max(16, bytes)) >>> 0;
  try {
    return f(ptr);
  } finally {
    be.wasm._free(ptr);
  }
}
