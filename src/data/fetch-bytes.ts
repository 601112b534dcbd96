/**
 * Fetching a dataset's files from a URL (in Node and in a page): the bytes, with errors that name
 * the URL and the HTTP status.
 */
import { MNIST_FILES } from './mnist-names.js';

/** Whether `source` is an `http:`, `https:`, `blob:` or `data:` URL (rather than a path). */
export function isUrl(source: string): boolean {
  return /^(https?|blob|data):/i.test(source);
}

/**
 * The bytes at `url`; a `.gz` URL that is not found is tried without `.gz` once.
 * @throws Error `<who>: <url>: cannot fetch: …` naming the HTTP status or the network error.
 */
export async function fetchBytes(url: string | URL, who: string): Promise<Uint8Array> {
  const href = typeof url === 'string' ? url : url.href;
  let res: Response;
  try {
    res = await fetch(href);
  } catch (e) {
    throw new Error(`${who}: ${href}: cannot fetch: ${(e as Error).message}`, { cause: e });
  }
  if (res.status === 404 && href.endsWith('.gz')) return fetchBytes(href.slice(0, -3), who);
  if (!res.ok) throw new Error(`${who}: ${href}: cannot fetch: HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

/** The four MNIST files' URLs in the folder `base` (their `.gz` names). */
export function mnistUrls(base: string): Record<keyof typeof MNIST_FILES, string> {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const out = {} as Record<keyof typeof MNIST_FILES, string>;
  for (const [key, name] of Object.entries(MNIST_FILES) as [keyof typeof MNIST_FILES, string][]) out[key] = new URL(`${name}.gz`, folder).href;
  return out;
}
