/**
 * The page's `image-decode.ts`: PNG files are written without compression (`png-stored.ts`: no
 * zlib in a page), and whole-image decoding, which Node does synchronously with pngjs and jpeg-js,
 * is asynchronous in a page (`createImageBitmap`): `decodeImage` says so.
 */
import type * as NodeImageDecode from './image-decode.js';
import { encodePngStored } from './png-stored.js';

export type { ImageFormat, RgbImage } from './image-decode.js';

export const sniffImageFormat: typeof NodeImageDecode.sniffImageFormat = (bytes) => {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
};

export const decodeImage: typeof NodeImageDecode.decodeImage = (_bytes, name = '<buffer>') => {
  throw new Error(`${name}: decodeImage decodes synchronously, which a page cannot; decode images in a page with createImageBitmap (docs/browser.md)`);
};

export const encodePng: typeof NodeImageDecode.encodePng = encodePngStored;
