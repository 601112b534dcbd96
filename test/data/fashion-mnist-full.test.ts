/**
 * Real data at full scale: the 70,000 Fashion-MNIST images from Debian's `dataset-fashion-mnist`
 * (CI installs it; see .ci/run), and one epoch of the course's BatchNorm convnet on all 60,000
 * training images. The `fashion-mnist` system suite: skipped, with a closing line, without the package.
 */
import { expect, it } from 'vitest';
import {
  tf, setSeed, loadFashionMnist, getCnnModel, convLayer, initCnn, Learner, Runner, Callback, AvgStatsCallback,
  ParamScheduler, combineScheds, schedLin, accuracy, crossEntropy, sgd,
} from '../../src/index.js';
import { loadFashionMnistArrays, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../../src/data/index.js';
import { useBackend } from '../helpers/backend.js';
import { describeSuite } from '../helpers/suites.js';

/**
 * Lowest test accuracy accepted after the one epoch. Measured on wasm with seeds 1–10: 0.846–0.872
 * (seed 1, used here: 0.872; nine of ten seeds 0.860–0.872); the floor leaves ≈2.5 points below the worst seed.
 */
const ACCURACY_FLOOR = 0.82;

describeSuite('fashion-mnist', 'Fashion-MNIST from dataset-fashion-mnist', () => {
  it('loadFashionMnist() finds the Debian folder by itself: 60,000 / 10,000 images, 6,000 / 1,000 per class', async () => {
    const arr = await loadFashionMnistArrays({ download: false });
    expect(arr.dir).toBe(FASHION_MNIST_DEBIAN_DIR);
    expect(arr.train.labels.length).toBe(60000);
    expect(arr.test.labels.length).toBe(10000);
    expect(arr.train.images.length).toBe(60000 * 784);
    const count = (labels: Int32Array): number[] => labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));
    expect(count(arr.train.labels)).toEqual(new Array(10).fill(6000));
    expect(count(arr.test.labels)).toEqual(new Array(10).fill(1000));
    let sum = 0;
    let sq = 0;
    for (const b of arr.train.images) {
      sum += b / 255;
      sq += (b / 255) ** 2;
    }
    const mean = sum / arr.train.images.length;
    expect(mean).toBeCloseTo(FASHION_MNIST_MEAN, 3);
    expect(Math.sqrt(sq / arr.train.images.length - mean * mean)).toBeCloseTo(FASHION_MNIST_STD, 3);
  });

  it(`one epoch of the course's BatchNorm convnet on all 60,000 images reaches test accuracy >= ${ACCURACY_FLOOR}, tensor count flat`, async () => {
    await useBackend('wasm');
    setSeed(1);
    const data = await loadFashionMnist({ bs: 512, seed: 1, download: false });
    const before = tf.memory().numTensors;
    const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
    initCnn(model);
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.4 });
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const counts: number[] = [];
    class CountTensors extends Callback {
      override order = 100;
      override afterBatch(): void {
        if (this.run.inTrain) counts.push(tf.memory().numTensors);
      }
    }
    const sched = combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]);
    await new Runner({ cbs: [stats, new ParamScheduler('lr', sched), new CountTensors()] }).fit(1, learn);
    const [h] = stats.history;
    expect(counts).toHaveLength(118); // ceil(60000 / 512) training batches
    // after the optimizer's state exists (first step), every batch ends with the same number of tensors
    expect(new Set(counts.slice(2)), `tensor counts per batch: ${counts.join(', ')}`).toEqual(new Set([counts[2]]));
    expect(h.valid[1], `test accuracy ${h.valid[1]} (train loss ${h.train[0]}, test loss ${h.valid[0]})`).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
    expect(h.valid[0]).toBeLessThan(0.5);
    model.dispose();
    learn.opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  }, 300_000);
});
