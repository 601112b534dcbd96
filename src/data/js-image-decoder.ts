/**
 * The pure-JavaScript `ImageDecoder` (pngjs, jpeg-js and `resampleRgba`): no native code, so it works
 * wherever Node does, at about a fifth of the native decoder's speed; no WebP. Used when the native
 * decoder cannot be loaded on this platform, and by `decodeImage`.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import type { ImageHeader } from './image-header.js';
import { resampleRgba } from './resample.js';

/** Decode a whole PNG or JPEG to RGBA bytes (`header` gives its format). */
export function decodeRgbaJs(bytes: Uint8Array, header: ImageHeader): Uint8Array {
  if (header.format === 'png') return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).data;
  if (header.format === 'jpeg') {
    const maxMemoryUsageInMB = Math.ceil((header.width * header.height * 4) / 2 ** 20) + 64;
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB, maxResolutionInMP: Math.ceil((header.width * header.height) / 1e6) + 1 }).data;
  }
  throw new Error('WebP needs the native decoder (@napi-rs/image), which could not be loaded on this platform');
}

/** The pure-JS decoder: whole-image decode, then `resampleRgba` of the rectangle. */
export const jsImageDecoder: ImageDecoder = {
  name: 'pure JS (pngjs, jpeg-js)',
  decodeRegion(bytes: Uint8Array, header: ImageHeader, r: PixelRect, outW: number, outH: number): Uint8Array {
    const rgba = decodeRgbaJs(bytes, header);
    if (rgba.length !== header.width * header.height * 4) throw new Error(`decoded ${rgba.length} bytes, expected ${header.width}×${header.height}×4`);
    return resampleRgba(rgba, header.width, header.height, r.x, r.y, r.w, r.h, outW, outH);
  },
};
