/**
 * `augTransforms`: fastai's batch augmentation on the device — flips that are exact mirrors, a
 * rotation that is the rotation, warps that move the corners where asked, lighting that stays in
 * (0, 1), the same result for the same seed, and no tensor left behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { makeRng } from '../../src/core/rng.js';
import { augTransforms, homography } from '../../src/data/batch-augment.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 6, H = 9, W = 9, C = 3;
const input = (): tf.Tensor4D => tf.tensor4d(Float32Array.from({ length: N * H * W * C }, (_, i) => ((i * 37) % 101) / 101), [N, H, W, C]);
const none = { doFlip: false, maxRotate: 0, maxZoom: 1, maxWarp: 0, maxLighting: 0 };

async function apply(x: tf.Tensor, opts: Parameters<typeof augTransforms>[0]): Promise<Float32Array> {
  let y = x;
  for (const f of augTransforms(opts)) {
    const next = f(y);
    if (y !== x) y.dispose();
    y = next;
  }
  const out = (await y.data()) as Float32Array;
  if (y !== x) y.dispose();
  return out;
}

describe('augTransforms', () => {
  it('flip: each image is itself or its exact mirror, about half of them mirrored', async () => {
    const x = input();
    const xs = (await x.data()) as Float32Array;
    const mirrored = (await tf.reverse(x, 2).data()) as Float32Array;
    const out = await apply(x, { ...none, doFlip: true, rand: makeRng(1) });
    const size = H * W * C;
    let flips = 0;
    for (let i = 0; i < N; i++) {
      const o = Array.from(out.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 1e4));
      const same = o.join() === Array.from(xs.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 1e4)).join();
      const flip = o.join() === Array.from(mirrored.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 1e4)).join();
      expect(same || flip).toBe(true);
      if (flip) flips++;
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(N);
    x.dispose();
  });

  it('a 90° rotation is the rotation (bottom-left corner to top-left, as fastai\'s matrix)', async () => {
    const x = input();
    const xs = (await x.data()) as Float32Array;
    // rotation angle = (2u − 1)·maxRotate: u = 0.75 with maxRotate 180 gives 90°
    const out = await apply(x, { ...none, maxRotate: 180, pAffine: 1, rand: () => 0.75 });
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      const got = out[((0 * H + i) * W + j) * C];
      const want = xs[((0 * H + (H - 1 - j)) * W + i) * C];
      expect(got).toBeCloseTo(want, 4);
    }
    x.dispose();
  });

  it('homography moves the four corners where asked', () => {
    const from: [number, number][] = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
    const to: [number, number][] = [[-1.2, -0.9], [-0.8, 1.1], [1.1, -1.1], [0.9, 0.8]];
    const m = homography(from, to);
    for (let k = 0; k < 4; k++) {
      const [x, y] = from[k];
      const d = m[6] * x + m[7] * y + m[8];
      expect((m[0] * x + m[1] * y + m[2]) / d).toBeCloseTo(to[k][0], 9);
      expect((m[3] * x + m[4] * y + m[5]) / d).toBeCloseTo(to[k][1], 9);
    }
  });

  it('the defaults: the same numbers for the same seed, others for another; lighting within (0, 1)', async () => {
    const x = input();
    const a = await apply(x, { rand: makeRng(5) });
    const b = await apply(x, { rand: makeRng(5) });
    const c = await apply(x, { rand: makeRng(6) });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(a.every((v) => v > 0 && v < 1)).toBe(true);
    x.dispose();
  });

  it('without lighting draws (pLighting 0) the values stay (logit and back)', async () => {
    const x = input();
    const xs = (await x.data()) as Float32Array;
    const out = await apply(x, { ...none, maxLighting: 0.2, pLighting: 0 });
    out.forEach((v, i) => expect(Math.abs(v - Math.min(1 - 1e-6, Math.max(1e-6, xs[i])))).toBeLessThan(1e-5));
    x.dispose();
  });

  it('leaves no tensor behind and refuses options out of range, naming them', async () => {
    const x = input();
    const before = tf.memory().numTensors;
    await apply(x, { rand: makeRng(2) });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(() => augTransforms({ maxLighting: 1 })).toThrow(/maxLighting must be in \[0, 0\.99\], got 1/);
    expect(() => augTransforms({ minZoom: 1.2, maxZoom: 1.1 })).toThrow(/minZoom 1\.2 is larger than maxZoom 1\.1/);
    expect(() => augTransforms({ pAffine: 2 })).toThrow(/pAffine must be in \[0, 1\]/);
    expect(() => augTransforms()[0](tf.zeros([2, 2]))).toThrow(/expected an NHWC batch/);
  });
});
