/**
 * One image into its batch slot: EXIF orientation (all 8), Resize's crop / pad / squish as fastai
 * (centre in validation), pad modes, RandomResizedCrop's validation crop, grey and RGBA to RGB, grey
 * output, WebP; the native and the pure-JS decoders agree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { decodeBatch, decodeBatchSync, type BatchJob } from '../../src/data/batch-decoder.js';
import { decodeImage } from '../../src/data/image-decode.js';
import type { ImageDecoder } from '../../src/data/image-decoder.js';
import { jsImageDecoder } from '../../src/data/js-image-decoder.js';
import { loadNapiDecoder } from '../../src/data/napi-image-decoder.js';
import { nodeImageDecoder } from '../../src/data/node-image-decoder.js';
import { planItem, type ItemTfmSpec } from '../../src/data/item-plan.js';
import { FlipItem, RandomResizedCrop, Resize } from '../../src/data/item-transforms.js';
import { readBytesSync } from '../../src/io/read-sync.js';
import { jpg, png, rgbImage, webp, withExifOrientation } from '../helpers/images.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const native = loadNapiDecoder() as ImageDecoder;
const RED: [number, number, number] = [250, 0, 0];
const GREEN: [number, number, number] = [0, 250, 0];
const BLUE: [number, number, number] = [0, 0, 250];
const WHITE: [number, number, number] = [250, 250, 250];

/** Decode one image through item transforms (validation unless `train`) into `h × w × c` floats. */
function item(bytes: Uint8Array, tfms: ItemTfmSpec[], opts: { train?: boolean; channels?: 1 | 3; decoder?: ImageDecoder; seed?: number } = {}): Float32Array {
  const job: BatchJob = { sources: [bytes], seeds: Uint32Array.of(opts.seed ?? 1), pipeline: { tfms, train: opts.train ?? false, channels: opts.channels ?? 3, maxPixels: 1e8 } };
  const r = decodeBatchSync(job, opts.decoder ?? native, readBytesSync);
  if (r.failed.length) throw new Error(r.failed[0].message);
  return r.x;
}

const px = (x: Float32Array, w: number, i: number, j: number, c = 3): number[] => Array.from(x.subarray((j * w + i) * c, (j * w + i) * c + c), (v) => Math.round(v * 255));
const near = (a: number[], b: readonly number[], tol = 12): boolean => a.every((v, k) => Math.abs(v - b[k]) <= tol);

describe('EXIF orientation', () => {
  // 32×16, quadrants: top-left red, top-right green, bottom-left blue, bottom-right white
  const stored = rgbImage(32, 16, (x, y) => (y < 8 ? (x < 16 ? RED : GREEN) : x < 16 ? BLUE : WHITE));
  const quadrants = [[RED, GREEN], [BLUE, WHITE]];
  /** The colour the viewer sees at viewed quadrant (qx, qy), by the EXIF definition of each value. */
  function viewed(o: number, qx: number, qy: number): readonly number[] {
    // undo the transform: which stored quadrant lands at viewed (qx, qy)
    const t = [
      [qx, qy], [1 - qx, qy], [1 - qx, 1 - qy], [qx, 1 - qy], // 1–4: as stored, mirror, 180°, flip
      [qy, qx], [qy, 1 - qx], [1 - qy, 1 - qx], [1 - qy, qx], // 5–8: transpose, 90° cw, transverse, 90° ccw
    ][o - 1];
    return quadrants[t[1]][t[0]];
  }
  for (let o = 1; o <= 8; o++) {
    it(`orientation ${o}`, () => {
      const img = decodeImage(withExifOrientation(jpg(stored, 32, 16), o), `o${o}.jpg`);
      const [w, h] = o >= 5 ? [16, 32] : [32, 16];
      expect([img.width, img.height]).toEqual([w, h]);
      for (const [qx, qy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const x = Math.floor((qx + 0.5) * (w / 2));
        const y = Math.floor((qy + 0.5) * (h / 2));
        const got = Array.from(img.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
        expect(near(got, viewed(o, qx, qy)), `quadrant (${qx}, ${qy}): ${got} vs ${viewed(o, qx, qy)}`).toBe(true);
      }
    });
  }
});

describe('Resize as fastai: crop, pad, squish', () => {
  // 40×20: left half red, right half blue
  const wide = png(rgbImage(40, 20, (x) => (x < 20 ? RED : BLUE)), 40, 20);

  it('squish: the whole image stretched', () => {
    const x = item(wide, [new Resize(10, { method: 'squish' }).spec]);
    expect(px(x, 10, 0, 5)).toEqual(RED);
    expect(px(x, 10, 9, 5)).toEqual(BLUE);
  });

  it('crop: the centre square in validation, a random one in training', () => {
    const x = item(wide, [new Resize(10).spec]);
    expect(px(x, 10, 0, 5)).toEqual(RED); // columns 10…29 of the image
    expect(px(x, 10, 9, 5)).toEqual(BLUE);
    const plan = planItem([new Resize(10).spec], 40, 20, false, Math.random);
    expect(plan.rect).toEqual({ x: 10, y: 0, w: 20, h: 20 });
    const xs = new Set<number>();
    for (let s = 0; s < 50; s++) xs.add(planItem([new Resize(10).spec], 40, 20, true, () => (s + 0.5) / 50).rect.x);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBe(19); // trunc(pct * 20) for pct < 1
  });

  it('pad: the whole image, centred, zeros / border / reflection around it', () => {
    const tall = png(rgbImage(20, 10, (_, y) => (y < 5 ? RED : BLUE)), 20, 10);
    const z = item(tall, [new Resize(20, { method: 'pad', padMode: 'zeros' }).spec]);
    expect(planItem([new Resize(20, { method: 'pad' }).spec], 20, 10, false, Math.random).rect).toEqual({ x: 0, y: -5, w: 20, h: 20 });
    expect(px(z, 20, 10, 0)).toEqual([0, 0, 0]);
    expect(px(z, 20, 10, 7)).toEqual(RED);
    expect(px(z, 20, 10, 12)).toEqual(BLUE);
    expect(px(z, 20, 10, 19)).toEqual([0, 0, 0]);
    const b = item(tall, [new Resize(20, { method: 'pad', padMode: 'border' }).spec]);
    expect(px(b, 20, 10, 0)).toEqual(RED);
    expect(px(b, 20, 10, 19)).toEqual(BLUE);
    const r = item(tall, [new Resize(20, { method: 'pad', padMode: 'reflection' }).spec]);
    // row 4 mirrors row 6 (edge row 5 not repeated); row 0 mirrors row 10 (blue)
    expect(px(r, 20, 3, 4)).toEqual(px(r, 20, 3, 6));
    expect(px(r, 20, 3, 0)).toEqual(BLUE);
  });

  it('RandomResizedCrop: in validation the centre of the image squished to size × 1.14', () => {
    const spec = new RandomResizedCrop(64).spec;
    // xtra = ceil(64 · 0.14 / 8) · 8 = 16: the centre 64/80 of each side
    expect(planItem([spec], 400, 200, false, Math.random).rect).toEqual({ x: 40, y: 20, w: 320, h: 160 });
    for (let s = 0; s < 20; s++) {
      const r = planItem([spec], 300, 200, true, Math.random).rect;
      expect(r.x >= 0 && r.y >= 0 && r.x + r.w <= 300 && r.y + r.h <= 200 && r.w * r.h >= 0.079 * 300 * 200 - 400).toBe(true);
    }
  });

  it('FlipItem mirrors training items only', () => {
    const flip = new FlipItem(1).spec;
    expect(px(item(wide, [new Resize(10, { method: 'squish' }).spec, flip], { train: true }), 10, 0, 5)).toEqual(BLUE);
    expect(px(item(wide, [new Resize(10, { method: 'squish' }).spec, flip], { train: false }), 10, 0, 5)).toEqual(RED);
  });
});

describe('colour', () => {
  it('grey and RGBA PNGs become RGB; channels 1 gives luma', async () => {
    const g = decodeImage(png(rgbImage(4, 4, () => [77, 77, 77]), 4, 4));
    expect(Array.from(g.data.subarray(0, 3))).toEqual([77, 77, 77]);
    const x = item(png(rgbImage(4, 4, () => [200, 100, 50]), 4, 4), [new Resize(4, { method: 'squish' }).spec], { channels: 1 });
    expect(x.length).toBe(16);
    expect(Math.round(x[0] * 255)).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50));
  });

  it('WebP (lossless) decodes exactly', async () => {
    const rgb = rgbImage(6, 5, (x, y) => [x * 40, y * 50, 7]);
    expect(Array.from(decodeImage(await webp(rgb, 6, 5)).data)).toEqual(Array.from(rgb));
  });
});

describe('the native and the pure-JS decoder agree', () => {
  const smooth = rgbImage(173, 131, (x, y) => [128 + 100 * Math.sin(x / 9), 128 + 100 * Math.cos(y / 7), 100 + x / 2]);
  const diff = (bytes: Uint8Array, spec: ItemTfmSpec): { mean: number; max: number } => {
    const a = item(bytes, [spec], { decoder: native });
    const b = item(bytes, [spec], { decoder: jsImageDecoder });
    let max = 0;
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]) * 255;
      max = Math.max(max, d);
      sum += d;
    }
    return { mean: sum / a.length, max };
  };

  it('resampling a whole image: the same filter (identical on PNG, JPEG decoders within 3)', () => {
    for (const spec of [new Resize([40, 56], { method: 'squish' }).spec, new Resize(48, { method: 'squish' }).spec]) {
      expect(diff(png(smooth, 173, 131), spec)).toEqual({ mean: 0, max: 0 });
      const j = diff(jpg(smooth, 173, 131, 95), spec);
      expect(j.mean).toBeLessThan(1);
      expect(j.max).toBeLessThanOrEqual(3);
    }
  });

  it('a crop: within a sub-pixel shift (native resizes the whole image, then crops, as torchvision)', () => {
    const d = diff(png(smooth, 173, 131), new Resize(48).spec);
    expect(d.mean).toBeLessThan(6);
    expect(d.max).toBeLessThan(30);
  });
});

describe('large JPEGs decode through sharp\'s shrink-on-load', () => {
  it('to the same pixels as the full decode (within 3 levels on average)', async () => {
    const rgb = rgbImage(1200, 900, (x, y) => [128 + 100 * Math.sin(x / 40), 128 + 100 * Math.cos(y / 30), (x + y) % 256]);
    const bytes = jpg(rgb, 1200, 900, 90);
    const grey = jpg(rgbImage(1200, 900, (x) => [x % 256, x % 256, x % 256]), 1200, 900, 90);
    const decoder = nodeImageDecoder();
    expect(decoder.name).toBe('@napi-rs/image, sharp for large JPEG/WebP');
    for (const b of [bytes, grey]) {
      const job: BatchJob = { sources: [b], seeds: Uint32Array.of(1), pipeline: { tfms: [new Resize(64).spec], train: false, channels: 3, maxPixels: 1e8 } };
      const viaSharp = await decodeBatch(job, decoder); // a 14× reduction: sharp
      const full = decodeBatchSync(job, decoder, readBytesSync); // synchronously: @napi-rs/image
      let sum = 0;
      for (let i = 0; i < full.x.length; i++) sum += Math.abs(viaSharp.x[i] - full.x[i]) * 255;
      expect(sum / full.x.length).toBeLessThan(3);
    }
  });
});

