/**
 * A thread pool for tfai's own wasm kernels: `threads - 1` worker threads, each instantiating the
 * kernel module over the backend's shared memory (and the JavaScript row-block units over its
 * exports, see js-units.ts), plus the calling thread. A call is split into units (`UnitKernel`'s
 * last two parameters). Thread `t` of `T` owns the units `[t·units/T, (t+1)·units/T)` and claims
 * them front to back from its own counter, a few at a time (about 2e6 multiply-adds per claim);
 * once its range is used up it takes units from the other threads' counters. So a slow or
 * descheduled worker only means the others take more units, and the caller waits only for
 * workers that actually joined the call. Units are independent and each writes its own part of
 * the output, so which thread runs a unit never changes a result.
 *
 * Why it is built this way:
 * - Owned ranges: the kernels' units follow the tensors' rows, so consecutive kernels give each
 *   thread the same part of the batch (what a core wrote, it may still hold in its caches).
 * - Several units per claim: a unit can be ≈ 2 µs of work (an output row of a 16-channel
 *   convolution); claimed one at a time, the two threads' busy time was 1.22× the one-thread time.
 * - Spinning briefly before sleeping: waking a sleeping thread takes 60–150 µs, and a ResNet step
 *   makes ≈ 360 pool calls. Workers spin up to `WORKER_SPIN_MS` after a call for the next one, the
 *   caller up to `CALLER_SPIN_MS` for workers to leave.
 *
 * Whether a call is split at all is `runUnits`'s decision: by its work, and in the middle range by
 * what this call site has been measured to take each way (split-policy.ts).
 *
 * Protocol (Int32 control words in a SharedArrayBuffer): the caller takes the WRITING bit of STATE
 * (only when no worker is inside a call), writes the call, bumps GEN and clears STATE. A worker
 * woken by GEN enters by incrementing STATE (never while WRITING), reads the call, claims units
 * until none are left, and leaves by decrementing STATE. The caller returns once every unit is
 * claimed and STATE is 0, i.e. every unit claimed by a worker is finished.
 *
 * The memory's size travels with each call (PAGES), because a worker's view of it can be older
 * than the caller's: when the heap grows, V8 tells the other threads' instances of the shared memory
 * by an interrupt that each handles at its next stack check, and a worker that registered its memory
 * while the heap grew (at its start) is never told. Bulk-memory instructions (`memory.fill`,
 * `memory.copy`: `pad_nhwc`) are bounds-checked against that view, so a stale worker traps with
 * "memory access out of bounds" on buffers in the new pages. A worker whose view is smaller than
 * the call's PAGES refreshes it first (`memory.grow(0)` updates its own instances at once).
 */
import { startWorker, type StartedWorker } from '../../platform/worker.js';
import { UNIT_KERNELS, type SimdKernels } from './simd-module.js';
import type { UnitKernel } from './unit-kernel.js';
import { JS_UNIT_SOURCE } from './js-units.js';
import { SplitPolicy } from './split-policy.js';

const GEN = 0;
const STATE = 1;
const GRAIN = 2;
const FN = 3;
const TOTAL = 4;
const NARGS = 5;
const ERROR = 6;
/** The memory's size in 64 KiB pages when the call was written (what the call's pointers may reach). */
const PAGES = 7;
/** Workers that have started (instantiated the kernels), and views found stale and refreshed (counters). */
const STARTED = 8;
const REFRESHED = 9;
/** Bytes of each worker's slot for the message of a kernel that threw (a length, then UTF-8). */
const ERROR_SLOT_BYTES = 1024;
const ARGS_BYTE_OFFSET = 64;
const MAX_ARGS = 32;
/** Int32 index of thread t's unit counter (`COUNTERS + t·COUNTER_STRIDE`: one 64-byte line each). */
const COUNTERS = (ARGS_BYTE_OFFSET + 8 * MAX_ARGS) / 4;
const COUNTER_STRIDE = 16;
const WRITING = 1 << 30;
/** How long a worker spins for the next call before sleeping, and the caller for workers to leave (ms). */
const WORKER_SPIN_MS = 0.2;
const CALLER_SPIN_MS = 0.3;

/**
 * Body of `claim(I, me, threads, total, range)`: claims the next units for thread `me` of
 * `threads` — up to I[GRAIN] of them and a third of what is left of the range they come from
 * (guided self-scheduling, so the threads finish a call together), first from its own range, then
 * from the others' — writes
 * them to `range` as `[range[0], range[1])` and returns true; false once every unit of the call is
 * taken. A string, because the workers evaluate it too.
 */
const CLAIM_BODY = `
  const grain = I[${GRAIN}];
  for (let k = 0; k < threads; k++) {
    const t = (me + k) % threads;
    const end = Math.floor(((t + 1) * total) / threads);
    const at = ${COUNTERS} + t * ${COUNTER_STRIDE};
    const next = Atomics.load(I, at);
    if (next >= end) continue;
    // a third of what is left, at most I[GRAIN]: the last claims of a range are small, so the
    // threads finish a call close together
    const g = Math.max(1, Math.min(grain, Math.ceil((end - next) / 3)));
    const u = Atomics.add(I, at, g);
    if (u < end) {
      range[0] = u;
      range[1] = Math.min(end, u + g);
      return true;
    }
  }
  return false;
`;
/** Claims units on the calling thread (see `CLAIM_BODY`). */
const claimUnits = new Function('I', 'me', 'threads', 'total', 'range', CLAIM_BODY) as (
  I: Int32Array,
  me: number,
  threads: number,
  total: number,
  range: Int32Array,
) => boolean;

/** Spins until no worker is inside a call (STATE is 0) or `ms` have passed. */
function spinUntilIdle(I: Int32Array, ms: number): void {
  const t0 = performance.now();
  while (Atomics.load(I, STATE) !== 0 && performance.now() - t0 < ms);
}

/**
 * Whether this thread may block in `Atomics.wait`: a browser's main thread may not (there the
 * caller spins instead); Node's threads and Web Workers may.
 */
let callerMayBlock: boolean | undefined;
function mayBlock(): boolean {
  if (callerMayBlock === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      callerMayBlock = true;
    } catch {
      callerMayBlock = false;
    }
  }
  return callerMayBlock;
}

/**
 * Source of a pool worker (`startWorker` gives it `workerData`). A kernel that throws writes its
 * message into the worker's slot of `errors` (shared memory, so the caller reads it synchronously,
 * in Node and in a page alike) and sets ERROR.
 */
const WORKER_SOURCE = `
const { module, memory, control, errors, names, jsUnits, me, threads } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const js = new Function('ex', jsUnits)(ex);
const fns = names.map((n) => ex[n] ?? js[n]);
const I = new Int32Array(control);
const F = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
function claim(I, me, threads, total, range) {${CLAIM_BODY}}
const range = new Int32Array(2);
Atomics.add(I, ${STARTED}, 1);
let seen = Atomics.load(I, ${GEN});
for (;;) {
  const t0 = performance.now();
  while (Atomics.load(I, ${GEN}) === seen && performance.now() - t0 < ${WORKER_SPIN_MS});
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
    const bytes = I[${PAGES}] * 65536;
    const args = Array.from(F.subarray(0, I[${NARGS}]));
    args.push(0, 0);
    const n = args.length;
    try {
      // the heap grew after this thread last heard of it: bring its view up to date (a no-op grow)
      if (memory.buffer.byteLength < bytes) {
        memory.grow(0);
        Atomics.add(I, ${REFRESHED}, 1);
      }
      while (claim(I, me, threads, total, range)) {
        args[n - 2] = range[0];
        args[n - 1] = range[1];
        fn(...args);
      }
    } catch (e) {
      const seenBytes = memory.buffer.byteLength;
      const view = seenBytes < bytes ? \` (this thread sees \${seenBytes} bytes of memory, the call \${bytes})\` : '';
      const text = new TextEncoder().encode(String(e) + view).subarray(0, ${ERROR_SLOT_BYTES - 4});
      new Uint8Array(errors, me * ${ERROR_SLOT_BYTES} + 4, text.length).set(text);
      Atomics.store(new Int32Array(errors, me * ${ERROR_SLOT_BYTES}, 1), 0, text.length);
      Atomics.store(I, ${ERROR}, 1);
    }
  }
  if (Atomics.sub(I, ${STATE}, 1) === 1) Atomics.notify(I, ${STATE});
}
`;

/** Runs unit kernels on the calling thread plus `threads - 1` workers. */
export class KernelPool {
  private readonly control: SharedArrayBuffer;
  private readonly I: Int32Array;
  private readonly F: Float64Array;
  /** Each worker's slot for the message of a kernel that threw (see `WORKER_SOURCE`). */
  private readonly errors: SharedArrayBuffer;
  private readonly workers: StartedWorker[] = [];
  private readonly block = mayBlock();
  private readonly range = new Int32Array(2);

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
    this.control = new SharedArrayBuffer(4 * (COUNTERS + threads * COUNTER_STRIDE));
    this.I = new Int32Array(this.control);
    this.F = new Float64Array(this.control, ARGS_BYTE_OFFSET, MAX_ARGS);
    this.errors = new SharedArrayBuffer(threads * ERROR_SLOT_BYTES);
    for (let t = 1; t < threads; t++) {
      const w = startWorker(WORKER_SOURCE, {
        module: kernels.module, memory: kernels.memory, control: this.control, errors: this.errors, names: [...UNIT_KERNELS], jsUnits: JS_UNIT_SOURCE, me: t, threads,
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** How many of the `threads - 1` workers have started (instantiated the kernels over the memory). */
  get started(): number {
    return Atomics.load(this.I, STARTED);
  }

  /** How many times a worker found its view of the memory older than a call's and refreshed it. */
  get refreshed(): number {
    return Atomics.load(this.I, REFRESHED);
  }

  /**
   * Runs `name(...args, u0, u1)` over the units `[0, units)`, split across the pool's threads,
   * each claim taking up to `grain` units.
   */
  run(name: (typeof UNIT_KERNELS)[number], args: readonly number[], units: number, grain = 1): void {
    if (args.length > MAX_ARGS) throw new Error(`KernelPool: at most ${MAX_ARGS} arguments, got ${args.length}`);
    const fn: UnitKernel = this.kernels.units[name]!;
    const { I, F } = this;
    // Take the writing bit once no worker is inside a call.
    spinUntilIdle(I, CALLER_SPIN_MS);
    while (Atomics.compareExchange(I, STATE, 0, WRITING) !== 0) {
      const v = Atomics.load(I, STATE);
      if (v !== 0 && this.block) Atomics.wait(I, STATE, v, 1);
    }
    I[FN] = UNIT_KERNELS.indexOf(name);
    I[PAGES] = this.kernels.memory.buffer.byteLength >>> 16;
    I[TOTAL] = units;
    I[NARGS] = args.length;
    F.set(args);
    I[GRAIN] = Math.max(1, Math.floor(grain));
    for (let t = 0; t < this.threads; t++) I[COUNTERS + t * COUNTER_STRIDE] = Math.floor((t * units) / this.threads);
    Atomics.add(I, GEN, 1);
    Atomics.store(I, STATE, 0);
    Atomics.notify(I, STATE);
    Atomics.notify(I, GEN);
    const { range } = this;
    const all = [...args, 0, 0];
    const n = all.length;
    while (claimUnits(I, 0, this.threads, units, range)) {
      all[n - 2] = range[0];
      all[n - 1] = range[1];
      fn(...all);
    }
    spinUntilIdle(I, CALLER_SPIN_MS);
    for (;;) {
      const v = Atomics.load(I, STATE);
      if (v === 0) break;
      if (this.block) Atomics.wait(I, STATE, v);
    }
    if (Atomics.exchange(I, ERROR, 0) !== 0) {
      const why = this.workerErrors();
      throw new Error(`tfai wasm kernel ${name}: a pool worker failed: ${why.join('; ') || 'no message'}`);
    }
  }

  /** The messages the workers left in their slots since the last call (the slots are cleared). */
  private workerErrors(): string[] {
    const out: string[] = [];
    for (let t = 1; t < this.threads; t++) {
      const len = Atomics.exchange(new Int32Array(this.errors, t * ERROR_SLOT_BYTES, 1), 0, 0);
      // copied out of the shared memory first: TextDecoder does not read shared views
      if (len > 0) out.push(new TextDecoder().decode(new Uint8Array(this.errors, t * ERROR_SLOT_BYTES + 4, len).slice()));
    }
    return out;
  }

  /** Stops the workers. */
  dispose(): void {
    for (const w of this.workers) w.terminate();
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

/** Multiply-adds (or `work` units) per claim: ≈ 50 µs on one core. */
const CLAIM_WORK = 2e6;

/** Units per claim for a call of `work` over `units`: ≈ CLAIM_WORK, and at least 4 claims per thread. */
function grainFor(units: number, work: number, threads: number): number {
  const byWork = Math.floor((units * CLAIM_WORK) / Math.max(1, work));
  return Math.max(1, Math.min(byWork, Math.floor(units / (4 * threads))));
}

/** Work below which a call never splits, and from which it always does (the default range). */
const MEASURE_FROM = 1e6;
const SPLIT_FROM = 1e8;
/**
 * The default split decisions (split-policy.ts): never below 1e6 multiply-adds (≈ 50 µs on one
 * core, about what waking a worker costs), always from 1e8 (≈ 5 ms: even a few ms of waiting for
 * a descheduled worker cost less than the split saves), measured per call site in between.
 */
let policy = new SplitPolicy(MEASURE_FROM, SPLIT_FROM);
/** A fixed threshold set by `setParallelThreshold`, replacing the measured decisions. */
let fixedThreshold: number | undefined;
const NO_SPLIT = { split: false, site: undefined } as const;

/**
 * Sets the least work (multiply-adds) for which a kernel call is split across the pool, replacing
 * the default per-site measured decision (see split-policy.ts): `0` splits every call, `Infinity`
 * none. For tests and benchmarks; no argument restores the default.
 */
export function setParallelThreshold(work?: number): void {
  fixedThreshold = work;
  policy = new SplitPolicy(MEASURE_FROM, SPLIT_FROM);
}

/**
 * Sets the range of work in which the default policy measures each call site (below `minWork`
 * never split, from `alwaysWork` always); no arguments restore 1e6 and 1e8. For tests and
 * benchmarks.
 */
export function setSplitRange(minWork = MEASURE_FROM, alwaysWork = SPLIT_FROM): void {
  fixedThreshold = undefined;
  policy = new SplitPolicy(minWork, alwaysWork);
}

/**
 * The measured call sites of this process (kernel, units, work), whether each is split now, and
 * its current serial and split estimates in ms: what the default decided (for benchmarks).
 */
export function splitDecisions(): ReturnType<SplitPolicy['summary']> {
  return policy.summary();
}

/**
 * How many call sites are still timing both ways before their first choice (each takes its first
 * 8 calls): a benchmark's warm-up waits for 0, so that it times the steps an epoch runs.
 */
export function pendingSplitTrials(): number {
  return fixedThreshold === undefined ? policy.trials() : 0;
}

/**
 * Runs a unit kernel over `units` units: split across the pool when there is one and the split
 * pays for this call (`work`, e.g. its multiply-adds: never below 1e6, always from 1e8, and in
 * between whichever way this call site has been measured to run faster), else directly on this
 * thread. Either way gives the same result.
 */
export function runUnits(
  kernels: SimdKernels,
  name: (typeof UNIT_KERNELS)[number],
  args: readonly number[],
  units: number,
  work: number,
): void {
  if (units <= 0) return;
  const pool = units > 1 ? poolFor(kernels) : undefined;
  const { split, site } = !pool ? NO_SPLIT : fixedThreshold === undefined ? policy.decide(name, units, work) : { split: work >= fixedThreshold, site: undefined };
  const t0 = site ? performance.now() : 0;
  if (split) pool!.run(name, args, units, grainFor(units, work, pool!.threads));
  else kernels.units[name]!(...args, 0, units);
  if (site) policy.report(site, split, performance.now() - t0);
}
