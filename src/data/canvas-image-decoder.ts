/**
 * The page's `ImageDecoder`: the browser's own decoders (`createImageBitmap`, which decodes off the
 * page's thread and crops and resizes as it does) and an `OffscreenCanvas` to read the pixels. It
 * reads what the browser reads (PNG, JPEG, WebP, GIF, AVIF, BMP), in stored orientation as the
 * pipeline expects; the resampling is the browser's high-quality filter, so a resized item is close
 * to, not bit for bit, what Node's decoders give.
 */
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import type { ImageHeader } from './image-header.js';

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

let canvas: OffscreenCanvas | undefined;
let context: OffscreenCanvasRenderingContext2D | undefined;

/** A 2-d context of `w × h` pixels (one canvas, reused). */
function context2d(w: number, h: number): OffscreenCanvasRenderingContext2D {
  if (typeof OffscreenCanvas === 'undefined') throw new Error('image decoding in a page needs OffscreenCanvas');
  canvas ??= new OffscreenCanvas(w, h);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    context = undefined;
  }
  context ??= canvas.getContext('2d', { willReadFrequently: true }) ?? undefined;
  if (!context) throw new Error('image decoding in a page: no 2d context on an OffscreenCanvas');
  return context;
}

/** The browser's decoder (`createImageBitmap` + `OffscreenCanvas`). */
export const canvasImageDecoder: ImageDecoder = {
  name: "the browser's image decoder (createImageBitmap)",
  async decodeRegion(bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Promise<Uint8Array> {
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: MIME[header.format] ?? '' });
    const bitmap = await createImageBitmap(blob, r.x, r.y, r.w, r.h, {
      resizeWidth: outW,
      resizeHeight: outH,
      resizeQuality: 'high',
      imageOrientation: 'none',
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
    try {
      const ctx = context2d(outW, outH);
      ctx.clearRect(0, 0, outW, outH);
      ctx.drawImage(bitmap, 0, 0);
      return new Uint8Array(ctx.getImageData(0, 0, outW, outH).data.buffer);
    } finally {
      bitmap.close();
    }
  },
};
