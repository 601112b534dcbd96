/** The page's `readBytesSync`: a page reads files and URLs asynchronously only, so only bytes answer at once. */
import type * as NodeReadSync from './read-sync.js';
import { describeSource, tooLarge } from './source-name.js';

export const readBytesSync: typeof NodeReadSync.readBytesSync = (src, maxBytes) => {
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) {
    const b = src instanceof Uint8Array ? src : new Uint8Array(src);
    if (maxBytes !== undefined && b.byteLength > maxBytes) throw tooLarge(src, b.byteLength, maxBytes);
    return b;
  }
  throw new Error(`${describeSource(src)}: cannot be read synchronously in a page (only bytes can); read it through an asynchronous loader`);
};
