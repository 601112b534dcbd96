/**
 * Run by the browser unit suite only: the image pipeline in a page — the browser's decoder reads a
 * PNG pixel for pixel and crops and resizes as asked, and `ImageDataBunch` trains from a user's
 * `File`s (`fromFiles`, labels from their folders) and from the page's own files (`fromFolder`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/init-backend.js';
import { tf, Runner, AvgStatsCallback, Learner, Sequential, Conv2d, ReLU, AdaptiveAvgPool2d, Flatten, Linear, crossEntropy, sgd, accuracy, setSeed } from '../../src/index.js';
import { ImageDataBunch } from '../../src/data/image-data-bunch.js';
import { canvasImageDecoder } from '../../src/data/canvas-image-decoder.js';
import { readImageHeader } from '../../src/data/image-header.js';
import { encodePngStored } from '../../src/data/png-stored.js';
import * as fs from '../../src/platform/fs.js';

/** A `w × h` PNG of one colour with a little noise, as a browser makes it. */
async function png(w: number, h: number, rgb: [number, number, number], seed: number): Promise<Blob> {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  let s = seed;
  for (let i = 0; i < w * h; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = (s >>> 24) % 40;
    img.data.set([Math.min(255, rgb[0] + n), Math.min(255, rgb[1] + n), Math.min(255, rgb[2] + n), 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return c.convertToBlob({ type: 'image/png' });
}

/** A small convnet for 3-channel images. */
function net(): Sequential {
  return new Sequential(new Conv2d(3, 8, 3, { stride: 2, padding: 1 }), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 2));
}

describe('images in a page', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => {} });
  });

  it("the browser's decoder reads a PNG pixel for pixel, and crops and resizes", async () => {
    const data = Uint8Array.from({ length: 4 * 3 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const bytes = encodePngStored(data, 4, 3);
    const header = readImageHeader(bytes, 'x.png');
    const whole = await canvasImageDecoder.decodeRegion(bytes, header, { x: 0, y: 0, w: 4, h: 3 }, 4, 3);
    expect(Array.from(whole)).toEqual(Array.from(data));
    const crop = await canvasImageDecoder.decodeRegion(bytes, header, { x: 1, y: 1, w: 2, h: 1 }, 2, 1);
    expect(Array.from(crop)).toEqual(Array.from(data.subarray(4 * 5, 4 * 7)));
    const small = await canvasImageDecoder.decodeRegion(bytes, header, { x: 0, y: 0, w: 4, h: 3 }, 2, 2);
    expect(small.length).toBe(2 * 2 * 4);
  });

  it('ImageDataBunch.fromFiles: labels from the files’ folders, a random validation split, and a model that learns them', async () => {
    setSeed(1);
    const files: File[] = [];
    for (let i = 0; i < 24; i++) {
      for (const [cls, rgb] of [['red', [200, 20, 20]], ['blue', [20, 20, 200]]] as const) {
        const f = new File([await png(20 + (i % 5), 16 + (i % 3), [...rgb], i)], `${cls}-${i}.png`, { type: 'image/png' });
        Object.defineProperty(f, 'webkitRelativePath', { value: `colours/${cls}/${cls}-${i}.png` });
        files.push(f);
      }
    }
    files.push(new File(['not an image'], 'notes.txt'));
    const data = ImageDataBunch.fromFiles(files, { size: 16, bs: 8, seed: 2 });
    expect(data.classes).toEqual(['blue', 'red']);
    expect(data.trainDl.nItems + data.validDl.nItems).toBe(48);
    expect(data.validDl.nItems).toBe(9);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats], log: () => {} }).fit(3, new Learner({ model: net(), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 }));
    expect(stats.history.at(-1)!.valid[1]).toBe(1);
  });

  it('ImageDataBunch.fromFolder reads the page’s own files (train/ and valid/ folders)', async () => {
    await fs.rm('/images-test', { recursive: true, force: true });
    for (const split of ['train', 'valid']) {
      for (const [cls, rgb] of [['red', [200, 20, 20]], ['blue', [20, 20, 200]]] as const) {
        await fs.mkdir(`/images-test/${split}/${cls}`, { recursive: true });
        for (let i = 0; i < (split === 'train' ? 6 : 2); i++) await fs.writeFile(`/images-test/${split}/${cls}/${i}.png`, new Uint8Array(await (await png(18, 18, [...rgb], i)).arrayBuffer()));
      }
    }
    const data = await ImageDataBunch.fromFolder('/images-test', { size: 16, bs: 4 });
    expect([data.trainDl.nItems, data.validDl.nItems]).toEqual([12, 4]);
    const it = data.validDl[Symbol.asyncIterator]();
    const first = await it.next();
    const [x, y] = first.value as [tf.Tensor, tf.Tensor];
    expect(x.shape).toEqual([4, 16, 16, 3]);
    expect(Array.from(await y.data())).toEqual([0, 0, 1, 1]);
    tf.dispose([x, y]);
    await it.return?.();
    await fs.rm('/images-test', { recursive: true });
  });
});
