/**
 * The page's `encodeImage`: PNG without compression (`png-stored.ts`; a page has no synchronous
 * compressor), resized first when asked (`resampleRgba`). JPEG and WebP are the browser's to write,
 * asynchronously: draw the pixels on an `OffscreenCanvas` and call its `convertToBlob`.
 */
import type * as NodeImageEncode from './image-encode.js';
import { encodePngStored } from './png-stored.js';
import { resampleRgba } from './resample.js';

export type { EncodeImageOptions } from './image-encode.js';

export const encodeImage: typeof NodeImageEncode.encodeImage = (data, width, height, opts = {}) => {
  const n = width * height;
  const ch = data.length / n;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1) || ![1, 3, 4].includes(ch)) {
    throw new RangeError(`encodeImage: a ${width}×${height} image needs ${n}, ${n * 3} or ${n * 4} bytes (grey, RGB, RGBA), got ${data.length}`);
  }
  const format = opts.format ?? 'png';
  if (format !== 'png') throw new Error(`encodeImage: a page writes PNG only; for ${format.toUpperCase()} draw the pixels on an OffscreenCanvas and call convertToBlob({ type: 'image/${format}' })`);
  const [ow, oh] = opts.resizeTo ?? [width, height];
  if (!(Number.isInteger(ow) && Number.isInteger(oh) && ow >= 1 && oh >= 1)) throw new RangeError(`encodeImage: resizeTo must be [width, height] of integers >= 1, got [${ow}, ${oh}]`);
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = data[i * ch];
    rgba[i * 4 + 1] = data[i * ch + (ch >= 3 ? 1 : 0)];
    rgba[i * 4 + 2] = data[i * ch + (ch >= 3 ? 2 : 0)];
    rgba[i * 4 + 3] = ch === 4 ? data[i * 4 + 3] : 255;
  }
  const px = ow !== width || oh !== height ? resampleRgba(rgba, width, height, 0, 0, width, height, ow, oh) : rgba;
  return encodePngStored(px, ow, oh);
};
