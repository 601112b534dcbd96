/**
 * Multi-threaded tfjs-backend-wasm under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build but never uses it in Node: its
 * `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false there, its pthread workers are started
 * from a `blob:` URL (which `worker_threads.Worker` cannot load), the workers are told to import
 * the main script from a `Blob` (which they cannot read either), and its C++ side caps the thread
 * pool at half the logical cores (and at 8). This module works around all four without touching
 * `node_modules`:
 *
 * 1. sets the flag to true (only when more than one thread is asked for: on one thread the
 *    non-threaded SIMD build is faster);
 * 2. replaces `worker_threads.Worker` (for the backend's start-up only) by a subclass that starts a
 *    `blob:` worker from the package's own worker source (`wasm-out/…threaded-simd.worker.js`);
 * 3. in that subclass, rewrites the workers' `load` message to name the package's threaded-SIMD
 *    script file instead of a `Blob`;
 * 4. calls the package's `setThreadsCount(n)` and, while the module starts, reports `2n` logical
 *    cores, so that the C++ cap (`cores / 2`) lets `n` through. (By default n = 1 for XNNPACK's
 *    own pool: the threaded build is what gives tfai's kernel pool a shared memory, and that pool
 *    does the parallel work; see `xnnpackThreads`.)
 *
 * Each step is guarded: when the package does not look as expected, or a worker fails to start,
 * the backend falls back to the single-threaded SIMD build and the reason is reported.
 */
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { xnnpackThreads, type StartWasmOptions, type WasmThreadsReport } from './thread-count.js';
import { sharedMemoryObstacle } from './shared-memory-check.js';

export { WASM_MAX_THREADS, logicalCores, resolveThreadCount, xnnpackThreads, type StartWasmOptions, type WasmPaths, type WasmThreadsReport } from './thread-count.js';

const FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
const require = createRequire(import.meta.url);

/** tfai's kernel threads of the started backend (what the report said). */
let startedThreads = 1;

/** Files of the threaded build inside the installed tfjs-backend-wasm package. */
interface ThreadedFiles {
  /** Source of the pthread worker script (what the package turns into a `blob:` URL). */
  workerSource: string;
  /** Path of the threaded-SIMD main script that the workers import. */
  mainScript: string;
}

/** Locates and checks the threaded build's files; returns a reason string when unusable. */
function threadedFiles(): ThreadedFiles | string {
  let dir: string;
  try {
    dir = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, '');
  } catch {
    return 'cannot locate @tensorflow/tfjs-backend-wasm';
  }
  const workerModule = `${dir}wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`;
  const mainScript = `${dir}wasm-out/tfjs-backend-wasm-threaded-simd.js`;
  if (!existsSync(workerModule) || !existsSync(mainScript)) return 'the package has no threaded-SIMD build files';
  let contents: unknown;
  try {
    contents = (require(workerModule) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  } catch (e) {
    return `cannot read the worker script (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof contents !== 'string' || !contents.includes('importScripts') || !contents.includes('WasmBackendModuleThreadedSimd')) {
    return 'the package worker script is not the expected Emscripten pthread worker';
  }
  if (!readFileSync(mainScript, 'utf8').includes('var WasmBackendModuleThreadedSimd')) return 'the threaded main script is not the expected one';
  // The package escapes newlines the same way before making its blob (they sit inside string literals).
  return { workerSource: contents.replace(/\n/g, '\\n'), mainScript };
}

/** Why this runtime or package cannot run the threaded build, or undefined when it can. */
async function unsupportedReason(): Promise<string | undefined> {
  const registry = (tf.env() as unknown as { flagRegistry?: Record<string, unknown> }).flagRegistry;
  if (!registry || !(FLAG in registry)) return `tfjs has no ${FLAG} flag`;
  if (typeof wasmBackend.setThreadsCount !== 'function' || typeof wasmBackend.getThreadsCount !== 'function') {
    return 'tfjs-backend-wasm has no setThreadsCount/getThreadsCount';
  }
  const memory = sharedMemoryObstacle();
  if (memory !== undefined) return memory;
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'no wasm SIMD';
  return undefined;
}

type WorkerCtor = typeof workerThreads.Worker;

/**
 * Worker subclass that can start the package's `blob:` pthread workers and feeds them the main
 * script's path. It reports the first worker failure to `onFailure` until `release()`, which
 * removes those listeners and un-refs the workers: Emscripten refs the worker of every running
 * pthread, and XNNPACK's pool threads run for good, which would keep the process from exiting.
 */
function patchedWorkerClass(base: WorkerCtor, files: ThreadedFiles, onFailure: (why: string) => void): { Worker: WorkerCtor; release: () => void } {
  const watched: Array<() => void> = [];
  class TfaiWasmPthreadWorker extends base {
    constructor(file: string | URL, opts?: WorkerOptions) {
      const blob = typeof file === 'string' && file.startsWith('blob:');
      super(blob ? files.workerSource : file, blob ? { ...opts, eval: true } : opts);
      if (!blob) return;
      let loaded = false;
      const onMessage = (m: unknown): void => {
        if ((m as { cmd?: string } | null)?.cmd === 'loaded') loaded = true;
      };
      const onError = (e: Error): void => onFailure(`a pthread worker failed: ${e.message.split('\n')[0]}`);
      const onExit = (code: number): void => {
        if (!loaded) onFailure(`a pthread worker exited (code ${code}) before it loaded`);
      };
      this.on('message', onMessage).on('error', onError).on('exit', onExit);
      watched.push(() => this.off('message', onMessage).off('error', onError).off('exit', onExit).unref());
    }

    override postMessage(value: unknown, transferList?: readonly (ArrayBuffer | workerThreads.MessagePort)[]): void {
      const msg = value as { cmd?: string; urlOrBlob?: unknown } | null;
      if (msg?.cmd === 'load' && typeof msg.urlOrBlob !== 'string') value = { ...msg, urlOrBlob: files.mainScript };
      super.postMessage(value, transferList as Parameters<InstanceType<WorkerCtor>['postMessage']>[1]);
    }
  }
  return { Worker: TfaiWasmPthreadWorker, release: () => watched.splice(0).forEach((f) => f()) };
}

/** A promise that resolves with the first failure passed to `report` (and never without one). */
function failureSignal(): { promise: Promise<string>; report: (why: string) => void } {
  let report: (why: string) => void = () => {};
  const promise = new Promise<string>((resolve) => {
    let done = false;
    report = (why) => {
      if (!done) resolve(why);
      done = true;
    };
  });
  return { promise, report };
}

/** Whether the wasm backend has been started in this process (without starting it). */
function wasmStarted(): boolean {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  return registry?.wasm !== undefined;
}

/** The registered factory of the wasm backend (to start it again after a failed threaded start). */
function wasmFactory(): { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | undefined {
  const reg = (tf.engine() as unknown as { registryFactory?: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> }).registryFactory;
  return reg?.wasm;
}

async function startSingleThreaded(): Promise<boolean> {
  tf.env().set(FLAG, false);
  wasmBackend.setThreadsCount(1);
  return tf.setBackend('wasm');
}

/**
 * Starts (once per process) the tfjs wasm backend with `threads` threads and makes it the active
 * backend. With `threads > 1` it uses the threaded SIMD build via the workarounds above; when they
 * do not apply, or a worker fails, it starts the single-threaded build instead and says why in the
 * report. When the backend is already running, only activates it and reports its thread count.
 * @returns whether the backend is active, and its thread report.
 */
export async function startWasmBackend(threads: number, _opts: StartWasmOptions = {}): Promise<{ ok: boolean; report: WasmThreadsReport }> {
  const requested = threads;
  if (wasmStarted()) {
    const ok = await tf.setBackend('wasm');
    const actual = ok ? startedThreads : 1;
    const xnn = ok ? wasmBackend.getThreadsCount() : 1;
    const note = actual !== requested ? `the wasm backend was already started with ${actual} thread${actual === 1 ? '' : 's'}; the count is fixed once per process` : undefined;
    return { ok, report: { requested, threads: actual, xnnpackThreads: xnn, ...(note ? { note } : {}) } };
  }
  startedThreads = 1;
  if (threads <= 1) {
    const ok = await startSingleThreaded();
    return { ok, report: { requested, threads: 1, xnnpackThreads: 1 } };
  }
  const xnn = xnnpackThreads(threads);
  const files = threadedFiles();
  const why = typeof files === 'string' ? files : await unsupportedReason();
  const factory = wasmFactory();
  if (why !== undefined || typeof files === 'string' || factory === undefined) {
    const ok = await startSingleThreaded();
    return { ok, report: { requested, threads: 1, xnnpackThreads: 1, note: `threads unavailable (${why ?? 'no wasm backend factory'}); using 1` } };
  }

  const failure = failureSignal();
  const originalWorker = workerThreads.Worker;
  const originalCpus = os.cpus;
  const mutableThreads = workerThreads as { Worker: WorkerCtor };
  const mutableOs = os as { cpus: typeof os.cpus };
  const patched = patchedWorkerClass(originalWorker, files, failure.report);
  mutableThreads.Worker = patched.Worker;
  mutableOs.cpus = () => {
    const real = originalCpus();
    return Array.from({ length: 2 * Math.max(threads, real.length) }, (_, i) => real[i % real.length]!);
  };
  tf.env().set(FLAG, true);
  wasmBackend.setThreadsCount(xnn);
  // Keeps the event loop alive while the workers load (a silent failure would otherwise end the process).
  const keepAlive = setInterval(() => {}, 1000);
  let failed: string | undefined;
  let ok = false;
  try {
    const outcome = await Promise.race([
      tf.setBackend('wasm').then((r) => ({ ok: r })),
      failure.promise.then((w) => ({ failed: w })),
      new Promise<{ failed: string }>((resolve) => setTimeout(() => resolve({ failed: 'the threaded build did not start within 120 s' }), 120_000).unref()),
    ]);
    if ('failed' in outcome) failed = outcome.failed;
    else ok = outcome.ok;
  } catch (e) {
    failed = e instanceof Error ? e.message : String(e);
  } finally {
    clearInterval(keepAlive);
    patched.release();
    mutableThreads.Worker = originalWorker;
    mutableOs.cpus = originalCpus;
  }
  if (failed === undefined && !ok) failed = 'the threaded build failed to initialise';
  if (failed !== undefined) {
    // Drop the half-started backend and start the single-threaded build from the same factory.
    try {
      tf.removeBackend('wasm');
    } catch {
      // not registered any more: re-register below
    }
    tf.registerBackend('wasm', factory.factory, factory.priority);
    const single = await startSingleThreaded();
    return { ok: single, report: { requested, threads: 1, xnnpackThreads: 1, note: `threads unavailable (${failed}); using 1` } };
  }
  const actual = wasmBackend.getThreadsCount();
  const note = actual !== xnn ? `XNNPACK runs ${actual} of the ${xnn} threads asked for` : undefined;
  startedThreads = threads;
  return { ok: true, report: { requested, threads, xnnpackThreads: actual, ...(note ? { note } : {}) } };
}

/** Threads tfai's kernels run on in the started wasm backend (1 when it is not running). */
export function wasmThreadCount(): number {
  return wasmStarted() ? startedThreads : 1;
}
