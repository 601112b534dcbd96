/**
 * Pixels to image files (Node): `encodeImage` writes grey, RGB or RGBA bytes as JPEG, PNG or WebP,
 * optionally resized first (antialiased bilinear) — e.g. to export a dataset as a folder of files.
 * Native (`@napi-rs/image`) when it loads, else pngjs / jpeg-js (no WebP).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { napiImage } from './napi-image-decoder.js';
import { resampleRgba } from './resample.js';

/** Options of `encodeImage`. */
export interface EncodeImageOptions {
  /** `'png'` (default), `'jpeg'` or `'webp'`. */
  format?: 'png' | 'jpeg' | 'webp';
  /** JPEG / WebP quality, 1–100 (default 90). */
  quality?: number;
  /** Resize to `[width, height]` before encoding. */
  resizeTo?: readonly [number, number];
}

/** `data` (1, 3 or 4 bytes per pixel) as RGBA. */
function toRgba(data: Uint8Array, n: number, ch: number): Uint8Array {
  if (ch === 4) return data;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = data[i * ch];
    out[i * 4 + 1] = data[i * ch + (ch === 3 ? 1 : 0)];
    out[i * 4 + 2] = data[i * ch + (ch === 3 ? 2 : 0)];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * Encode `width × height` pixels of grey, RGB or RGBA bytes (HWC) as an image file's bytes.
 * The native encoder's working memory is released when the event loop next turns: in a loop over
 * thousands of images, `await new Promise((r) => setImmediate(r))` every hundred or so.
 * @throws RangeError when `data` does not hold 1, 3 or 4 bytes per pixel or an option is out of
 *   range; Error for WebP when the native encoder is not available.
 */
export function encodeImage(data: Uint8Array, width: number, height: number, opts: EncodeImageOptions = {}): Uint8Array {
  const n = width * height;
  const ch = data.length / n;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1) || ![1, 3, 4].includes(ch)) {
    throw new RangeError(`encodeImage: a ${width}×${height} image needs ${n}, ${n * 3} or ${n * 4} bytes (grey, RGB, RGBA), got ${data.length}`);
  }
  const format = opts.format ?? 'png';
  const quality = opts.quality ?? 90;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new RangeError(`encodeImage: quality must be an integer in [1, 100], got ${quality}`);
  const [ow, oh] = opts.resizeTo ?? [width, height];
  if (!(Number.isInteger(ow) && Number.isInteger(oh) && ow >= 1 && oh >= 1)) throw new RangeError(`encodeImage: resizeTo must be [width, height] of integers >= 1, got [${ow}, ${oh}]`);
  const rgba = toRgba(data, n, ch);
  const m = napiImage();
  if (!(m instanceof Error)) {
    let t = m.Transformer.fromRgbaPixels(rgba, width, height);
    if (ow !== width || oh !== height) t = t.fastResize({ width: ow, height: oh, filter: 1, fit: 1 });
    return format === 'jpeg' ? t.jpegSync(quality) : format === 'webp' ? t.webpSync(quality) : t.pngSync();
  }
  const px = ow !== width || oh !== height ? resampleRgba(rgba, width, height, 0, 0, width, height, ow, oh) : rgba;
  if (format === 'jpeg') return Buffer.from(jpeg.encode({ width: ow, height: oh, data: px }, quality).data);
  if (format === 'png') {
    const png = new PNG({ width: ow, height: oh });
    png.data = Buffer.from(px);
    return PNG.sync.write(png);
  }
  throw new Error(`encodeImage: WebP needs the native encoder (@napi-rs/image), which could not be loaded: ${m.message.split('\n')[0]}`);
}
