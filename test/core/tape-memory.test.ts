import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { variableGradsOrFree } from '../../src/core/tape.js';
import { useBackend } from '../helpers/backend.js';
import { rand } from '../helpers/rand.js';

type Grads = (f: () => tf.Scalar, vars: tf.Variable[]) => { value: tf.Scalar; grads: tf.NamedTensorMap };

/** Runs one gradient computation and returns the loss, the gradients' data and the tensor count change. */
async function gradsOf(how: Grads, f: () => tf.Scalar, vars: tf.Variable[]): Promise<{ loss: number; grads: Float32Array[]; leaked: number }> {
  const before = tf.memory().numTensors;
  const { value, grads } = how(f, vars);
  const data = await Promise.all(vars.map((v) => grads[v.name]!.data() as Promise<Float32Array>));
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: data, leaked: tf.memory().numTensors - before };
}

const plain: Grads = (f, vars) => tf.variableGrads(f, vars);

describe('variableGradsOrFree releases memory during the backward pass', () => {
  const layers: tf.Variable[] = [];
  beforeAll(async () => {
    await useBackend('cpu');
    for (let i = 0; i < 8; i++) layers.push(tf.variable(tf.tensor2d(rand(128 * 128, i + 1), [128, 128]).mul(0.1), true, `tape-w${i}`));
  });

  /** An 8-layer MLP on [64, 128]; `probe` records the live bytes when the backward pass reaches the input. */
  function mlpLoss(x: tf.Tensor, onBackwardEnd: (bytes: number) => void): () => tf.Scalar {
    const probe = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        onBackwardEnd(tf.memory().numBytes);
        return [tf.clone(dy)];
      },
    }));
    return () => {
      let h = probe(tf.matMul(x, layers[0]!)) as tf.Tensor;
      for (const w of layers.slice(1)) h = tf.relu(tf.matMul(h, w));
      return tf.mean(tf.square(h)) as tf.Scalar;
    };
  }

  it('gives the same loss and gradients as tf.variableGrads, with no tensor left behind', async () => {
    const x = tf.tensor2d(rand(64 * 128, 99), [64, 128]);
    const a = await gradsOf(variableGradsOrFree, mlpLoss(x, () => {}), layers);
    const b = await gradsOf(plain, mlpLoss(x, () => {}), layers);
    x.dispose();
    expect(a.loss).toBe(b.loss);
    a.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(b.grads[i]!)));
    expect(a.leaked).toBe(0);
    expect(b.leaked).toBe(0);
  });

  it('holds much less at the end of the backward pass than tf.variableGrads (activations and gradients freed as it goes)', async () => {
    const x = tf.tensor2d(rand(64 * 128, 98), [64, 128]);
    const base = tf.memory().numBytes;
    let freed = 0;
    let kept = 0;
    await gradsOf(variableGradsOrFree, mlpLoss(x, (b) => (freed = b - base)), layers);
    await gradsOf(plain, mlpLoss(x, (b) => (kept = b - base)), layers);
    x.dispose();
    // tf.variableGrads still holds every layer's saved input and output gradient at this point
    expect(kept).toBeGreaterThan(20 * 64 * 128 * 4);
    expect(freed).toBeLessThan(0.4 * kept);
  });

  it('keeps gradients that a custom gradient passes through unchanged (the same tensor object, for two inputs)', async () => {
    const a = tf.variable(tf.tensor1d([1, 2, 3]), true, 'tape-a');
    const b = tf.variable(tf.tensor1d([4, 5, 6]), true, 'tape-b');
    // gradient: dy itself, for both inputs (so the same tensor object is two tensors' gradient)
    const passBoth = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => [dy, dy],
    }));
    const f = (): tf.Scalar => tf.sum(tf.mul(tf.square(passBoth(tf.square(a), b) as tf.Tensor), 3)) as tf.Scalar;
    const got = await gradsOf(variableGradsOrFree, f, [a, b]);
    const want = await gradsOf(plain, f, [a, b]);
    expect(got.grads.map((g) => Array.from(g))).toEqual(want.grads.map((g) => Array.from(g)));
    expect(got.leaked).toBe(0);
    tf.dispose([a, b]);
  });
});
