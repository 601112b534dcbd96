/**
 * Starting a worker thread from JavaScript source: Node's `worker_threads` here; in a browser build
 * `worker.browser.ts` starts a Web Worker from a `blob:` URL. Either way the source sees the data
 * given to `startWorker` as `workerData` (structured-cloned: a `WebAssembly.Module`, shared
 * memories and `SharedArrayBuffer`s are shared, not copied).
 */
import { Worker } from 'node:worker_threads';

/** A started worker. */
export interface StartedWorker {
  /** Stop it. */
  terminate(): void;
  /** Let the program end while it runs (Node; nothing in a page). */
  unref(): void;
}

/**
 * Start a worker running `body` (a script, in which `workerData` is `data`).
 * @throws Error when workers cannot be started here.
 */
export function startWorker(body: string, data: unknown): StartedWorker {
  const w = new Worker(`const { workerData } = require('node:worker_threads');\n${body}`, { eval: true, workerData: data });
  return { terminate: () => void w.terminate(), unref: () => w.unref() };
}
