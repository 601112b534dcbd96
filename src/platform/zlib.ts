/** Gzip decompression: Node's `zlib`. In a browser build `zlib.browser.ts` takes its place. */
import { createGunzip } from 'node:zlib';

/**
 * The decompressed bytes of a gzip stream, chunk by chunk, as they come out (so a reader can stop
 * early: a decompression bomb is refused before its output is allocated). Breaking out of the loop
 * stops the decompression.
 * @throws Error with the decoder's message for a corrupt or truncated stream (after the chunks
 *   that could be decompressed).
 */
export async function* gunzipChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  const gz = createGunzip();
  gz.end(bytes);
  try {
    for await (const chunk of gz as AsyncIterable<Uint8Array>) yield chunk;
  } finally {
    gz.destroy();
  }
}
