/**
 * The `ImageDecoder` for large JPEGs and WebPs (Node only): sharp (libvips), whose shrink-on-load
 * decodes a JPEG at 1/2, 1/4 or 1/8 of its size in the DCT domain (WebP likewise), so a 12-megapixel
 * photo to 128 px costs 16 ms of CPU where a full decode costs 140 ms. Its fixed cost per call
 * (0.6 ms) makes it the slower choice for images under about 3.5 times the output size; the Node
 * decoder picks per image. Asynchronous only; loaded lazily (`loadSharpDecoder` returns why not).
 */
import { createRequire } from 'node:module';
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import type { ImageHeader } from './image-header.js';

type Sharp = typeof import('sharp').default;

/** The sharp decoder, or the error that kept sharp from loading. */
export function loadSharpDecoder(): ImageDecoder | Error {
  let sharp: Sharp;
  try {
    sharp = createRequire(import.meta.url)('sharp') as Sharp;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  // one libvips thread per call (parallelism comes from the decoding threads) and no operation cache
  sharp.concurrency(1);
  sharp.cache(false);
  return {
    name: 'sharp',
    async decodeRegion(bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Promise<Uint8Array> {
      // resize the whole image (shrink-on-load applies only without a crop before it), then cut
      // the rectangle out; the header's size was checked against maxPixels already
      const fw = Math.max(outW, Math.round((header.width * outW) / r.w));
      const fh = Math.max(outH, Math.round((header.height * outH) / r.h));
      let s = sharp(bytes, { limitInputPixels: false, failOn: 'error' }).resize(fw, fh, { fit: 'fill', kernel: 'linear' });
      if (fw !== outW || fh !== outH) s = s.extract({ left: Math.min(fw - outW, Math.round((r.x * outW) / r.w)), top: Math.min(fh - outH, Math.round((r.y * outH) / r.h)), width: outW, height: outH });
      const px = await s.toColourspace('srgb').ensureAlpha().raw().toBuffer();
      return new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
    },
  };
}
