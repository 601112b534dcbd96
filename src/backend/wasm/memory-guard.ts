/**
 * The wasm backend's 4 GiB ceiling (wasm32 addresses at most 4 GiB; tfjs-backend-wasm caps its
 * heap at 4 GiB - 64 KiB). Past it, tfjs-backend-wasm's `malloc` returns 0 and the tensor is
 * written over address 0, so training fails later with a bare "memory access out of bounds".
 * This module (1) estimates a training step's memory from two small probe steps and refuses a
 * batch that cannot fit, with an error that says why and what to do, and (2) makes a failed
 * allocation throw at once with the same kind of message.
 */
import { tf } from '../tf.js';
import { wasmInternals, type WasmBackendInternals } from './internals.js';

/** The most the wasm heap can grow to (tfjs-backend-wasm's Emscripten `getHeapMax()`). */
export const WASM_HEAP_LIMIT = 4294901760;
/** Memory the estimate leaves for what tfjs does not count (XNNPACK buffers, allocator slack). */
const RESERVE = 0.05 * WASM_HEAP_LIMIT;

/** Thrown when a training step cannot fit the wasm backend's memory. */
export class WasmMemoryError extends Error {
  override readonly name = 'WasmMemoryError';
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const fmt = (bytes: number): string => (bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GB` : `${Math.round(bytes / MiB)} MB`);

/** A training-step memory estimate: `fixed + perSample * batch` bytes. */
export interface StepMemoryEstimate {
  /** Bytes that do not grow with the batch (tensors already held, weights, gradients, optimizer state). */
  fixed: number;
  /** Bytes per sample of the batch (saved activations, their gradients, kernel temporaries). */
  perSample: number;
  /** The batch size estimated for. */
  batch: number;
  /** `fixed + perSample * batch`. */
  need: number;
  /** The largest batch that fits the wasm heap (0 if none does). */
  maxBatch: number;
}

/** The sample counts of the two probe steps. */
export const PROBE_SIZES = [2, 4] as const;

/**
 * Estimates the peak tensor memory of a training step from probe steps on 2 and 4 samples
 * (`probe(n)` runs forward + backward on `n` samples and disposes what it makes; 2 is the least
 * that BatchNorm on 1×1 maps accepts), measured with `tf.profile`'s peak bytes, plus `extraFixed`
 * (e.g. optimizer state not allocated yet).
 */
export async function estimateStepMemory(probe: (n: number) => void, batch: number, extraFixed = 0): Promise<StepMemoryEstimate> {
  const peak = async (n: number): Promise<number> => (await tf.profile(() => probe(n))).peakBytes;
  const [n1, n2] = PROBE_SIZES;
  const p1 = await peak(n1);
  const p2 = await peak(n2);
  const perSample = Math.max(0, (p2 - p1) / (n2 - n1));
  const fixed = p1 - perSample * n1 + extraFixed;
  const need = fixed + perSample * batch;
  const room = WASM_HEAP_LIMIT - RESERVE - fixed;
  const maxBatch = perSample > 0 ? Math.max(0, Math.floor(room / perSample)) : Number.MAX_SAFE_INTEGER;
  return { fixed, perSample, batch, need, maxBatch };
}

/**
 * Throws a {@link WasmMemoryError} when `est` does not fit the wasm heap, naming `what` (the
 * model), the batch size, the estimated need, and what to do instead.
 */
export function assertStepFits(what: string, est: StepMemoryEstimate): void {
  if (est.need <= WASM_HEAP_LIMIT - RESERVE) return;
  const fix = est.maxBatch >= 1 ? `use a batch size of at most ${est.maxBatch}` : 'use a smaller model';
  throw new WasmMemoryError(
    `${what} at batch size ${est.batch} needs about ${fmt(est.need)} of wasm memory for a training step ` +
      `(${fmt(est.fixed)} + ${fmt(est.perSample)} per sample, estimated from probe steps on ${PROBE_SIZES.join(' and ')} samples), ` +
      `but the wasm backend can address at most 4 GB (wasm32). ${fix[0]!.toUpperCase()}${fix.slice(1)}, ` +
      `or train on a backend without this limit (tensorflow, from @tensorflow/tfjs-node).`,
  );
}

const guarded = new WeakSet<object>();

/**
 * Makes the wasm backend's `_malloc` throw a {@link WasmMemoryError} when the heap cannot grow,
 * instead of returning 0 (which tfjs-backend-wasm would write tensors over). Idempotent; a no-op
 * for other backends.
 */
export function guardWasmMalloc(backend: unknown = tf.backend()): void {
  const be: WasmBackendInternals | undefined = wasmInternals(backend);
  if (!be || guarded.has(be.wasm)) return;
  const malloc = be.wasm._malloc.bind(be.wasm);
  be.wasm._malloc = (bytes: number): number => {
    const ptr = malloc(bytes);
    if (ptr === 0 && bytes > 0) {
      const memory = be.wasm.asm?.memory ?? be.wasm.wasmMemory;
      const heap = memory ? memory.buffer.byteLength : NaN;
      throw new WasmMemoryError(
        `the wasm backend is out of memory: it could not allocate ${fmt(bytes)} with its heap at ${fmt(heap)} ` +
          `(wasm32 addresses at most 4 GB; tensors held: ${fmt(tf.memory().numBytes)}). Use a smaller batch, ` +
          `dispose tensors you no longer need, or train on a backend without this limit (tensorflow, from @tensorflow/tfjs-node).`,
      );
    }
    return ptr;
  };
  guarded.add(be.wasm);
}
