/**
 * What an image file declares before any pixel is decoded: its format (from the magic bytes, not
 * the name), width, height and, for JPEG, its EXIF orientation. Read first so that a file claiming
 * 30000×30000 pixels (a decompression bomb: a few bytes that would decode to gigabytes) is refused
 * before a decoder allocates anything.
 */

/** The image formats tfai decodes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** An image's declared size and orientation. */
export interface ImageHeader {
  /** The file format, from its magic bytes. */
  format: ImageFormat;
  /** Width in pixels as stored (before EXIF orientation). */
  width: number;
  /** Height in pixels as stored (before EXIF orientation). */
  height: number;
  /**
   * EXIF orientation 1–8 (1: as stored; 6: turn 90° clockwise to view; 3: 180°; 8: 90°
   * anticlockwise; 2, 4, 5, 7 the mirrored ones). 1 when the file has none (PNG, WebP, most JPEGs).
   */
  orientation: number;
}

/**
 * The largest image (width × height) decoded unless a limit is given: 89,478,485 pixels, Pillow's
 * `MAX_IMAGE_PIXELS` (about 9459 × 9459; 268 MB as RGB). Larger files are refused before decoding.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;

/** The format of `bytes` from its magic number, or `undefined` when it is not PNG, JPEG or WebP. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return undefined;
}

/** A few formats people meet, named in the "not supported" message. */
function otherFormat(b: Uint8Array): string | undefined {
  if (ascii(b, 0, 4) === 'GIF8') return 'GIF';
  if (ascii(b, 0, 2) === 'BM') return 'BMP';
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)) return 'TIFF';
  if (ascii(b, 4, 8) === 'ftypavif' || ascii(b, 4, 8) === 'ftypheic' || ascii(b, 4, 8) === 'ftypmif1') return 'AVIF/HEIC';
  return undefined;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

const u16be = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const u32be = (b: Uint8Array, i: number): number => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const u24le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);

/** An error `<name>: <what>` (every header problem names the file). */
function bad(name: string, what: string): Error {
  return new Error(`${name}: ${what}`);
}

function pngHeader(b: Uint8Array, name: string): ImageHeader {
  if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') throw bad(name, 'corrupt PNG: no IHDR chunk at byte offset 8 (truncated file?)');
  return { format: 'png', width: u32be(b, 16), height: u32be(b, 20), orientation: 1 };
}

/** The SOF markers (frame headers) that carry a JPEG's size: C0–CF except DHT (C4), JPG (C8), DAC (CC). */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

function jpegHeader(b: Uint8Array, name: string): ImageHeader {
  let orientation = 1;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw bad(name, `corrupt JPEG: expected a marker at byte offset ${i}, found 0x${b[i].toString(16).padStart(2, '0')}`);
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const len = u16be(b, i + 2);
    if (len < 2) throw bad(name, `corrupt JPEG: segment 0xff${m.toString(16)} at byte offset ${i} has length ${len}`);
    if (m === 0xe1 && ascii(b, i + 4, 6) === 'Exif\0\0') orientation = exifOrientation(b, i + 10, Math.min(b.length, i + 2 + len)) ?? orientation;
    if (isSof(m)) {
      if (i + 9 > b.length) break;
      return { format: 'jpeg', width: u16be(b, i + 7), height: u16be(b, i + 5), orientation };
    }
    if (m === 0xda || m === 0xd9) throw bad(name, `corrupt JPEG: no frame header (SOF) before byte offset ${i}`);
    i += 2 + len;
  }
  throw bad(name, `corrupt JPEG: the file ends (${b.length} bytes) before the frame header (SOF) that gives its size (truncated file?)`);
}

/** The orientation tag (0x0112) of the TIFF structure at `[start, end)` of an EXIF segment. */
function exifOrientation(b: Uint8Array, start: number, end: number): number | undefined {
  if (start + 8 > end) return undefined;
  const le = b[start] === 0x49 && b[start + 1] === 0x49;
  if (!le && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return undefined;
  const r16 = (i: number): number => (le ? b[i] | (b[i + 1] << 8) : u16be(b, i));
  const r32 = (i: number): number => (le ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 2 ** 24 : u32be(b, i));
  const ifd = start + r32(start + 4);
  if (ifd + 2 > end) return undefined;
  const n = r16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + 12 * k;
    if (e + 12 > end) return undefined;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

function webpHeader(b: Uint8Array, name: string): ImageHeader {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) {
    if (!(b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a)) throw bad(name, 'corrupt WebP: no VP8 start code at byte offset 23');
    return { format: 'webp', width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff, orientation: 1 };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    if (b[20] !== 0x2f) throw bad(name, 'corrupt WebP: no VP8L signature at byte offset 20');
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, orientation: 1 };
  throw bad(name, `corrupt WebP: unknown or truncated first chunk '${chunk}' (${b.length} bytes)`);
}

/**
 * Read the header of a PNG, JPEG or WebP file (format from the magic bytes).
 * @throws Error naming `name` (usually the path) when the bytes are not one of those formats
 *   (naming GIF, BMP, TIFF, AVIF/HEIC when it is one of them) or the header is truncated or corrupt.
 */
export function readImageHeader(bytes: Uint8Array, name = '<bytes>'): ImageHeader {
  const fmt = sniffImageFormat(bytes);
  if (fmt === 'png') return pngHeader(bytes, name);
  if (fmt === 'jpeg') return jpegHeader(bytes, name);
  if (fmt === 'webp') return webpHeader(bytes, name);
  const other = otherFormat(bytes);
  if (other) throw bad(name, `${other} images are not supported (JPEG, PNG and WebP are); convert it first`);
  const head = Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
  throw bad(name, `not a PNG, JPEG or WebP file (first bytes: ${head || 'none, the file is empty'})`);
}

/**
 * Refuse an image whose declared size is empty or above `maxPixels` (width × height), before it is
 * decoded.
 * @throws RangeError naming the file, its declared size and the limit.
 */
export function checkImagePixels(h: ImageHeader, name: string, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): void {
  if (!(h.width > 0 && h.height > 0)) throw new RangeError(`${name}: the ${h.format.toUpperCase()} header declares an empty image (${h.width}×${h.height})`);
  if (h.width * h.height > maxPixels) {
    throw new RangeError(
      `${name}: the ${h.format.toUpperCase()} header declares ${h.width}×${h.height} = ${h.width * h.height} pixels, more than the limit of ${maxPixels} ` +
        '(a decompression bomb, or a very large photo: raise maxPixels to read it)',
    );
  }
}

/** Whether an orientation turns the image by 90° (5–8): the viewed width is the stored height. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5;
}
