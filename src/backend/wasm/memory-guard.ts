/**
 * The wasm backend's 4 GiB ceiling (wasm32 addresses at most 4 GiB; tfjs-backend-wasm caps its
 * heap at 4 GiB - 64 KiB). Past it, tfjs-backend-wasm's `malloc` returns 0 and the tensor is
 * written over address 0, so training fails later with a bare "memory access out of bounds".
 * This module (1) estimates a training step's memory from two small probe steps and refuses a
 * batch that cannot fit, with an error that says why and what to do, and (2) makes a failed
 * allocation throw at once with the same kind of message.
 */
import { tf } from '../tf.js';
import { rawAllocator, wasmInternals, type WasmBackendInternals } from './internals.js';

/** The most the wasm heap can grow to (tfjs-backend-wasm's Emscripten `getHeapMax()`). */
export const WASM_HEAP_LIMIT = 4294901760;
/** Memory the estimate leaves for what tfjs does not count (XNNPACK buffers, allocator slack). */
const RESERVE = 0.05 * WASM_HEAP_LIMIT;
/**
 * Heap growth per allocated byte of a step: the allocator cannot reuse every freed block, so the
 * heap grows faster than the bytes held at once (ResNet-18 for CIFAR: 5.2 MB allocated per sample
 * at the peak, the heap growing 6.5 MB per sample).
 */
const SLACK = 1.3;

/** Thrown when a training step cannot fit the wasm backend's memory. */
export class WasmMemoryError extends Error {
  /** The error class name. */
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
 * The most bytes the wasm backend's allocator held at once while `f` ran, above what it held when
 * `f` began: every buffer made through `_malloc` (tensors, kernel scratch) counted once, however
 * many tensors share it (a tensor saved for the backward pass is a clone of a live one, which
 * `tf.profile`'s byte count counts twice). Buffers that were live before `f` and freed during it
 * are not subtracted, so the figure errs high.
 */
export function wasmPeakBytesDuring(be: WasmBackendInternals, f: () => void): number {
  const { wasm } = be;
  // What was installed (the raw function, a lazy Emscripten stub, or guardWasmMalloc's wrapper).
  // A stub replaces itself on the module at its first call: then take what it installed instead.
  const inner = { malloc: wasm._malloc, free: wasm._free };
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const malloc = (bytes: number): number => {
    const ptr = inner.malloc.call(wasm, bytes);
    if (wasm._malloc !== malloc) [inner.malloc, wasm._malloc] = [wasm._malloc, malloc];
    sizes.set(ptr >>> 0, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return ptr;
  };
  const free = (ptr: number): void => {
    inner.free.call(wasm, ptr);
    if (wasm._free !== free) [inner.free, wasm._free] = [wasm._free, free];
    const bytes = sizes.get(ptr >>> 0);
    if (bytes !== undefined) {
      live -= bytes;
      sizes.delete(ptr >>> 0);
    }
  };
  wasm._malloc = malloc;
  wasm._free = free;
  try {
    f();
  } finally {
    wasm._malloc = inner.malloc;
    wasm._free = inner.free;
  }
  return peak;
}

/**
 * Estimates the peak memory of a training step from probe steps on 2 (twice) and 4 samples (`probe(n)`
 * runs forward + backward on `n` samples and disposes what it makes; 2 is the least that
 * BatchNorm on 1×1 maps accepts), plus `extraFixed` (e.g. optimizer state not allocated yet). On
 * the wasm backend a probe's peak is what its allocator held (`wasmPeakBytesDuring`) on top of
 * the tensors held before, and the per-sample part is scaled by the allocator's slack (1.3);
 * elsewhere `tf.profile`'s peak bytes (which count a buffer once per tensor sharing it, so err
 * high).
 */
export async function estimateStepMemory(probe: (n: number) => void, batch: number, extraFixed = 0): Promise<StepMemoryEstimate> {
  const be = wasmInternals(tf.backend());
  const peak = async (n: number): Promise<number> =>
    be ? tf.memory().numBytes + wasmPeakBytesDuring(be, () => probe(n)) : (await tf.profile(() => probe(n))).peakBytes;
  const [n1, n2] = PROBE_SIZES;
  // The first step on a model allocates more than later ones (first-call buffers): keep that in
  // the fixed part, but take the growth per sample from two warm probes.
  const first = await peak(n1);
  const p1 = await peak(n1);
  const p2 = await peak(n2);
  const perSample = Math.max(0, (p2 - p1) / (n2 - n1)) * (be ? SLACK : 1);
  const fixed = Math.max(first, p1) - perSample * n1 + extraFixed;
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
 * Makes the wasm backend's `_malloc` throw a {@link WasmMemoryError} when the heap cannot hold the
 * allocation, instead of handing out an address that is not memory: tfjs-backend-wasm's
 * allocator returns 0 when the heap cannot grow, and near 4 GB its `sbrk` wraps past 2^32 and
 * returns a block beyond the heap's end (a later "memory access out of bounds"). Both are caught
 * here; the bad block is given back. Idempotent; a no-op for other backends.
 */
export function guardWasmMalloc(backend: unknown = tf.backend()): void {
  const be: WasmBackendInternals | undefined = wasmInternals(backend);
  if (!be || guarded.has(be.wasm)) return;
  const { malloc, free } = rawAllocator(be); // not the lazy stubs, which would replace this wrapper
  const heapBytes = (): number => (be.wasm.asm?.memory ?? be.wasm.wasmMemory)?.buffer.byteLength ?? Infinity;
  let known = heapBytes();
  be.wasm._malloc = (bytes: number): number => {
    const ptr = malloc(bytes);
    const at = ptr >>> 0;
    if (at + bytes <= known && at !== 0) return ptr;
    known = heapBytes(); // the heap may have grown
    if ((at === 0 && bytes > 0) || at + bytes > known) {
      if (at !== 0) free(ptr);
      throw new WasmMemoryError(
        `the wasm backend is out of memory: it could not allocate ${fmt(bytes)} with its heap at ${fmt(known)} ` +
          `(wasm32 addresses at most 4 GB; tensors held: ${fmt(tf.memory().numBytes)}). Use a smaller batch, ` +
          `dispose tensors you no longer need, or train on a backend without this limit (tensorflow, from @tensorflow/tfjs-node).`,
      );
    }
    return ptr;
  };
  guarded.add(be.wasm);
}
