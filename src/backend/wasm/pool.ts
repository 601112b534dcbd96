/**
 * A thread pool for tfai's own wasm kernels: `threads - 1` worker threads, each instantiating the
 * kernel module over the backend's shared memory (and the JavaScript row-block units over its
 * exports, see js-units.ts), plus the calling thread. A call is split into
 * units (`UnitKernel`'s last two parameters) that every thread claims one at a time from a shared
 * counter, so a slow or descheduled worker only means the others take more units; the caller
 * waits only for workers that actually joined the call.
 *
 * Protocol (Int32 control words in a SharedArrayBuffer): the caller takes the WRITING bit of STATE
 * (only when no worker is inside a call), writes the call, bumps GEN and clears STATE. A worker
 * woken by GEN enters by incrementing STATE (never while WRITING), reads the call, claims units
 * until none are left, and leaves by decrementing STATE. The caller returns once every unit is
 * claimed and STATE is 0, i.e. every unit claimed by a worker is finished.
 */
import { Worker } from 'node:worker_threads';
import { UNIT_KERNELS, type SimdKernels, type UnitKernel } from './simd-module.js';
import { JS_UNIT_SOURCE } from './js-units.js';

const GEN = 0;
const STATE = 1;
const NEXT = 2;
const FN = 3;
const TOTAL = 4;
const NARGS = 5;
const ERROR = 6;
const ARGS_BYTE_OFFSET = 64;
const MAX_ARGS = 32;
const WRITING = 1 << 30;

/** Source of a pool worker (run with `eval: true`). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names, jsUnits } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const js = new Function('ex', jsUnits)(ex);
const fns = names.map((n) => ex[n] ?? js[n]);
const I = new Int32Array(control);
const F = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
let seen = Atomics.load(I, ${GEN});
for (;;) {
  Atomics.wait(I, ${GEN}, seen);
  for (;;) {
    const v = Atomics.load(I, ${STATE});
    if (v & ${WRITING}) { Atomics.wait(I, ${STATE}, v); continue; }
    if (Atomics.compareExchange(I, ${STATE}, v, v + 1) === v) break;
  }
  const g = Atomics.load(I, ${GEN});
  if (g !== seen) {
    seen = g;
    const fn = fns[I[${FN}]];
    const total = I[${TOTAL}];
    const args = Array.from(F.subarray(0, I[${NARGS}]));
    args.push(0, 0);
    const n = args.length;
    try {
      for (;;) {
        const u = Atomics.add(I, ${NEXT}, 1);
        if (u >= total) break;
        args[n - 2] = u;
        args[n - 1] = u + 1;
        fn(...args);
      }
    } catch (e) {
      Atomics.store(I, ${ERROR}, 1);
    }
  }
  if (Atomics.sub(I, ${STATE}, 1) === 1) Atomics.notify(I, ${STATE});
}
`;

/** Runs unit kernels on the calling thread plus `threads - 1` workers. */
export class KernelPool {
  private readonly control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + 8 * MAX_ARGS);
  private readonly I = new Int32Array(this.control);
  private readonly F = new Float64Array(this.control, ARGS_BYTE_OFFSET, MAX_ARGS);
  private readonly workers: Worker[] = [];

  /**
   * @param kernels the kernel instance of the calling thread (its module and shared memory are
   *   what the workers instantiate)
   * @param threads total threads including the caller (>= 2)
   */
  constructor(
    private readonly kernels: SimdKernels,
    readonly threads: number,
  ) {
    if (!(kernels.memory.buffer instanceof SharedArrayBuffer)) throw new Error('KernelPool: the kernels must run on a shared memory');
    for (let t = 1; t < threads; t++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: kernels.module, memory: kernels.memory, control: this.control, names: [...UNIT_KERNELS], jsUnits: JS_UNIT_SOURCE },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Runs `name(...args, u0, u1)` over the units `[0, units)`, split across the pool's threads. */
  run(name: (typeof UNIT_KERNELS)[number], args: readonly number[], units: number): void {
    if (args.length > MAX_ARGS) throw new Error(`KernelPool: at most ${MAX_ARGS} arguments, got ${args.length}`);
    const fn: UnitKernel = this.kernels.units[name]!;
    const { I, F } = this;
    // Take the writing bit once no worker is inside a call.
    while (Atomics.compareExchange(I, STATE, 0, WRITING) !== 0) {
      const v = Atomics.load(I, STATE);
      if (v !== 0) Atomics.wait(I, STATE, v, 1);
    }
    I[FN] = UNIT_KERNELS.indexOf(name);
    I[TOTAL] = units;
    I[NARGS] = args.length;
    F.set(args);
    Atomics.store(I, NEXT, 0);
    Atomics.add(I, GEN, 1);
    Atomics.store(I, STATE, 0);
    Atomics.notify(I, STATE);
    Atomics.notify(I, GEN);
    const all = [...args, 0, 0];
    const n = all.length;
    for (;;) {
      const u = Atomics.add(I, NEXT, 1);
      if (u >= units) break;
      all[n - 2] = u;
      all[n - 1] = u + 1;
      fn(...all);
    }
    for (;;) {
      const v = Atomics.load(I, STATE);
      if (v === 0) break;
      Atomics.wait(I, STATE, v);
    }
    if (Atomics.exchange(I, ERROR, 0) !== 0) throw new Error(`tfai wasm kernel ${name}: a pool worker failed (memory access out of bounds?)`);
  }

  /** Stops the workers. */
  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

const pools = new WeakMap<SimdKernels, KernelPool>();
let poolThreads = 1;

/**
 * Sets how many threads tfai's kernels use on a shared-memory wasm backend (the backend's own
 * thread count; 1 = no pool). Takes effect for pools created afterwards.
 */
export function setKernelThreads(threads: number): void {
  poolThreads = Math.max(1, Math.floor(threads));
}

/**
 * The pool for these kernels, or undefined when they run single-threaded (one thread asked for, a
 * memory that is not shared, or workers that cannot start: then tfai's kernels stay on one thread
 * and say so once on stderr).
 */
export function poolFor(kernels: SimdKernels): KernelPool | undefined {
  if (poolThreads < 2 || !(kernels.memory.buffer instanceof SharedArrayBuffer)) return undefined;
  let pool = pools.get(kernels);
  if (!pool) {
    try {
      pool = new KernelPool(kernels, poolThreads);
    } catch (e) {
      console.error(`tfai: the wasm kernels' worker threads could not start (${e instanceof Error ? e.message : String(e)}); they run on one thread`);
      poolThreads = 1;
      return undefined;
    }
    pools.set(kernels, pool);
  }
  return pool;
}

const DEFAULT_PARALLEL_WORK = 1e6;
let minParallelWork = DEFAULT_PARALLEL_WORK;

/**
 * Sets the least work (multiply-adds) for which a kernel call is split across the pool (default
 * 1e6, ~50 µs on one core: below it, waking the workers costs about what it saves). For tests and
 * benchmarks; `0` splits every call, `Infinity` none.
 */
export function setParallelThreshold(work: number): void {
  minParallelWork = work;
}

/**
 * Runs a unit kernel over `units` units: on the pool when there is one and the call is big enough
 * (`work`, e.g. its multiply-adds, see `setParallelThreshold`), else directly on this thread.
 */
export function runUnits(
  kernels: SimdKernels,
  name: (typeof UNIT_KERNELS)[number],
  args: readonly number[],
  units: number,
  work: number,
): void {
  if (units <= 0) return;
  const pool = units > 1 && work >= minParallelWork ? poolFor(kernels) : undefined;
  if (pool) pool.run(name, args, units);
  else kernels.units[name]!(...args, 0, units);
}
