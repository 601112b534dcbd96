/**
 * tfjs-backend-wasm in a page (the browser's `threads.ts`).
 *
 * In a browser the package runs its threaded SIMD build by itself where the page may share memory
 * with workers — that is, where it is cross-origin isolated (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`). tfai
 * asks for that build when more than one thread is wanted, keeps XNNPACK's own pool at one thread
 * (see `xnnpackThreads`), and runs its kernel pool on Web Workers over the build's shared memory.
 * Elsewhere — not isolated, no shared wasm memory, or one thread asked for — it starts the
 * single-threaded SIMD build and the report says why.
 *
 * The `.wasm` files are fetched from next to tfai's code by default: the URLs below are written
 * `new URL('./<file>', import.meta.url)`, which Vite (and other bundlers that follow that pattern)
 * resolves to the files shipped in `tfai/dist/browser/` and copies into its output; with esbuild
 * copy them next to the bundle. `initBackend(…, { wasmPaths })` names another folder or URLs.
 */
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import type * as NodeThreads from './threads.js';
import { xnnpackThreads, type WasmPaths, type WasmThreadsReport } from './thread-count.js';
import { sharedMemoryObstacle } from './shared-memory-check.js';

export { WASM_MAX_THREADS, logicalCores, resolveThreadCount, xnnpackThreads, type StartWasmOptions, type WasmPaths, type WasmThreadsReport } from './thread-count.js';

const FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';

type WasmFile = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

/** The `.wasm` files next to tfai's code (literal URLs, so bundlers can find and copy the files). */
function defaultWasmUrls(): Record<WasmFile, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL('./tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL('./tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
  };
}

/** Every file's URL: the defaults, overridden by a folder URL or by URLs per file. */
function wasmUrls(paths: WasmPaths | undefined): Record<WasmFile, string> {
  const urls = defaultWasmUrls();
  if (typeof paths === 'string') {
    const base = new URL(paths.endsWith('/') ? paths : `${paths}/`, globalThis.location?.href);
    for (const f of Object.keys(urls) as WasmFile[]) urls[f] = new URL(f, base).href;
  } else if (paths) {
    for (const [f, u] of Object.entries(paths) as [WasmFile, string | undefined][]) if (u) urls[f] = new URL(u, globalThis.location?.href).href;
  }
  return urls;
}

/** tfai's kernel threads of the started backend (what the report said). */
let startedThreads = 1;
/** The URLs the backend was started with (for the reason of a failed start). */
let urls: Record<WasmFile, string> | undefined;

/** Whether the wasm backend has been started in this page (without starting it). */
function wasmStarted(): boolean {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  return registry?.wasm !== undefined;
}

/** Why this page cannot run the threaded build, or undefined when it can. */
function unsupportedReason(): string | undefined {
  if (globalThis.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  }
  return sharedMemoryObstacle();
}

/** Why the build's `.wasm` file could not be loaded, when fetching it fails. */
async function fetchProblem(file: WasmFile): Promise<string | undefined> {
  const url = urls?.[file];
  if (!url) return undefined;
  try {
    const res = await fetch(url, { method: 'HEAD' });
    if (!res.ok) return `${url}: HTTP ${res.status} — copy node_modules/tfai/dist/browser/*.wasm next to the bundle, or pass initBackend(…, { wasmPaths })`;
  } catch (e) {
    return `${url}: ${(e as Error).message}`;
  }
  return undefined;
}

export const startWasmBackend: typeof NodeThreads.startWasmBackend = async (threads, opts = {}) => {
  const requested = threads;
  if (wasmStarted()) {
    const ok = await tf.setBackend('wasm');
    const actual = ok ? startedThreads : 1;
    const xnn = ok ? wasmBackend.getThreadsCount() : 1;
    const note = actual !== requested ? `the wasm backend was already started with ${actual} thread${actual === 1 ? '' : 's'}; the count is fixed once per page` : undefined;
    return { ok, report: { requested, threads: actual, xnnpackThreads: xnn, ...(note ? { note } : {}) } };
  }
  urls = wasmUrls(opts.wasmPaths);
  wasmBackend.setWasmPaths(urls);
  const why = threads > 1 ? unsupportedReason() : undefined;
  const threaded = threads > 1 && why === undefined;
  tf.env().set(FLAG, threaded);
  const xnn = threaded ? xnnpackThreads(threads) : 1;
  wasmBackend.setThreadsCount(xnn);
  let ok = false;
  let failure: string | undefined;
  try {
    ok = await tf.setBackend('wasm');
  } catch (e) {
    failure = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  }
  if (!ok) {
    const file: WasmFile = threaded ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm';
    const note = (await fetchProblem(file)) ?? failure ?? 'tfjs-backend-wasm failed to initialise';
    return { ok: false, report: { requested, threads: 1, xnnpackThreads: 1, note } };
  }
  startedThreads = threaded ? threads : 1;
  const report: WasmThreadsReport = { requested, threads: startedThreads, xnnpackThreads: wasmBackend.getThreadsCount() };
  if (why !== undefined) report.note = `threads unavailable (${why}); using 1`;
  return { ok: true, report };
};

export const wasmThreadCount: typeof NodeThreads.wasmThreadCount = () => (wasmStarted() ? startedThreads : 1);
