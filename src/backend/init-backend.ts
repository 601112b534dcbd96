/**
 * Backend selection: `tensorflow` (native, from `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`) > `wasm` > `cpu`. The native packages are optional dependencies: where
 * their install could not download libtensorflow they are simply absent and wasm is used.
 */
import { tf } from './tf.js';
import { registerWasmTrainingKernels } from './wasm/register-kernels.js';
import { resolveThreadCount, startWasmBackend, type WasmThreadsReport } from './wasm/threads.js';
import { setKernelThreads } from './wasm/pool.js';
import { useDirectConvDefaults } from './wasm/conv2d-forward.js';
import { guardWasmMalloc } from './wasm/memory-guard.js';

/** A backend tfai can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What `initBackend` accepts: a backend, or `'auto'` for the best available. */
export type BackendPreference = BackendName | 'auto';

/** Options of `initBackend`. */
export type InitBackendOptions = {
  /** Where the one-line choice is reported (default `console.log`; pass `() => {}` to silence). */
  log?: (line: string) => void;
  /**
   * Threads for the wasm backend (default: env `TFAI_THREADS`, else all logical cores; at most 8).
   * Fixed once the wasm backend has started in this process. 1 runs the single-threaded SIMD build.
   */
  threads?: number;
};

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
let chosen: string | null = null;
let nativeDevice: 'gpu' | 'cpu' | null = null;

async function tryNative(): Promise<string | null> {
  const reasons: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(/* @vite-ignore */ pkg);
      nativeDevice = pkg.endsWith('-gpu') ? 'gpu' : 'cpu';
      return null;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      reasons.push(`${pkg}: ${/Cannot find (module|package)/.test(msg) ? 'not installed' : msg}`);
    }
  }
  return reasons.join('; ');
}

let wasmReport: WasmThreadsReport | null = null;

async function activate(name: BackendName, threads: number): Promise<boolean> {
  const before = errorListeners();
  try {
    if (name === 'wasm') {
      registerWasmTrainingKernels();
      const { ok, report } = await startWasmBackend(threads);
      wasmReport = report;
      setKernelThreads(report.threads);
      useDirectConvDefaults(report.threads);
      if (ok) guardWasmMalloc(tf.findBackend('wasm'));
      return ok;
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  } finally {
    if (name === 'wasm') dropEmscriptenErrorListeners(before);
  }
}

const ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listener = (...args: unknown[]) => void;
type Listeners = Record<(typeof ERROR_EVENTS)[number], Listener[]>;
/** `process` as a plain emitter (its typings list these events separately). */
const proc = process as unknown as { listeners(e: string): Listener[]; off(e: string, l: Listener): void };

function errorListeners(): Listeners {
  return { uncaughtException: proc.listeners('uncaughtException'), unhandledRejection: proc.listeners('unhandledRejection') };
}

/**
 * tfjs-backend-wasm's emscripten glue, when its module starts in Node, adds two process listeners
 * that rethrow every uncaught exception and unhandled rejection (`throw ex` / `throw reason`) from
 * inside its minified one-line file. Node then prints that line — about 30 KB of minified code —
 * above the error, and exits with code 7 (an error thrown by an exception handler). Removing them,
 * as the module's own `_dispose` would, lets errors print as without wasm: the message, the throw
 * site and the stack, exit code 1. Only listeners added while the backend started and whose source
 * is one of those rethrows are removed; the program's own listeners stay.
 */
function dropEmscriptenErrorListeners(before: Listeners): void {
  const rethrows = /^function\s*\((ex|reason)\)\s*\{\s*(if\s*\(!\(ex instanceof ExitStatus\)\)\s*\{\s*)?throw (ex|reason);?\s*\}?\s*\}$/;
  for (const event of ERROR_EVENTS) {
    for (const l of proc.listeners(event)) {
      if (!before[event].includes(l) && rethrows.test(String(l).replace(/\s+/g, ' '))) proc.off(event, l);
    }
  }
}

function describe(name: BackendName): string {
  if (name === 'tensorflow') return ` (${nativeDevice})`;
  if (name === 'wasm' && wasmReport) {
    const t = wasmReport.threads;
    const xnn = wasmReport.xnnpackThreads > 1 ? `, XNNPACK on ${wasmReport.xnnpackThreads}` : '';
    return ` (${t} thread${t === 1 ? '' : 's'}${xnn}${wasmReport.note ? `; ${wasmReport.note}` : ''})`;
  }
  return '';
}

/**
 * Choose and activate the backend: `pref` (default: env `TFAI_BACKEND`, else `'auto'`). With
 * `'auto'` the order is tensorflow (GPU, then CPU) > wasm > cpu. Logs its choice once, saying why a
 * preferred backend was unavailable and, for wasm, how many threads it runs. Returns the active
 * backend's name.
 * @throws RangeError for an unknown backend, or a `threads` / `TFAI_THREADS` that is not a positive integer.
 */
export async function initBackend(pref?: BackendPreference, opts: InitBackendOptions = {}): Promise<string> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const want = (pref ?? (process.env.TFAI_BACKEND as BackendPreference | undefined) ?? 'auto') as string;
  const allowed = ['auto', 'tensorflow', 'wasm', 'cpu'];
  if (!allowed.includes(want)) throw new RangeError(`initBackend: backend must be one of ${allowed.join(', ')}, got '${want}'`);
  const threads = resolveThreadCount(opts.threads);
  const order: BackendName[] = want === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [want as BackendName, ...(['wasm', 'cpu'] as BackendName[]).filter((b) => b !== want)];
  const skipped: string[] = [];
  for (const name of order) {
    if (name === 'tensorflow') {
      const why = await tryNative();
      if (why !== null) {
        skipped.push(`tensorflow unavailable (${why})`);
        continue;
      }
    }
    if (await activate(name, threads)) {
      const line = `tfai: backend ${name}${describe(name)}${skipped.length ? ` — ${skipped.join('; ')}` : ''}`;
      if (chosen !== name) log(line);
      chosen = name;
      return name;
    }
    skipped.push(`${name} failed to initialise`);
  }
  throw new Error(`initBackend: no backend could be initialised (${skipped.join('; ')})`);
}

/** Whether the active backend runs on a GPU (native TensorFlow built with CUDA, or WebGL). */
export function onAccelerator(): boolean {
  const b = tf.getBackend();
  return (b === 'tensorflow' && nativeDevice === 'gpu') || b === 'webgl' || b === 'webgpu';
}

/**
 * Threads of the wasm backend as started by `initBackend` (`threads`, what was asked for in
 * `requested`, and a `note` when they differ), or null when wasm was not started through it.
 */
export function wasmThreads(): WasmThreadsReport | null {
  return wasmReport;
}

/** The backend chosen by `initBackend`, or null if it was never called. */
export function chosenBackend(): string | null {
  return chosen;
}
