/**
 * Image headers: format, size and EXIF orientation read before decoding; decompression bombs
 * (headers declaring more pixels than `maxPixels`) refused before any decoder allocates — the
 * 65-byte PNG claiming 30000×30000 and the 17.5 KB PNG that really inflates to 12000×12000 used to
 * take gigabytes and seconds.
 */
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/image-decode.js';
import { checkImagePixels, DEFAULT_MAX_IMAGE_PIXELS, readImageHeader } from '../../src/data/image-header.js';
import { jpg, png, pngBomb, rgbImage, webp, withExifOrientation } from '../helpers/images.js';

const grey = (w: number, h: number): Uint8Array => rgbImage(w, h, () => [90, 90, 90]);

describe('readImageHeader', () => {
  it('reads format, size and orientation of PNG, JPEG and WebP', async () => {
    expect(readImageHeader(png(grey(7, 3), 7, 3))).toEqual({ format: 'png', width: 7, height: 3, orientation: 1 });
    expect(readImageHeader(jpg(grey(9, 5), 9, 5))).toEqual({ format: 'jpeg', width: 9, height: 5, orientation: 1 });
    expect(readImageHeader(withExifOrientation(jpg(grey(9, 5), 9, 5), 6))).toEqual({ format: 'jpeg', width: 9, height: 5, orientation: 6 });
    expect(readImageHeader(await webp(grey(11, 4), 11, 4))).toEqual({ format: 'webp', width: 11, height: 4, orientation: 1 });
  });

  it('names the file and what is wrong', () => {
    expect(() => readImageHeader(Buffer.from('GIF89a....'), 'a.gif')).toThrow(/a\.gif: GIF images are not supported \(JPEG, PNG and WebP are\)/);
    expect(() => readImageHeader(Buffer.from('hello'), 'x.jpg')).toThrow(/x\.jpg: not a PNG, JPEG or WebP file \(first bytes: 68 65 6c 6c\)/);
    expect(() => readImageHeader(new Uint8Array(0), 'e.png')).toThrow(/e\.png: .*the file is empty/);
    const j = jpg(grey(9, 5), 9, 5);
    expect(() => readImageHeader(j.subarray(0, 30), 'cut.jpg')).toThrow(/cut\.jpg: corrupt JPEG: the file ends \(30 bytes\) before the frame header/);
    expect(() => readImageHeader(png(grey(2, 2), 2, 2).subarray(0, 16), 'cut.png')).toThrow(/cut\.png: corrupt PNG: no IHDR chunk/);
  });
});

describe('decompression bombs are refused before decoding', () => {
  it('a 65-byte PNG whose header claims 30000×30000', () => {
    const bomb = pngBomb(30000, 30000, 0);
    expect(bomb.length).toBeLessThan(70);
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(/bomb\.png: the PNG header declares 30000×30000 = 900000000 pixels, more than the limit of 89478485/);
  });

  it('a 17.5 KB PNG that inflates to 12000×12000', () => {
    const bomb = pngBomb(12000, 12000);
    expect(bomb.length).toBeLessThan(18_000);
    const t0 = performance.now();
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(RangeError);
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(/declares 12000×12000 = 144000000 pixels/);
    expect(performance.now() - t0).toBeLessThan(1000); // refused from the header, not after inflating
  });

  it('a JPEG and a WebP whose headers claim huge sizes', async () => {
    const j = jpg(grey(8, 8), 8, 8);
    const sof = j.findIndex((b, i) => b === 0xff && j[i + 1] === 0xc0);
    j.writeUInt16BE(60000, sof + 5);
    j.writeUInt16BE(60000, sof + 7);
    expect(() => decodeImage(j, 'big.jpg')).toThrow(/big\.jpg: the JPEG header declares 60000×60000/);
    const w = await webp(grey(1, 1), 1, 1);
    const bits = (16383 | (16383 << 14)) >>> 0;
    w.writeUInt32LE((bits | (w.readUInt32LE(21) & 0xf0000000)) >>> 0, 21);
    expect(() => decodeImage(w, 'big.webp')).toThrow(/big\.webp: the WEBP header declares 16384×16384/);
  });

  it('the limit is configurable and documented by its default', () => {
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(89_478_485);
    const h = readImageHeader(png(grey(20, 10), 20, 10));
    expect(() => checkImagePixels(h, 'a.png', 199)).toThrow(/more than the limit of 199 \(a decompression bomb, or a very large photo: raise maxPixels to read it\)/);
    expect(() => checkImagePixels(h, 'a.png', 200)).not.toThrow();
    expect(() => decodeImage(png(grey(20, 10), 20, 10), 'a.png', { maxPixels: 100 })).toThrow(/limit of 100/);
  });
});
