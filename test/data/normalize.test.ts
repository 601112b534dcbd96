import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { channelMeanStd, meanStd, normalize, normalizeTo } from '../../src/data/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('normalize', () => {
  it('subtracts a scalar mean and divides by a scalar std', () => {
    const x = tf.tensor1d([1, 3, 5]);
    const y = normalize(x, 3, 2);
    expect(Array.from(y.dataSync())).toEqual([-1, 0, 1]);
    tf.dispose([x, y]);
  });

  it('applies per-channel stats over the last (NHWC channel) axis', () => {
    const x = tf.tensor4d([1, 10, 3, 30], [1, 1, 2, 2]); // two pixels, two channels
    const y = normalize(x, [2, 20], [1, 10]);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.dataSync())).toEqual([-1, -1, 1, 1]);
    expect(() => normalize(x, [1, 2, 3], 1)).toThrow(/3 values but the last axis of x has 2 channels/);
    expect(() => normalize(x, 0, 0)).toThrow(/std must be non-zero/);
    tf.dispose([x, y]);
  });

  it('normalizeTo uses the TRAIN statistics for both tensors and leaks nothing', async () => {
    const train = tf.tensor1d([0, 2, 4, 6]);
    const valid = tf.tensor1d([3, 9]);
    const before = tf.memory().numTensors;
    const [t, v] = await normalizeTo(train, valid);
    expect(tf.memory().numTensors).toBe(before + 2);
    const { mean, std } = await meanStd(train);
    expect(mean).toBeCloseTo(3);
    expect(std).toBeCloseTo(Math.sqrt(5));
    const tStats = await meanStd(t);
    expect(tStats.mean).toBeCloseTo(0, 6);
    expect(tStats.std).toBeCloseTo(1, 6);
    const vs = Array.from(v.dataSync());
    expect(vs[0]).toBeCloseTo(0, 6);
    expect(vs[1]).toBeCloseTo(6 / Math.sqrt(5), 5);
    tf.dispose([train, valid, t, v]);
  });

  it('normalizeTo per channel gives each train channel mean 0, std 1', async () => {
    const train = tf.tensor4d([0, 100, 2, 300, 4, 500, 6, 700], [2, 2, 1, 2]);
    const valid = tf.tensor4d([3, 400], [1, 1, 1, 2]);
    const [t, v] = await normalizeTo(train, valid, { perChannel: true });
    const s = await channelMeanStd(t);
    s.mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    s.std.forEach((d) => expect(d).toBeCloseTo(1, 5));
    expect(Array.from(v.dataSync()).map((a) => Math.round(a * 1e5) / 1e5)).toEqual([0, 0]);
    tf.dispose([train, valid, t, v]);
  });
});
