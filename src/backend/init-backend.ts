/**
 * Backend selection. With `'auto'`: `tensorflow` on the GPU (`@tensorflow/tfjs-node-gpu`) >
 * `webgpu` on a hardware adapter (Dawn: Vulkan, Metal, D3D12 — no CUDA) > `tensorflow` on the CPU
 * (`@tensorflow/tfjs-node`) > `wasm` > `cpu`. The native and WebGPU packages are optional
 * dependencies: where they could not be installed they are simply absent, and the log line says so.
 * A software WebGPU adapter (lavapipe, SwiftShader) is used only when asked for by name; `'auto'`
 * loads Dawn only where a hardware adapter can be there, so a machine without a GPU driver hears
 * nothing from it (see webgpu-preflight.ts). In a page the same order without the native backend:
 * `webgpu` on a hardware adapter (`navigator.gpu`) > `wasm` (threaded where the page is
 * cross-origin isolated) > `cpu`.
 */
import { tf } from './tf.js';
import { loadNative, NATIVE_POSSIBLE, type NativeDevice } from './native-backend.js';
import { registerWasmTrainingKernels } from './wasm/register-kernels.js';
import { activateWebGPU, describeAdapter, webgpuAdapter } from './webgpu.js';
import { resolveThreadCount, startWasmBackend, type WasmPaths, type WasmThreadsReport } from './wasm/threads.js';
import { setKernelThreads } from './wasm/pool.js';
import { useDirectConvDefaults } from './wasm/conv2d-forward.js';
import { guardWasmMalloc } from './wasm/memory-guard.js';
import { env, errorListeners as processErrorListeners, removeErrorListener, type ErrorListener } from '../platform/process.js';

/** A backend tfai can run on. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
/** What `initBackend` accepts: a backend, or `'auto'` for the best available. */
export type BackendPreference = BackendName | 'auto';

/** Options of `initBackend`. */
export type InitBackendOptions = {
  /** Where the one-line choice is reported (default `console.log`; pass `() => {}` to silence). */
  log?: (line: string) => void;
  /**
   * Threads for the wasm backend (default: env `TFAI_THREADS`, else all logical cores; at most 8).
   * Fixed once the wasm backend has started in this process. 1 runs the single-threaded SIMD build.
   * With more, each kernel call is split across them only where that is measured to be faster, so
   * the default does not make a small model slower than one thread.
   */
  threads?: number;
  /**
   * In a page: where tfjs-backend-wasm's `.wasm` files are — a folder URL, or a URL per file name
   * (`'tfjs-backend-wasm-simd.wasm'`, …). Default: next to tfai's code, i.e. next to the bundle
   * (docs/browser.md). Node reads them from the installed package and ignores this.
   */
  wasmPaths?: WasmPaths;
};

/** One step of the search: a backend, and for `tensorflow` which package, for `webgpu` whether a software adapter will do. */
type Step = { name: BackendName; native?: NativeDevice[]; allowSoftware?: boolean };

let chosen: string | null = null;
let nativeDevice: NativeDevice | null = null;
let gpuNote = 'initBackend was not called';

async function tryNative(devices: NativeDevice[]): Promise<string | null> {
  const r = await loadNative(devices);
  if ('reason' in r) return r.reason;
  nativeDevice = r.device;
  return null;
}

let wasmReport: WasmThreadsReport | null = null;

/** Activate `step` (wasm on `threads` threads); null on success, else why not. */
async function activate(step: Step, threads: number, opts: InitBackendOptions): Promise<string | null> {
  if (step.name === 'webgpu') {
    const r = await activateWebGPU({ allowSoftware: step.allowSoftware ?? false });
    return r.ok ? null : `webgpu: ${r.reason}`;
  }
  if (step.native) {
    const why = await tryNative(step.native);
    if (why !== null) return `tensorflow unavailable (${why})`;
  }
  const before = errorListeners();
  try {
    if (step.name === 'wasm') {
      registerWasmTrainingKernels();
      const { ok, report } = await startWasmBackend(threads, { wasmPaths: opts.wasmPaths });
      wasmReport = report;
      setKernelThreads(report.threads);
      useDirectConvDefaults(report.threads);
      if (ok) {
        guardWasmMalloc(tf.findBackend('wasm'));
        return null;
      }
      if (report.note) return `wasm failed to initialise (${report.note})`;
    } else if (await tf.setBackend(step.name)) {
      return null;
    }
  } catch {
    // reported below
  } finally {
    if (step.name === 'wasm') dropEmscriptenErrorListeners(before);
  }
  return `${step.name} failed to initialise`;
}

function plan(want: BackendPreference): Step[] {
  const fallbacks: Step[] = [{ name: 'wasm' }, { name: 'cpu' }];
  switch (want) {
    case 'auto':
      // in a page there is no native backend to try: webgpu > wasm > cpu
      if (!NATIVE_POSSIBLE) return [{ name: 'webgpu' }, ...fallbacks];
      return [{ name: 'tensorflow', native: ['gpu'] }, { name: 'webgpu' }, { name: 'tensorflow', native: ['cpu'] }, ...fallbacks];
    case 'tensorflow':
      return [{ name: 'tensorflow', native: ['gpu', 'cpu'] }, ...fallbacks];
    case 'webgpu':
      return [{ name: 'webgpu', allowSoftware: true }, ...fallbacks];
    default:
      return [{ name: want }, ...fallbacks.filter((s) => s.name !== want)];
  }
}

const ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listeners = Record<(typeof ERROR_EVENTS)[number], ErrorListener[]>;

function errorListeners(): Listeners {
  return { uncaughtException: processErrorListeners('uncaughtException'), unhandledRejection: processErrorListeners('unhandledRejection') };
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
    for (const l of processErrorListeners(event)) {
      if (!before[event].includes(l) && rethrows.test(String(l).replace(/\s+/g, ' '))) removeErrorListener(event, l);
    }
  }
}

/** `backend (detail)`: the active backend and what it runs on (the GPU adapter, wasm's threads). */
function describeActive(name: BackendName): string {
  if (name === 'tensorflow') return `tensorflow (${nativeDevice})`;
  if (name === 'webgpu') {
    const a = webgpuAdapter();
    return a ? `webgpu on ${describeAdapter(a)}` : name;
  }
  if (name === 'wasm' && wasmReport) {
    const t = wasmReport.threads;
    const xnn = wasmReport.xnnpackThreads > 1 ? `, XNNPACK on ${wasmReport.xnnpackThreads}` : '';
    return `wasm (${t} thread${t === 1 ? '' : 's'}${xnn}${wasmReport.note ? `; ${wasmReport.note}` : ''})`;
  }
  return name;
}

/**
 * Choose and activate the backend: `pref` (default: env `TFAI_BACKEND`, else `'auto'`). With
 * `'auto'` the order is tensorflow on the GPU > webgpu on a hardware adapter > tensorflow on the
 * CPU > wasm > cpu; `'webgpu'` also accepts a software adapter. A backend that cannot start falls
 * back to wasm, then cpu. Logs its choice once, naming the GPU adapter or why each preferred
 * backend was skipped and, for wasm, how many threads it runs. Returns the active backend's name.
 * @throws RangeError for an unknown backend, or a `threads` / `TFAI_THREADS` that is not a positive integer.
 */
export async function initBackend(pref?: BackendPreference, opts: InitBackendOptions = {}): Promise<string> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const want = (pref ?? (env('TFAI_BACKEND') as BackendPreference | undefined) ?? 'auto') as string;
  const allowed = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
  if (!allowed.includes(want)) throw new RangeError(`initBackend: backend must be one of ${allowed.join(', ')}, got '${want}'`);
  const threads = resolveThreadCount(opts.threads);
  const skipped: string[] = [];
  for (const step of plan(want as BackendPreference)) {
    const why = await activate(step, threads, opts);
    if (why !== null) {
      skipped.push(why);
      continue;
    }
    const name = step.name;
    gpuNote = onAccelerator() ? `GPU: ${describeActive(name)}`
      : name === 'webgpu' ? `no GPU: ${describeActive(name)}, as asked`
      : `no GPU: ${skipped.length ? skipped.join('; ') : `${name} was asked for`}`;
    const line = `tfai: backend ${describeActive(name)}${skipped.length ? ` — ${skipped.join('; ')}` : ''}`;
    if (chosen !== name || (want !== 'auto' && want !== name)) log(line); // once per change, and whenever a request was not met
    chosen = name;
    return name;
  }
  throw new Error(`initBackend: no backend could be initialised (${skipped.join('; ')})`);
}

/** Whether the active backend runs on a GPU (native TensorFlow built with CUDA, WebGL, or WebGPU on a hardware adapter). */
export function onAccelerator(): boolean {
  const b = tf.getBackend();
  return (b === 'tensorflow' && nativeDevice === 'gpu') || b === 'webgl' || (b === 'webgpu' && webgpuAdapter()?.software !== true);
}

/**
 * One phrase on the GPU as of the last `initBackend`: `GPU: webgpu on nvidia ampere (…)`, or
 * `no GPU (…)` with the reason each GPU backend was skipped (package missing, no adapter, software
 * adapter only, driver error).
 */
export function gpuStatus(): string {
  return gpuNote;
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
