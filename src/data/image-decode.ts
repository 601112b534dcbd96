/**
 * PNG and JPEG decoding/encoding to plain RGB bytes (pngjs and jpeg-js: pure JavaScript, no native
 * build). The format is sniffed from the file's magic bytes, not its name.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

/** A decoded image: `height × width × 3` RGB bytes, row-major (HWC). */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `height * width * 3` bytes, R G B per pixel. */
  data: Uint8Array;
}

/** The image formats `decodeImage` recognises. */
export type ImageFormat = 'png' | 'jpeg';

/** The format of `bytes` from its magic number, or `undefined` when it is neither PNG nor JPEG. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Drop the alpha channel of RGBA bytes (alpha is ignored, not composited). */
function rgbaToRgb(rgba: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j];
    out[i * 3 + 1] = rgba[j + 1];
    out[i * 3 + 2] = rgba[j + 2];
  }
  return out;
}

/**
 * Decode a PNG (any colour type / bit depth pngjs reads; 16-bit is scaled to 8) or a baseline /
 * progressive JPEG into RGB bytes. `name` (usually the file path) goes into every error message.
 * @throws Error `<name>: cannot decode image: <decoder's message>` for unknown or corrupt data.
 */
export function decodeImage(bytes: Uint8Array, name = '<buffer>'): RgbImage {
  const fmt = sniffImageFormat(bytes);
  const fail = (msg: string, cause?: unknown): Error =>
    new Error(`${name}: cannot decode image: ${msg}`, cause === undefined ? undefined : { cause });
  if (!fmt) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw fail(`not a PNG or JPEG file (first bytes: ${head || 'none, the file is empty'})`);
  }
  try {
    if (fmt === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width * png.height) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    throw fail(`${fmt.toUpperCase()} decoder: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * Encode `height × width × 3` RGB bytes (or `× 4` RGBA when `data` has 4 bytes per pixel) as a PNG
 * file's bytes.
 * @throws RangeError if `data` does not hold 3 or 4 bytes per pixel.
 */
export function encodePng(data: Uint8Array, width: number, height: number): Buffer {
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
