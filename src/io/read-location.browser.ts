/**
 * The page's reader of paths and URLs for `readBytes`: a path names one of the page's files
 * (IndexedDB, see `platform/fs.browser.ts`; the size checked before reading), a URL is fetched
 * (`http:`, `https:`, `blob:`, `data:`; a relative address is a path, so write
 * `new URL('img/cat.jpg', location.href)` for one on the page's server).
 */
import type * as NodeReadLocation from './read-location.js';
import * as fs from '../platform/fs.js';
import { isUrlString, tooLarge, type ReadBytesOptions } from './source-name.js';
import { describeFsError } from './fs-errors.js';
import { fetchLimited } from './fetch-limited.js';

async function readPageFile(path: string, opts: ReadBytesOptions): Promise<Uint8Array> {
  try {
    const { size } = await fs.stat(path);
    if (opts.maxBytes !== undefined && size > opts.maxBytes) throw tooLarge(path, size, opts.maxBytes);
    return await fs.readFile(path);
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw Object.assign(new Error(`${path}: cannot read: ${describeFsError(e)}`, { cause: e }), { code: (e as NodeJS.ErrnoException).code });
  }
}

export const readLocation: typeof NodeReadLocation.readLocation = async (src, opts) => {
  if (typeof src === 'string' && !isUrlString(src)) return readPageFile(src, opts);
  return fetchLimited(typeof src === 'string' ? new URL(src) : src, opts);
};
