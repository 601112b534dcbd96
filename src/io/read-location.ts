/**
 * Node's reader of paths and URLs for `readBytes`: files through `node:fs` (the size checked with
 * one `fstat` before reading), `file:` URLs as files, `http:`/`https:`/`data:` URLs through
 * `fetch`. A browser build replaces this module with `read-location.browser.ts` (the page's files and
 * `fetch`).
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isUrlString, tooLarge, type ReadBytesOptions } from './source-name.js';
import { describeFsError } from './fs-errors.js';
import { fetchLimited } from './fetch-limited.js';

/** Read a file, refusing it before reading when it is larger than `maxBytes`. */
async function readFileLimited(path: string, name: string, opts: ReadBytesOptions): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw Object.assign(new Error(`${name}: cannot read: ${describeFsError(e)}`, { cause: e }), { code: (e as NodeJS.ErrnoException).code });
  }
  try {
    const { size } = await fh.stat();
    if (opts.maxBytes !== undefined && size > opts.maxBytes) throw tooLarge(name, size, opts.maxBytes);
    return await fh.readFile({ signal: opts.signal });
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw Object.assign(new Error(`${name}: cannot read: ${describeFsError(e)}`, { cause: e }), { code: (e as NodeJS.ErrnoException).code });
  } finally {
    await fh.close();
  }
}

/** The bytes at a path or URL (`file:` as a file, other schemes fetched). */
export async function readLocation(src: string | URL, opts: ReadBytesOptions): Promise<Uint8Array> {
  if (typeof src === 'string' && !isUrlString(src)) return readFileLimited(src, src, opts);
  const url = typeof src === 'string' ? new URL(src) : src;
  if (url.protocol === 'file:') return readFileLimited(fileURLToPath(url), url.href, opts);
  return fetchLimited(url, opts);
}
