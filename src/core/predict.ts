/** Inference over a loader, and test-time augmentation (TTA) for image models. */
import { tf } from '../backend/tf.js';
import type { Trainable } from './trainable.js';

/** A loader as `predict` needs it: batches of `[x, y]` it may dispose. */
export type BatchSource = AsyncIterable<[tf.Tensor, tf.Tensor]>;

/** Predictions for a whole loader: the model's outputs `[N, …]` and the targets `[N]`. */
export type Predictions = {
  /** The model's outputs, `[N, …]`. */
  preds: tf.Tensor;
  /** The targets, `[N]`. */
  targets: tf.Tensor;
};

/** Options of `tta`. */
export type TtaOptions = {
  /** Augmented passes averaged with the plain one (default 4, as the old fastai `TTA`). */
  nAug?: number;
  /** Shift, in pixels, of the shifted crops (default 4, CIFAR's `pad = sz // 8`). */
  pad?: number;
  /**
   * Include horizontal flips among the views (default true). False for images that are never seen
   * mirrored — Fashion-MNIST's shoes all point left, text reads one way — leaves the shifted crops.
   */
  flip?: boolean;
};

/**
 * Run `model` in eval mode over every batch of `dl` (applying `tfm` to the inputs first) and
 * return the concatenated outputs and targets; the model's training mode is restored after.
 */
export async function predict(model: Trainable & { training?: boolean }, dl: BatchSource, tfm?: (x: tf.Tensor) => tf.Tensor): Promise<Predictions> {
  const wasTraining = model.training ?? false;
  model.eval();
  const outs: tf.Tensor[] = [];
  const ys: tf.Tensor[] = [];
  try {
    for await (const [xb, yb] of dl) {
      outs.push(tf.tidy(() => model.forward(tfm ? tfm(xb) : xb)));
      ys.push(yb);
      xb.dispose();
    }
    if (!outs.length) throw new Error('predict: the loader yielded no batches');
    return { preds: tf.concat(outs), targets: tf.concat(ys) };
  } finally {
    tf.dispose([...outs, ...ys]);
    if (wasTraining) model.train();
  }
}

/**
 * The deterministic TTA views of an NHWC batch: view 0 is the image, then a horizontal flip,
 * then crops shifted by `pad` pixels (reflect-padded) in the four diagonal directions, flipped and
 * not, cycling as needed. With `flips` false: the image, then the four shifted crops, cycling.
 */
export function ttaView(x: tf.Tensor, k: number, pad: number, flips = true): tf.Tensor {
  if (x.rank !== 4) throw new Error(`tta: inputs must be images [N, H, W, C], got [${x.shape.join(', ')}]`);
  if (k === 0) return x.clone();
  const flip = flips && k % 2 === 1;
  const shiftIdx = flips ? Math.floor(k / 2) % 5 : ((k - 1) % 4) + 1; // 0: no shift, 1-4: diagonal shifts
  return tf.tidy(() => {
    let v = flip ? tf.reverse(x, 2) : x;
    if (shiftIdx > 0 && pad > 0) {
      const [, h, w] = x.shape as number[];
      const [dy, dx] = [[1, 1], [1, -1], [-1, 1], [-1, -1]][shiftIdx - 1].map((s) => pad + s * pad);
      const padded = tf.mirrorPad(v as tf.Tensor4D, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect');
      v = tf.slice(padded, [0, dy, dx, 0], [-1, h, w, -1]);
    }
    return v === x ? x.clone() : v;
  });
}

/**
 * Test-time augmentation, as the old fastai `learn.TTA()`: the mean of the softmax probabilities
 * over the plain images and `nAug` augmented views (flips and shifted crops, see `ttaView`; `flip:
 * false` for shifted crops only).
 * Returns probabilities `[N, C]` and targets.
 */
export async function tta(model: Trainable & { training?: boolean }, dl: BatchSource, opts: TtaOptions = {}): Promise<Predictions> {
  const nAug = opts.nAug ?? 4;
  const pad = opts.pad ?? 4;
  const flips = opts.flip ?? true;
  if (!Number.isInteger(nAug) || nAug < 0) throw new RangeError(`tta: nAug must be an integer >= 0, got ${nAug}`);
  let sum: tf.Tensor | null = null;
  let targets: tf.Tensor | null = null;
  for (let k = 0; k <= nAug; k++) {
    const { preds, targets: t } = await predict(model, dl, (x) => ttaView(x, k, pad, flips));
    const probs = tf.softmax(preds);
    preds.dispose();
    const next: tf.Tensor = sum ? tf.add(sum, probs) : probs;
    if (sum) {
      sum.dispose();
      probs.dispose();
    }
    sum = next;
    if (targets) t.dispose();
    else targets = t;
  }
  const mean = tf.div(sum!, nAug + 1);
  sum!.dispose();
  return { preds: mean, targets: targets! };
}
