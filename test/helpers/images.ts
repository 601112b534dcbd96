/**
 * Image files for tests, made in memory: PNG (pngjs), JPEG (jpeg-js), WebP (@napi-rs/image), an
 * EXIF orientation put into a JPEG, and decompression bombs (headers that declare huge images).
 */
import { deflateSync } from 'node:zlib';
import { Transformer } from '@napi-rs/image';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import crc32 from 'crc-32';

/** `w × h` RGB bytes from `f(x, y)`. */
export function rgbImage(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(f(x, y), (y * w + x) * 3);
  return out;
}

function rgba(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A PNG of RGB bytes. */
export function png(rgb: Uint8Array, w: number, h: number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data = Buffer.from(rgba(rgb, w, h));
  return PNG.sync.write(p);
}

/** A JPEG of RGB bytes (quality 100 unless given). */
export function jpg(rgb: Uint8Array, w: number, h: number, quality = 100): Buffer {
  return Buffer.from(jpeg.encode({ width: w, height: h, data: rgba(rgb, w, h) }, quality).data);
}

/** A lossless WebP of RGB bytes. */
export async function webp(rgb: Uint8Array, w: number, h: number): Promise<Buffer> {
  return Transformer.fromRgbaPixels(rgba(rgb, w, h), w, h).webpLossless();
}

/** `jpegBytes` with an EXIF APP1 segment saying `orientation` (1–8) right after the SOI marker. */
export function withExifOrientation(jpegBytes: Uint8Array, orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('II', 0, 'latin1'); // little-endian
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0 at 8
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xffe1, 0);
  seg.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([Buffer.from(jpegBytes.subarray(0, 2)), seg, body, Buffer.from(jpegBytes.subarray(2))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeInt32BE(crc32.buf(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A PNG whose header declares `w × h` pixels (1-bit grey) with `rows` rows of zeros compressed in
 * its IDAT (all of them by default: a valid image that decompresses to `h × (w/8 + 1)` bytes; 0: a
 * bare header, as the 69-byte "30000×30000" file).
 */
export function pngBomb(w: number, h: number, rows = h): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grey
  const raw = Buffer.alloc(rows * (Math.ceil(w / 8) + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
