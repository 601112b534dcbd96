/**
 * A source of bytes, one type for every place tfai runs: a path or URL string, a `URL`, a `Blob`
 * (a browser `File` is one), an `ArrayBuffer` or a `Uint8Array`. `readBytes` turns any of them into
 * a `Uint8Array` with an optional size limit checked before the bytes are read; `describeSource`
 * names the source in error messages.
 *
 * Platform-neutral: paths and URLs are read by `read-location.ts` (Node: the file system and
 * `fetch`); a browser build swaps that one module for its own (`fetch` only) through the package's
 * `browser` condition, so nothing here tests for the platform at run time.
 */
import { readLocation } from './read-location.js';
import { describeSource, isBlob, tooLarge, type ByteSource, type ReadBytesOptions } from './source-name.js';

export { describeSource, isUrlString, type ByteSource, type ReadBytesOptions } from './source-name.js';

function checkMax(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes >= 0)) {
    throw new RangeError(`readBytes: maxBytes must be an integer >= 0, got ${maxBytes}`);
  }
}

/**
 * The bytes of `src`. Bytes given as bytes are returned as they are (a `Uint8Array` view of an
 * `ArrayBuffer`, no copy); paths, URLs and blobs are read.
 * @throws RangeError when the source is larger than `maxBytes`; Error naming the source (path,
 *   URL, file name) and the cause when it cannot be read.
 */
export async function readBytes(src: ByteSource, opts: ReadBytesOptions = {}): Promise<Uint8Array> {
  const { maxBytes } = opts;
  checkMax(maxBytes);
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) {
    const bytes = src instanceof Uint8Array ? src : new Uint8Array(src);
    if (maxBytes !== undefined && bytes.byteLength > maxBytes) throw tooLarge(src, bytes.byteLength, maxBytes);
    return bytes;
  }
  if (isBlob(src)) {
    if (maxBytes !== undefined && src.size > maxBytes) throw tooLarge(src, src.size, maxBytes);
    try {
      return new Uint8Array(await src.arrayBuffer());
    } catch (e) {
      throw new Error(`${describeSource(src)}: cannot read: ${(e as Error).message}`, { cause: e });
    }
  }
  if (typeof src === 'string' || src instanceof URL) return readLocation(src, opts);
  throw new TypeError(`readBytes: expected a path, URL, Blob, ArrayBuffer or Uint8Array, got ${src === null ? 'null' : typeof src}`);
}
