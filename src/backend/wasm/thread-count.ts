/**
 * How many threads the wasm backend runs, in Node and in a page: the count asked for (or all
 * logical cores), the cap, XNNPACK's share, and the report of how the backend came up.
 */
import { env, logicalCores } from '../../platform/process.js';

export { logicalCores } from '../../platform/process.js';

/** The most threads the tfjs wasm backend uses (its C++ cap and its 8 pre-started workers). */
export const WASM_MAX_THREADS = 8;

/** How the wasm backend came up. */
export interface WasmThreadsReport {
  /** Threads asked for (after parsing and capping). */
  requested: number;
  /** Threads tfai's kernels run on (1 without the threaded build). */
  threads: number;
  /** Threads of tfjs-backend-wasm's own XNNPACK pool (see `xnnpackThreads`). */
  xnnpackThreads: number;
  /** Why fewer threads than requested are used, if so. */
  note?: string;
}

/** Where the tfjs-backend-wasm `.wasm` files are: a folder URL (ending in `/`) or a URL per file name. */
export type WasmPaths = string | Partial<Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>>;

/** Options of `startWasmBackend`. */
export interface StartWasmOptions {
  /** In a page: where the `.wasm` files are (default: next to tfai's code). Node reads them from the package. */
  wasmPaths?: WasmPaths;
}

/**
 * Threads for tfjs-backend-wasm's own XNNPACK pool when tfai runs `threads` threads: 1 unless env
 * `TFAI_XNNPACK_THREADS` says otherwise (at most `threads`). The parallel work is tfai's kernel
 * pool's: a 2-thread XNNPACK pool made small-batch steps 2× slower, because its threads spin-wait
 * after every operation, competing with tfai's workers for the cores.
 */
export function xnnpackThreads(threads: number): number {
  const value = env('TFAI_XNNPACK_THREADS')?.trim();
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`TFAI_XNNPACK_THREADS must be a positive integer, got '${value}'`);
  return Math.min(n, threads);
}

/**
 * The thread count to use: `threads` if given, else env `TFAI_THREADS`, else all logical cores;
 * capped at {@link WASM_MAX_THREADS}.
 * @throws RangeError when `threads` or `TFAI_THREADS` is not a positive integer.
 */
export function resolveThreadCount(threads?: number): number {
  let n: number;
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`initBackend: threads must be a positive integer, got ${threads}`);
    n = threads;
  } else {
    const value = env('TFAI_THREADS')?.trim();
    if (value !== undefined && value !== '') {
      n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`TFAI_THREADS must be a positive integer, got '${value}'`);
    } else {
      n = logicalCores();
    }
  }
  return Math.max(1, Math.min(n, WASM_MAX_THREADS));
}
