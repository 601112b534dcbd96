/**
 * Whole images to plain RGB bytes (`decodeImage`: PNG, JPEG, WebP, with EXIF orientation applied
 * and the declared size checked first) and RGB bytes to PNG files (`encodePng`, pngjs). Decoding
 * goes through the process's `ImageDecoder` (native when it loads, else pure JS).
 */
import { PNG } from 'pngjs';
import { checkImagePixels, readImageHeader, swapsAxes, DEFAULT_MAX_IMAGE_PIXELS } from './image-header.js';
import { loadItemIntoSync } from './image-item.js';
import { nodeImageDecoder } from './node-image-decoder.js';

export { sniffImageFormat, type ImageFormat } from './image-header.js';

/** A decoded image: `height × width × 3` RGB bytes, row-major (HWC). */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `height * width * 3` bytes, R G B per pixel. */
  data: Uint8Array;
}

/** Options of `decodeImage`. */
export interface DecodeImageOptions {
  /** Refuse images whose header declares more pixels than this (default `DEFAULT_MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
}

/**
 * Decode a PNG (any colour type and bit depth; 16-bit scaled to 8), a baseline or progressive JPEG
 * or a WebP into RGB bytes, turned upright by its EXIF orientation; grey is repeated to RGB and
 * alpha dropped. The size its header declares is checked against `maxPixels` before anything is
 * decoded. `name` (usually the file path) goes into every error message.
 * @throws Error `<name>: …` for unknown, truncated or corrupt data; RangeError for an image over
 *   `maxPixels`.
 */
export function decodeImage(bytes: Uint8Array, name = '<buffer>', opts: DecodeImageOptions = {}): RgbImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const header = readImageHeader(bytes, name);
  checkImagePixels(header, name, maxPixels);
  const [width, height] = swapsAxes(header.orientation) ? [header.height, header.width] : [header.width, header.height];
  const px = new Float32Array(width * height * 3);
  const pipeline = { tfms: [{ kind: 'resize' as const, h: height, w: width, method: 'squish' as const, padMode: 'zeros' as const }], train: false, channels: 3 as const, maxPixels };
  loadItemIntoSync(bytes, name, pipeline, 0, nodeImageDecoder(), px, 0);
  const data = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) data[i] = Math.round(px[i] * 255);
  return { width, height, data };
}

/**
 * Encode `height × width × 3` RGB bytes (or `× 4` RGBA when `data` has 4 bytes per pixel) as a PNG
 * file's bytes.
 * @throws RangeError if `data` does not hold 3 or 4 bytes per pixel.
 */
export function encodePng(data: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const ch = data.length / n;
  if (ch !== 3 && ch !== 4) {
    throw new RangeError(`encodePng: ${width}×${height} image needs ${n * 3} (RGB) or ${n * 4} (RGBA) bytes, got ${data.length}`);
  }
  const png = new PNG({ width, height });
  for (let i = 0; i < n; i++) {
    png.data[i * 4] = data[i * ch];
    png.data[i * 4 + 1] = data[i * ch + 1];
    png.data[i * 4 + 2] = data[i * ch + 2];
    png.data[i * 4 + 3] = ch === 4 ? data[i * 4 + 3] : 255;
  }
  return PNG.sync.write(png);
}
