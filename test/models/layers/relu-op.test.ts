import { describe, expect, it } from 'vitest';
import { tf, ReLU } from '../../../src/index.js';
import { relu } from '../../../src/models/layers/relu-op.js';
import { setParallelThreshold } from '../../../src/backend/wasm/pool.js';
import { useBackend } from '../../helpers/backend.js';
import { rand } from '../../helpers/rand.js';

describe.each(['cpu', 'wasm'] as const)('relu keeping its output (%s)', (backend) => {
  it('has the same value and gradient as tf.relu, zeros and NaN included', async () => {
    await useBackend(backend);
    const vals = Array.from(rand(1000, 3));
    vals.splice(0, 4, 0, -0, NaN, 1e-30);
    const x = tf.tensor2d(vals, [40, 25]);
    const dy = tf.tensor2d(Array.from(rand(1000, 4)), [40, 25]);
    const mine = tf.grad((v: tf.Tensor) => tf.mul(relu(v), dy).sum())(x);
    const theirs = tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dy).sum())(x);
    expect(await relu(x).data()).toEqual(await tf.relu(x).data());
    expect(await mine.data()).toEqual(await theirs.data());
    const i32 = tf.tensor1d([-2, 0, 3], 'int32');
    expect(Array.from(await relu(i32).data())).toEqual([0, 0, 3]);
    tf.dispose([x, dy, mine, theirs, i32]);
  });

  it('gives the same gradient bits in blocks split across the kernel pool (odd size, special values in the tail)', async () => {
    await useBackend(backend);
    const n = 40003; // three blocks of the wasm kernel, the last one ending in a scalar tail
    const vals = Array.from(rand(n, 7));
    vals.splice(n - 5, 5, 0, -0, NaN, Infinity, -Infinity);
    vals.splice(16382, 4, NaN, -0, Infinity, 1e-30); // across the first block's end
    const x = tf.tensor1d(vals);
    const dy = tf.tensor1d(Array.from(rand(n, 8)));
    const theirs = tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dy).sum())(x);
    const want = await theirs.data();
    for (const threshold of [Infinity, 0]) {
      setParallelThreshold(threshold);
      const mine = tf.grad((v: tf.Tensor) => tf.mul(relu(v), dy).sum())(x);
      expect(await mine.data(), `threshold ${threshold}`).toEqual(want);
      mine.dispose();
    }
    setParallelThreshold();
    tf.dispose([x, dy, theirs]);
  });

  it('keeps no copy of its input for the backward pass (tf.relu keeps one)', async () => {
    await useBackend(backend);
    const w = tf.variable(tf.tensor2d(Array.from(rand(256 * 256, 5)), [256, 256]), true);
    const x = tf.tensor2d(Array.from(rand(64 * 256, 6)), [64, 256]);
    /**
     * Buffers still held after the forward pass, once the pre-activation tensor is disposed (data
     * ids, not tensors: a tensor saved for the backward pass is a clone sharing its buffer).
     */
    const heldAfterForward = (act: (t: tf.Tensor) => tf.Tensor): number => {
      let held = 0;
      const { value, grads } = tf.variableGrads(() => {
        const before = tf.backend().numDataIds();
        const h = tf.matMul(x, w);
        const y = act(h);
        h.dispose();
        held = tf.backend().numDataIds() - before;
        return tf.mean(y) as tf.Scalar;
      }, [w]);
      tf.dispose([value, ...Object.values(grads)]);
      return held;
    };
    expect(heldAfterForward(tf.relu)).toBe(2); // the output, and the input kept for the backward pass
    expect(heldAfterForward(relu)).toBe(1); // the output only (saved and returned: one buffer)
    const layer = new ReLU();
    expect(heldAfterForward((t) => layer.forward(t))).toBe(1);
    tf.dispose([w, x]);
  });
});
