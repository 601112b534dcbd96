/** Shared pieces of the Fashion-MNIST examples (public API only). */
import {
  loadFashionMnist, accuracy, tf, Sequential, Conv2d, BatchNorm2d, ReLU, BasicBlock, AdaptiveAvgPool2d, Flatten, Linear,
  type ImageDataBunch, type LoadFashionMnistOptions, type Module, type Learner,
} from '../src/index.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../src/data/index.js';

/** Load Fashion-MNIST or exit with code 2 and the loader's message (which says how to install the data). */
export async function loadFashionOrExplain(opts: LoadFashionMnistOptions): Promise<ImageDataBunch> {
  try {
    return await loadFashionMnist({ ...opts, log: (m) => console.log(m) });
  } catch (e) {
    console.error(`Fashion-MNIST is not available:\n  ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}

/**
 * The recipe's residual net for 28×28×1 images: a 3×3 stem of `stem` channels at full resolution,
 * then for each width `blocks[i]` `BasicBlock`s, the first with stride 2 (28 → 14 → 7 → 4), global
 * average pooling and a linear head. Spending no block at 28×28 keeps it cheap on a CPU.
 */
export function fashionResNet(stem: number, widths: readonly number[], blocks: readonly number[], numClasses = 10): Module {
  const layers: Module[] = [new Conv2d(1, stem, 3, { padding: 1, bias: false }), new BatchNorm2d(stem), new ReLU()];
  let c = stem;
  widths.forEach((w, i) => {
    for (let j = 0; j < blocks[i]; j++) {
      layers.push(new BasicBlock(c, w, j === 0 ? 2 : 1));
      c = w;
    }
  });
  layers.push(new AdaptiveAvgPool2d(1), new Flatten(), new Linear(c, numClasses));
  return new Sequential(...layers);
}

/** Parameter count of a model. */
export function paramCount(model: Module): number {
  return model.parameters().reduce((n, p) => n + p.size, 0);
}

/**
 * Class probabilities of a trained learner on its validation set, plain and with test-time
 * augmentation: the mean softmax over the image and its 1-pixel shifts up, down, left and right
 * (background-padded; no flips, for the reason `loadFashionMnist` gives). The caller disposes the
 * three tensors.
 */
export async function shiftTtaProbs(learn: Learner<Module>): Promise<{ plain: tf.Tensor; tta: tf.Tensor; targets: tf.Tensor }> {
  const background = -FASHION_MNIST_MEAN / FASHION_MNIST_STD;
  async function* shifted(dy: number, dx: number): AsyncGenerator<[tf.Tensor, tf.Tensor]> {
    for await (const [x, y] of learn.data.validDl) {
      const v = tf.tidy(() => {
        const [, h, w] = x.shape;
        const p = tf.pad(x as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]], background);
        return tf.slice(p, [0, 1 + dy, 1 + dx, 0], [-1, h, w, -1]);
      });
      x.dispose();
      yield [v, y];
    }
  }
  const views: [number, number][] = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]];
  let sum: tf.Tensor | undefined;
  let plain: tf.Tensor | undefined;
  let targets: tf.Tensor | undefined;
  for (const [dy, dx] of views) {
    const r = await learn.predict(shifted(dy, dx));
    if (!targets) targets = r.targets;
    else r.targets.dispose();
    const probs = tf.softmax(r.preds);
    r.preds.dispose();
    if (!plain) plain = tf.clone(probs);
    if (sum) {
      const next = tf.add(sum, probs);
      tf.dispose([sum, probs]);
      sum = next;
    } else sum = probs;
  }
  const tta = tf.div(sum!, views.length);
  sum!.dispose();
  return { plain: plain!, tta, targets: targets! };
}

/** Accuracy of class probabilities against targets, read from the device. */
export async function accuracyOf(probs: tf.Tensor, targets: tf.Tensor): Promise<number> {
  const a = accuracy(probs, targets);
  const v = (await a.data())[0]!;
  a.dispose();
  return v;
}

/** Test accuracy of a trained learner, plain and with the shift TTA of `shiftTtaProbs`. */
export async function shiftTtaAccuracy(learn: Learner<Module>): Promise<{ plain: number; tta: number }> {
  const { plain, tta, targets } = await shiftTtaProbs(learn);
  try {
    return { plain: await accuracyOf(plain, targets), tta: await accuracyOf(tta, targets) };
  } finally {
    tf.dispose([plain, tta, targets]);
  }
}
