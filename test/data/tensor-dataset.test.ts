import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { TensorDataset } from '../../src/data/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TensorDataset', () => {
  it('gathers the requested rows of x and y, in the requested order', () => {
    const x = tf.tensor2d([[0, 1], [10, 11], [20, 21], [30, 31], [40, 41]]);
    const y = tf.tensor1d([0, 1, 2, 3, 4], 'int32');
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(5);
    expect(ds.itemShape).toEqual([2]);
    const [xb, yb] = ds.getBatch(Int32Array.from([3, 0, 4, 3]));
    expect(xb.shape).toEqual([4, 2]);
    expect(xb.arraySync()).toEqual([[30, 31], [0, 1], [40, 41], [30, 31]]);
    expect(yb.dtype).toBe('int32');
    expect(Array.from(yb.dataSync())).toEqual([3, 0, 4, 3]);
    xb.dispose();
    yb.dispose();
    ds.dispose();
  });

  it('gathers NHWC images along the first axis', () => {
    const x = tf.range(0, 3 * 2 * 2 * 1).reshape([3, 2, 2, 1]);
    const y = tf.tensor1d([7, 8, 9], 'int32');
    const ds = new TensorDataset(x, y);
    expect(ds.itemShape).toEqual([2, 2, 1]);
    const [xb, yb] = ds.getBatch(Int32Array.from([2]));
    expect(xb.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(xb.dataSync())).toEqual([8, 9, 10, 11]);
    expect(Array.from(yb.dataSync())).toEqual([9]);
    tf.dispose([xb, yb]);
    ds.dispose();
  });

  it('returns new tensors: disposing a batch leaves the dataset intact, and nothing else leaks', () => {
    const ds = new TensorDataset(tf.ones([4, 3]), tf.zeros([4]));
    const before = tf.memory().numTensors;
    const [xb, yb] = ds.getBatch(Int32Array.from([0, 1]));
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([xb, yb]);
    expect(tf.memory().numTensors).toBe(before);
    expect(ds.x.isDisposed).toBe(false);
    ds.dispose();
    expect(ds.x.isDisposed).toBe(true);
    expect(ds.y.isDisposed).toBe(true);
    ds.dispose(); // idempotent
  });

  it('rejects x and y of different lengths, naming both', () => {
    const x = tf.zeros([5, 2]);
    const y = tf.zeros([4]);
    expect(() => new TensorDataset(x, y)).toThrow(/x length 5.*y length 4/);
    tf.dispose([x, y]);
  });

  it('rejects out-of-range indices', () => {
    const ds = new TensorDataset(tf.zeros([3, 1]), tf.zeros([3]));
    expect(() => ds.getBatch(Int32Array.from([0, 3]))).toThrow(/index 3 .*\[0, 3\)/);
    expect(() => ds.getBatch(Int32Array.from([-1]))).toThrow(/out of range/);
    ds.dispose();
  });
});
