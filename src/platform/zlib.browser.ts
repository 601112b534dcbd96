/** The page's `gunzipChunks`: the browser's `DecompressionStream('gzip')`. */
import type * as NodeZlib from './zlib.js';

export const gunzipChunks: typeof NodeZlib.gunzipChunks = async function* (bytes) {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
};
