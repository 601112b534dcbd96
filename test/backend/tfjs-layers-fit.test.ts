/**
 * The wasm training kernels for any TF.js program: stock tfjs-layers cannot train a convolution on
 * the wasm backend (no Conv2DBackpropFilter kernel, tfjs#8474); after
 * `registerWasmTrainingKernels()` from `tfai/backend`, `model.fit` trains a conv model there.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { tf, registerWasmTrainingKernels } from '../../src/backend/index.js';

/** Two classes of 12×12×1 images: a bright left half or a bright right half, plus noise. */
function images(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const left = tf.concat([tf.ones([12, 6, 1]), tf.zeros([12, 6, 1])], 1);
    const right = tf.reverse(left, 1);
    const base = tf.stack(labels.map((l) => (l === 0 ? left : right))) as tf.Tensor4D;
    const x = base.add(tf.randomNormal([n, 12, 12, 1], 0, 0.5, 'float32', seed)) as tf.Tensor4D;
    return { x, y: tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D };
  });
}

function convModel(): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 2 }) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('registerWasmTrainingKernels for tfjs-layers', () => {
  it('model.fit cannot train a conv model on stock wasm, and trains it once the kernels are registered', async () => {
    await tf.setBackend('wasm');
    const { x, y } = images(64, 7);
    const stock = convModel();
    await expect(stock.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 })).rejects.toThrow(/Conv2DBackpropFilter/);
    stock.dispose();

    registerWasmTrainingKernels();
    const model = convModel();
    const before = tf.memory().numTensors;
    const hist = await model.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0, shuffle: false });
    const loss = hist.history.loss as number[];
    const acc = hist.history.acc as number[];
    expect(loss).toHaveLength(8);
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss.at(-1)!).toBeLessThan(loss[0]! * 0.5);
    expect(acc.at(-1)!).toBeGreaterThan(0.9);
    // a second fit leaks nothing
    const mid = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(tf.memory().numTensors).toBe(mid);
    expect(mid).toBeGreaterThanOrEqual(before);
    model.dispose();
    tf.dispose([x, y]);
  });
});
