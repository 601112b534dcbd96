/**
 * The page's `startWorker`: a Web Worker from a `blob:` URL, whose first message is `workerData`.
 * Sharing a `WebAssembly.Memory` or `SharedArrayBuffer` with it needs a cross-origin isolated page.
 */
import type * as NodeWorker from './worker.js';

export type { StartedWorker } from './worker.js';

export const startWorker: typeof NodeWorker.startWorker = (body, data) => {
  const source = `self.onmessage = (event) => {\n  self.onmessage = null;\n  const workerData = event.data;\n${body}\n};`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  let w: Worker;
  try {
    w = new Worker(url, { name: 'tfai-kernels' });
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
  w.postMessage(data);
  // the URL stays valid while the worker lives (it may still be loading it)
  return {
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
    },
    unref: () => {},
  };
};
