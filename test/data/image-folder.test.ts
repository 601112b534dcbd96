import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { DataLoader } from '../../src/data/data-loader.js';
import { CIFAR10_MEAN, CIFAR10_STD } from '../../src/data/cifar10.js';
import { decodeImage, encodePng } from '../../src/data/image-decode.js';
import { ByteImageDataset, imageFolder } from '../../src/data/image-folder.js';
import { ImageDataBunch } from '../../src/data/image-data-bunch.js';
import { showBatch } from '../../src/data/show-batch.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = mkdtempSync(join(tmpdir(), 'tfai-imgfolder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const solid = (w: number, h: number, rgb: [number, number, number]): Uint8Array => new Uint8Array(w * h * 3).map((_, i) => rgb[i % 3]);

function write(path: string, data: Uint8Array | Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
}

describe('decodeImage', () => {
  it('decodes RGB PNG, grey PNG and JPEG to RGB bytes', () => {
    const rgb = decodeImage(encodePng(solid(3, 2, [10, 20, 30]), 3, 2));
    expect([rgb.width, rgb.height]).toEqual([3, 2]);
    expect(Array.from(rgb.data.subarray(0, 6))).toEqual([10, 20, 30, 10, 20, 30]);

    const grey = new PNG({ width: 2, height: 2, colorType: 0, inputColorType: 0, inputHasAlpha: false } as ConstructorParameters<typeof PNG>[0]);
    grey.data = Buffer.from([50, 50, 50, 50]);
    const g = decodeImage(PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    expect(Array.from(g.data)).toEqual(new Array(12).fill(50));

    const rgba = new Uint8Array(4 * 4 * 4).map((_, i) => [200, 0, 0, 255][i % 4]);
    const j = decodeImage(jpeg.encode({ width: 4, height: 4, data: rgba }, 95).data);
    expect([j.width, j.height]).toEqual([4, 4]);
    expect(Math.abs(j.data[0] - 200)).toBeLessThan(8);
    expect(j.data[1]).toBeLessThan(8);
  });

  it('names the file and passes on the decoder message', () => {
    expect(() => decodeImage(Buffer.from('hello'), 'a/b.png')).toThrow(/a\/b\.png: not a PNG, JPEG or WebP file \(first bytes: 68 65 6c 6c\)/);
    const png = encodePng(solid(4, 4, [1, 2, 3]), 4, 4);
    expect(() => decodeImage(png.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: cannot decode the PNG image: .+/);
  });
});

describe('imageFolder', () => {
  it('reads class folders (sorted), PNG and JPEG, skipping other files; limit goes round-robin', async () => {
    const dir = join(tmp, 'ok');
    write(join(dir, 'red', 'a.png'), encodePng(solid(8, 8, [255, 0, 0]), 8, 8));
    write(join(dir, 'red', 'b.png'), encodePng(solid(8, 8, [250, 0, 0]), 8, 8));
    write(join(dir, 'blue', 'x.JPG'), jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).map((_, i) => [0, 0, 255, 255][i % 4]) }, 100).data);
    write(join(dir, 'blue', 'notes.txt'), Buffer.from('not an image'));
    write(join(dir, 'README'), Buffer.from('loose file'));
    const all = await imageFolder(dir);
    expect(all.classes).toEqual(['blue', 'red']);
    expect(Array.from(all.labels)).toEqual([0, 1, 1]);
    expect(all.files.map((f) => f.slice(dir.length + 1))).toEqual(['blue/x.JPG', 'red/a.png', 'red/b.png']);
    expect([all.height, all.width, all.images.length]).toEqual([8, 8, 3 * 8 * 8 * 3]);
    expect(Array.from(all.images.subarray(64 * 3, 64 * 3 + 3))).toEqual([255, 0, 0]);

    const two = await imageFolder(dir, { limit: 2, classes: ['red', 'blue', 'green'] });
    expect(Array.from(two.labels)).toEqual([0, 1]);
    expect(two.classes).toEqual(['red', 'blue', 'green']);
  });

  it('errors: unknown class folder, undecodable image (path + message), mixed sizes, no images', async () => {
    const dir = join(tmp, 'bad');
    write(join(dir, 'cat', 'a.png'), encodePng(solid(4, 4, [1, 1, 1]), 4, 4));
    await expect(imageFolder(dir, { classes: ['dog'] })).rejects.toThrow(/bad\/cat is not a known class; the class list is \[dog\]/);
    write(join(dir, 'cat', 'b.png'), encodePng(solid(5, 4, [1, 1, 1]), 5, 4));
    await expect(imageFolder(dir)).rejects.toThrow(/cat\/b\.png is 5×4 but .*cat\/a\.png is 4×4/);
    write(join(dir, 'cat', 'b.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await expect(imageFolder(dir)).rejects.toThrow(/cat\/b\.png: corrupt PNG: no IHDR chunk/);
    mkdirSync(join(tmp, 'empty', 'cat'), { recursive: true });
    await expect(imageFolder(join(tmp, 'empty'))).rejects.toThrow(/no \.png\/\.jpg\/\.jpeg\/\.webp images/);
    await expect(imageFolder(join(tmp, 'nowhere'))).rejects.toThrow(/cannot read folder .*nowhere/);
  });
});

describe('ByteImageDataset and showBatch', () => {
  it('normalises per channel through its lookup table', () => {
    const ds = new ByteImageDataset(new Uint8Array([255, 0, 51, 0, 255, 102]), new Int32Array([4, 7]), [1, 1, 3], { mean: [0.5, 0, 0.1], std: [0.5, 1, 2] });
    const [x, y] = ds.getBatch(new Int32Array([1, 0]));
    expect(x.shape).toEqual([2, 1, 1, 3]);
    const v = Array.from(x.dataSync());
    [-1, 1, (0.4 - 0.1) / 2, 1, 0, (0.2 - 0.1) / 2].forEach((want, i) => expect(v[i]).toBeCloseTo(want, 6));
    expect(Array.from(y.dataSync())).toEqual([7, 4]);
    tf.dispose([x, y]);
    expect(() => ds.getBatch(new Int32Array([2]))).toThrow(/index 2 .* out of range \[0, 2\)/);
  });

  it('writes a de-normalised PNG grid with the labels as real text under the images, and disposes the batch', async () => {
    const n = 6;
    const colours: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255]];
    const bytes = new Uint8Array(n * 32 * 32 * 3);
    colours.forEach((c, k) => bytes.set(solid(32, 32, c), k * 32 * 32 * 3));
    const ds = new ByteImageDataset(bytes, Int32Array.from({ length: n }, (_, i) => i), [32, 32, 3], { mean: CIFAR10_MEAN, std: CIFAR10_STD });
    const dl = new DataLoader(ds, { bs: 4 });
    const before = tf.memory().numTensors;
    const path = join(tmp, 'grid', 'batch.png');
    const classes = ['airplane', 'automobile', 'bird', 'cat'];
    const info = await showBatch(dl, path, { classes, mean: CIFAR10_MEAN, std: CIFAR10_STD, n: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(info.n).toBe(4);
    const png = PNG.sync.read(readFileSync(path));
    expect([png.width, png.height]).toEqual([info.width, info.height]);
    // 2×2 grid of 96-pixel images with 6-pixel gaps and a 22-pixel label strip under each
    expect([png.width, png.height]).toEqual([6 + 2 * (96 + 6), 6 + 2 * (96 + 22 + 6)]);
    const px = (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    // the images pixel for pixel, de-normalised: every pixel of each cell is its solid colour
    const cell = (x0: number, y0: number, rgb: number[]): void => {
      for (let y = y0; y < y0 + 96; y += 5) for (let x = x0; x < x0 + 96; x += 5) expect(px(x, y)).toEqual(rgb);
    };
    cell(6, 6, [255, 0, 0]);
    cell(6 + 102, 6, [0, 255, 0]);
    cell(6 + 102, 6 + 124, [255, 255, 0]);
    // the label strips hold dark, anti-aliased glyphs (a font, not a bitmap): grey levels between
    // black and white, centred under the image, longer labels wider
    const strip = (x0: number, y0: number): { dark: number; grey: number; left: number; right: number } => {
      let dark = 0;
      let grey = 0;
      let left = Infinity;
      let right = -Infinity;
      for (let y = y0; y < y0 + 22; y++) {
        for (let x = x0; x < x0 + 96; x++) {
          const v = px(x, y)[0];
          if (v < 128) dark++;
          if (v > 20 && v < 235) grey++;
          if (v < 200) [left, right] = [Math.min(left, x - x0), Math.max(right, x - x0)];
        }
      }
      return { dark, grey, left, right };
    };
    const a = strip(6, 6 + 96);
    const b = strip(6 + 102, 6 + 96);
    const c = strip(6, 6 + 124 + 96);
    for (const s of [a, b, c]) {
      expect(s.dark).toBeGreaterThan(20);
      expect(s.grey).toBeGreaterThan(10);
      expect(Math.abs((s.left + s.right) / 2 - 48)).toBeLessThan(4);
    }
    expect(b.right - b.left).toBeGreaterThan(c.right - c.left); // 'automobile' vs 'bird'
  });

  it('draws from a bunch: its training loader, its normStats and its class names', async () => {
    const bytes = new Uint8Array(2 * 8 * 8 * 3);
    bytes.set(solid(8, 8, [200, 100, 50]), 0);
    bytes.set(solid(8, 8, [10, 20, 30]), 8 * 8 * 3);
    const stats = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
    const ds = new ByteImageDataset(bytes, new Int32Array([1, 0]), [8, 8, 3], stats);
    const dl = new DataLoader(ds, { bs: 2 });
    const bunch = new ImageDataBunch(dl, dl, ['dark', 'bright'], { normStats: stats });
    const path = join(tmp, 'bunch.png');
    const info = await showBatch(bunch, path, { scale: 4, title: 'A batch' });
    const png = PNG.sync.read(readFileSync(path));
    expect([png.width, png.height]).toEqual([info.width, info.height]);
    const top = 6 + 16 + 8; // the title's strip
    expect(info.height).toBe(top + 32 + 22 + 6);
    const at = (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    expect(at(6 + 16, top + 16)).toEqual([200, 100, 50]);
    expect(at(6 + 38 + 16, top + 16)).toEqual([10, 20, 30]);
  });
});
