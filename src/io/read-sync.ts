/**
 * Synchronous reading of a `ByteSource` (Node only): paths and `file:` URLs through `readFileSync`,
 * bytes as they are. For the few places that must answer synchronously (a dataset's `getBatch`);
 * everything else uses `readBytes`.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSource, isUrlString, tooLarge, type ByteSource } from './source-name.js';
import { describeFsError } from './fs-errors.js';

/**
 * The bytes of `src`, read synchronously.
 * @throws Error naming the source when it is a Blob or a non-file URL (those read asynchronously
 *   only), cannot be read, or is larger than `maxBytes`.
 */
export function readBytesSync(src: ByteSource, maxBytes?: number): Uint8Array {
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) {
    const b = src instanceof Uint8Array ? src : new Uint8Array(src);
    if (maxBytes !== undefined && b.byteLength > maxBytes) throw tooLarge(src, b.byteLength, maxBytes);
    return b;
  }
  let path: string;
  if (typeof src === 'string' && !isUrlString(src)) path = src;
  else if ((typeof src === 'string' || src instanceof URL) && new URL(src).protocol === 'file:') path = fileURLToPath(src);
  else throw new Error(`${describeSource(src)}: cannot be read synchronously (only files and bytes can); read it through an asynchronous loader`);
  try {
    if (maxBytes !== undefined) {
      const size = statSync(path).size;
      if (size > maxBytes) throw tooLarge(describeSource(src), size, maxBytes);
    }
    return readFileSync(path);
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw new Error(`${describeSource(src)}: cannot read: ${describeFsError(e)}`, { cause: e });
  }
}
