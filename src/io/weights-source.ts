/**
 * Where weights are loaded from: a file path, a URL (`http:`, `https:`, `blob:`, `data:`; fetched),
 * a `Blob` (a `File` from an `<input type="file">` or a drop), or the bytes themselves — in Node and
 * in a page (where a path names one of the page's files, see `platform/fs.browser.ts`).
 */
import * as fs from '../platform/fs.js';

/** What `loadWeights` and `learn.load` read: a path, a URL, a `Blob` / `File`, or bytes. */
export type WeightsSource = string | URL | Blob | ArrayBuffer | Uint8Array;

/** Whether `src` names a URL to fetch rather than a path. */
function isFetchable(src: string | URL): boolean {
  return src instanceof URL || /^(https?|blob|data):/i.test(src);
}

/** `src` in a few words for messages: the path or URL, `File "a.safetensors"`, `<1234 bytes>`. */
export function describeWeightsSource(src: WeightsSource): string {
  if (typeof src === 'string') return src;
  if (src instanceof URL) return src.href;
  if (typeof Blob !== 'undefined' && src instanceof Blob) {
    const name = (src as Blob & { name?: unknown }).name;
    return typeof name === 'string' ? `File "${name}"` : `Blob (${src.size} bytes)`;
  }
  return `<${(src as ArrayBuffer | Uint8Array).byteLength} bytes>`;
}

/**
 * The bytes of `src`; a path is read with `fs.readFile` (its errors, codes included, pass through
 * for the caller to word).
 * @throws TypeError for a source of another type; Error naming the URL for a failed fetch.
 */
export async function readWeightsSource(src: WeightsSource): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (typeof Blob !== 'undefined' && src instanceof Blob) return new Uint8Array(await src.arrayBuffer());
  if (typeof src === 'string' || src instanceof URL) {
    if (!isFetchable(src)) return fs.readFile(src as string);
    const href = src instanceof URL ? src.href : src;
    let res: Response;
    try {
      res = await fetch(href);
    } catch (e) {
      throw new Error(`loading weights: cannot fetch ${href}: ${(e as Error).message}`, { cause: e });
    }
    if (!res.ok) throw new Error(`loading weights: cannot fetch ${href}: HTTP ${res.status} ${res.statusText}`.trimEnd());
    return new Uint8Array(await res.arrayBuffer());
  }
  throw new TypeError(`loading weights: expected a path, URL, Blob, ArrayBuffer or Uint8Array, got ${src === null ? 'null' : typeof src}`);
}
