import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { makeRng, setSeed } from '../../src/core/rng.js';
import { compose, cropBatch, padCrop, randomErasing, randomFlip, TransformedDataset } from '../../src/data/augment.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `[n, h, w, c]` with value = a distinct number per element (so every move is visible). */
function ramp(n: number, h: number, w: number, c: number): tf.Tensor4D {
  return tf.range(0, n * h * w * c, 1, 'float32').reshape([n, h, w, c]) as tf.Tensor4D;
}

/** A generator replaying `vals` in a loop. */
const replay = (vals: number[]): (() => number) => {
  let i = 0;
  return () => vals[i++ % vals.length];
};

describe('randomFlip', () => {
  it('flips exactly the samples whose draw is < p, mirroring the width axis', () => {
    const x = ramp(3, 2, 4, 2);
    const y = randomFlip({ rand: replay([0.1, 0.9, 0.3]) })(x);
    const xs = x.arraySync() as number[][][][];
    const ys = y.arraySync() as number[][][][];
    expect(ys[0]).toEqual(xs[0].map((row) => [...row].reverse()));
    expect(ys[1]).toEqual(xs[1]);
    expect(ys[2]).toEqual(xs[2].map((row) => [...row].reverse()));
    tf.dispose([x, y]);
  });

  it('is reproducible with the same seed (global setSeed or makeRng) and leaks nothing', () => {
    const x = ramp(16, 4, 4, 3);
    const before = tf.memory().numTensors;
    setSeed(5);
    const a = randomFlip()(x);
    setSeed(5);
    const b = randomFlip()(x);
    const c = randomFlip({ rand: makeRng(9) })(x);
    const d = randomFlip({ rand: makeRng(9) })(x);
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(c.arraySync()).toEqual(d.arraySync());
    tf.dispose([a, b, c, d]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('padCrop', () => {
  it('cropBatch copies exact windows at the given offsets', () => {
    const x = ramp(2, 5, 6, 1);
    const y = cropBatch(x, [1, 0], [2, 3], 3, 3);
    const xs = x.arraySync() as number[][][][];
    const want = [xs[0].slice(1, 4).map((r) => r.slice(2, 5)), xs[1].slice(0, 3).map((r) => r.slice(3, 6))];
    expect(y.arraySync()).toEqual(want);
    expect(() => cropBatch(x, [3, 0], [0, 0], 3, 3)).toThrow(/window at \(3, 0\) does not fit in image 0 of 5×6/);
    tf.dispose([x, y]);
  });

  it('zeros mode: a known shift gives the image moved by (pad - offset), zeros where padded', () => {
    const x = ramp(1, 8, 8, 3).add(1); // no zeros inside the image
    // draws: top = floor(0 * 9) = 0, left = floor(0.99 * 9) = 8 → shift down by 4, left by 4
    const y = padCrop({ pad: 4, size: 8, rand: replay([0, 0.99]) })(x);
    const xs = (x.arraySync() as number[][][][])[0];
    const ys = (y.arraySync() as number[][][][])[0];
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const sr = r - 4, sc = c + 4;
        const want = sr >= 0 && sc < 8 ? xs[sr][sc] : [0, 0, 0];
        expect(ys[r][c]).toEqual(want);
      }
    }
    tf.dispose([x, y]);
  });

  it('constant mode fills the padding with value (e.g. a normalised black background); bad modes are named', () => {
    const x = tf.ones([1, 3, 3, 1]);
    // top = floor(0 * 5) = 0, left = floor(0 * 5) = 0 → the image moved down-right by 2
    const y = padCrop({ pad: 2, mode: 'constant', value: -0.81, rand: replay([0, 0]) })(x);
    const rows = (y.arraySync() as number[][][][])[0].map((r) => r.map((p) => Number(p[0].toFixed(2))));
    expect(rows).toEqual([[-0.81, -0.81, -0.81], [-0.81, -0.81, -0.81], [-0.81, -0.81, 1]]);
    expect(() => padCrop({ mode: 'edge' as 'zeros' })).toThrow(/mode must be 'zeros', 'constant' or 'reflect', got "edge"/);
    expect(() => padCrop({ mode: 'constant', value: NaN })).toThrow(/value must be a finite number/);
    tf.dispose([x, y]);
  });

  it('reflect mode mirrors without repeating the edge', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    // pad 2 horizontally needs height >= 3 for reflect; use a 3-row image
    const x3 = tf.tile(x, [1, 3, 1, 1]);
    const y = padCrop({ pad: 2, mode: 'reflect', size: [3, 8], rand: replay([0.5, 0]) })(x3);
    // top = floor(0.5 * 5) = 2 (rows back on the image), left = 0 → full padded width
    expect((y.arraySync() as number[][][][])[0][0].map((p) => p[0])).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
    tf.dispose([x, x3, y]);
  });

  it('is reproducible with the same seed, varies offsets per sample, and leaks nothing', () => {
    const x = ramp(8, 32, 32, 3);
    const before = tf.memory().numTensors;
    const a = padCrop({ rand: makeRng(1) })(x);
    const b = padCrop({ rand: makeRng(1) })(x);
    expect(a.shape).toEqual([8, 32, 32, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const c = padCrop({ rand: makeRng(2) })(x);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('compose and TransformedDataset', () => {
  it('compose frees intermediates; the dataset wrapper frees the untransformed batch', () => {
    const ds = new TensorDataset(ramp(6, 8, 8, 3), tf.tensor1d([0, 1, 0, 1, 0, 1], 'int32'));
    const aug = new TransformedDataset(ds, compose(randomFlip({ rand: makeRng(3) }), padCrop({ pad: 2, rand: makeRng(4) })));
    expect(aug.length).toBe(6);
    expect(aug.itemShape).toEqual([8, 8, 3]);
    const before = tf.memory().numTensors;
    const [x, y] = aug.getBatch(new Int32Array([0, 2, 4]));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(x.shape).toEqual([3, 8, 8, 3]);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([x, y]);
    const failing = new TransformedDataset(ds, () => {
      throw new Error('boom');
    });
    expect(() => failing.getBatch(new Int32Array([1]))).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    aug.dispose();
  });
});

describe('randomErasing', () => {
  /** The bounding box of the cells equal to `v` in an [h, w] image (null if none), and their count. */
  function erased(img: number[][][], v: number): { count: number; box: [number, number, number, number] | null } {
    let count = 0, t = Infinity, l = Infinity, b = -1, r = -1;
    img.forEach((row, y) => row.forEach((px, x) => {
      if (px.every((c) => c === v)) {
        count++;
        t = Math.min(t, y); l = Math.min(l, x); b = Math.max(b, y); r = Math.max(r, x);
      }
    }));
    return { count, box: count ? [t, l, b, r] : null };
  }

  it('fills one solid rectangle within the area range in each image drawn < p, and leaves the rest', async () => {
    setSeed(3);
    const x = tf.randomUniform([64, 20, 24, 2], 1, 2);
    const y = randomErasing({ p: 0.75, scale: [0.05, 0.3], value: -7 })(x);
    const xs = (await x.array()) as number[][][][];
    const ys = (await y.array()) as number[][][][];
    let nErased = 0;
    ys.forEach((img, i) => {
      const { count, box } = erased(img, -7);
      if (!box) {
        expect(img).toEqual(xs[i]);
        return;
      }
      nErased++;
      const [t, l, b, r] = box;
      expect(count).toBe((b - t + 1) * (r - l + 1)); // a solid rectangle
      expect(count).toBeGreaterThanOrEqual(Math.floor(0.05 * 480) - 2);
      expect(count).toBeLessThanOrEqual(Math.ceil(0.3 * 480) + 30); // rounding of h and w
      img.forEach((row, yy) => row.forEach((px, xx) => {
        if (yy < t || yy > b || xx < l || xx > r) expect(px).toEqual(xs[i][yy][xx]);
      }));
    });
    expect(nErased).toBeGreaterThan(36); // p = 0.75 of 64 images (~48)
    expect(nErased).toBeLessThan(60);
    tf.dispose([x, y]);
  });

  it('p = 0 returns an equal new tensor; same seed, same rectangles; nothing leaks', async () => {
    const x = ramp(8, 6, 6, 1);
    const before = tf.memory().numTensors;
    const same = randomErasing({ p: 0 })(x);
    expect(same).not.toBe(x);
    expect(await same.array()).toEqual(await x.array());
    const a = randomErasing({ p: 1, rand: makeRng(9) })(x);
    const b = randomErasing({ p: 1, rand: makeRng(9) })(x);
    expect(await a.array()).toEqual(await b.array());
    tf.dispose([same, a, b]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('names the parameter and its range when it is wrong', () => {
    expect(() => randomErasing({ p: 1.5 })).toThrow('randomErasing: p must be in [0, 1], got 1.5');
    expect(() => randomErasing({ scale: [0.5, 0.2] })).toThrow('randomErasing: scale must be [min, max] with 0 <= min <= max <= 1, got [0.5, 0.2]');
    expect(() => randomErasing({ ratio: [0, 2] })).toThrow(/randomErasing: ratio must be \[min, max\]/);
    expect(() => randomErasing({ value: NaN })).toThrow('randomErasing: value must be a finite number, got NaN');
    expect(() => randomErasing()(tf.zeros([4, 4]))).toThrow('randomErasing: expected an NHWC batch [N, H, W, C], got [4, 4]');
  });
});
