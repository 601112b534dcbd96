/** Fetching the bytes of a URL with a size limit (Node and a page alike), for `readBytes`. */
import { tooLarge, type ReadBytesOptions } from './source-name.js';

/** Fetch a URL, refusing a body larger than `maxBytes` (from `Content-Length`, then while reading). */
export async function fetchLimited(url: URL, opts: ReadBytesOptions): Promise<Uint8Array> {
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

