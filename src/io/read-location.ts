/**
 * Node's reader of paths and URLs for `readBytes`: files through `node:fs` (the size checked with
 * one `fstat` before reading), `file:` URLs as files, `http:`/`https:`/`data:` URLs through
 * `fetch`. A browser build replaces this module (its `browser` condition) with one that fetches.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isUrlString, tooLarge, type ReadBytesOptions } from './source-name.js';
import { describeFsError } from './fs-errors.js';

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

/** Fetch a URL, refusing a body larger than `maxBytes` (from `Content-Length`, then while reading). */
async function fetchLimited(url: URL, opts: ReadBytesOptions): Promise<Uint8Array> {
  const name = url.protocol === 'data:' ? 'a data: URL' : url.href;
  let res: Response;
  try {
    res = await fetch(url, { signal: opts.signal });
  } catch (e) {
    throw new Error(`${name}: cannot fetch: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new Error(`${name}: cannot fetch: HTTP ${res.status} ${res.statusText}`);
  const max = opts.maxBytes;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (max !== undefined && declared > max) {
    await res.body?.cancel();
    throw tooLarge(name, declared, max);
  }
  if (max === undefined || !res.body) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(name, total, max);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The bytes at a path or URL (`file:` as a file, other schemes fetched). */
export async function readLocation(src: string | URL, opts: ReadBytesOptions): Promise<Uint8Array> {
  if (typeof src === 'string' && !isUrlString(src)) return readFileLimited(src, src, opts);
  const url = typeof src === 'string' ? new URL(src) : src;
  if (url.protocol === 'file:') return readFileLimited(fileURLToPath(url), url.href, opts);
  return fetchLimited(url, opts);
}
