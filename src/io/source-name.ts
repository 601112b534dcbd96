/**
 * What a source of bytes is (`ByteSource`) and how errors name one (`describeSource`); shared by
 * `byte-source.ts` and the platform's reader of paths and URLs.
 */

/**
 * Where bytes come from: a path (Node) or URL (`http:`, `https:`, `file:`, `data:`; in a browser
 * any URL) as a string or `URL`; a `Blob` or `File`; or the bytes themselves.
 */
export type ByteSource = string | URL | Blob | ArrayBuffer | Uint8Array;

/** Options of `readBytes`. */
export interface ReadBytesOptions {
  /**
   * Refuse a source larger than this many bytes, checked before reading where the size is known
   * up front (files, blobs, a `Content-Length`) and while streaming otherwise. Default: no limit.
   */
  maxBytes?: number;
  /** Cancels a pending read (a fetch or a file read). */
  signal?: AbortSignal;
}

/** A string that names a URL (a scheme of two or more letters, so `C:\x` stays a path). */
const URL_STRING = /^[a-z][a-z0-9+.-]+:/i;

/** Whether `src` is a string naming a URL rather than a path. */
export function isUrlString(src: string): boolean {
  return URL_STRING.test(src);
}

export function isBlob(src: unknown): src is Blob {
  return typeof Blob !== 'undefined' && src instanceof Blob;
}

/**
 * The source in a few words, for error messages: the path or URL, `File "a.jpg" (1234 bytes)`,
 * `Blob (1234 bytes)`, `<1234 bytes>`.
 */
export function describeSource(src: ByteSource): string {
  if (typeof src === 'string') return src;
  if (src instanceof URL) return src.protocol === 'data:' ? `a data: URL (${src.href.length} characters)` : src.href;
  if (isBlob(src)) {
    const name = (src as Blob & { name?: unknown }).name;
    return typeof name === 'string' ? `File "${name}" (${src.size} bytes)` : `Blob (${src.size} bytes)`;
  }
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return `<${src.byteLength} bytes>`;
  return String(src);
}

/** The error for a source over `maxBytes`. */
export function tooLarge(src: ByteSource | string, size: number, maxBytes: number): RangeError {
  const what = typeof src === 'string' ? src : describeSource(src);
  return new RangeError(`${what}: ${size} bytes is more than the limit of ${maxBytes} bytes (maxBytes)`);
}

