/** Loss functions. */
import { tf } from '../backend/tf.js';
import { crossEntropyFused, fusedKernelsReady } from '../backend/fused-ops.js';

/** A loss: predictions and targets to a scalar. */
export type LossFunc = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/**
 * Mean softmax cross-entropy of `logits` `[N, C]` against class-index targets `[N]` (PyTorch's
 * `F.cross_entropy`). Shapes are checked with a message naming both.
 *
 * Targets may be int32 or float32; either way each must be an integer in `[0, C)`. A batch with
 * any other target (5 or -1 for C = 3, 0.5, NaN) gives a NaN loss rather than a wrong number: the
 * values cannot be checked here without reading the device every batch, and a NaN is what the
 * runner's non-finite-loss warning and `TerminateOnNaNCallback` report (the runner also checks the
 * dataset's labels and the first batch's, with a message saying what is wrong).
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2) {
    throw new Error(`crossEntropy: logits must be [N, C], got [${logits.shape.join(', ')}] — does the model end with Flatten and Linear?`);
  }
  if (targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: targets must be [${logits.shape[0]}] class indices to match logits [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
  }
  if (logits.dtype === 'float32' && (targets.dtype === 'int32' || targets.dtype === 'float32') && fusedKernelsReady()) {
    return crossEntropyFused(logits, targets); // one kernel forward, one backward
  }
  return tf.tidy(() => {
    const c = logits.shape[1] as number;
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const idx = tf.cast(targets, 'int32') as tf.Tensor1D;
    let onehot = tf.oneHot(idx, c);
    // A float target that is not an integer (0.5, NaN, ±Inf) gets an all-zero one-hot row too.
    if (targets.dtype !== 'int32') onehot = tf.mul(onehot, tf.expandDims(tf.cast(tf.equal(tf.cast(idx, targets.dtype), targets), 'float32'), 1));
    // Each row's log-probability divided by its one-hot row's sum: 1 for a target in [0, C), which
    // leaves the value exact; 0 for any other (an all-zero row), giving 0 / 0 = NaN.
    return tf.neg(tf.mean(tf.div(tf.sum(tf.mul(onehot, logp), -1), tf.sum(onehot, -1)))) as tf.Scalar;
  });
}

/**
 * `labelSmoothingCrossEntropy(eps = 0.1)`: cross-entropy against targets smoothed towards the
 * uniform distribution — `(1 − eps) · crossEntropy + eps · mean over classes of −log p` — as
 * fastai's `LabelSmoothingCrossEntropy` and PyTorch's `F.cross_entropy(…, label_smoothing=eps)`.
 * Shapes and targets are checked as `crossEntropy` does (an invalid target gives a NaN loss).
 * @throws RangeError if `eps` is not in [0, 1).
 */
export function labelSmoothingCrossEntropy(eps = 0.1): LossFunc {
  if (!(eps >= 0 && eps < 1)) throw new RangeError(`labelSmoothingCrossEntropy: eps must be in [0, 1), got ${eps}`);
  return (logits, targets) => {
    if (eps === 0) return crossEntropy(logits, targets);
    return tf.tidy(() => {
      const nll = crossEntropy(logits, targets);
      const smooth = tf.neg(tf.mean(tf.logSoftmax(logits as tf.Tensor2D)));
      return tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps)) as tf.Scalar;
    });
  };
}

/**
 * What a loss function returned, checked: a scalar tensor, or a `TypeError` (`rule` then what it
 * was: a JS number, a per-sample `[N]` tensor, …) — gradients flow only through a scalar tensor.
 */
export function checkLossValue(value: unknown, rule = 'the loss must return a scalar tensor: lossFunc returned'): tf.Scalar {
  if (value instanceof tf.Tensor && value.rank === 0) return value as tf.Scalar;
  const what =
    value instanceof tf.Tensor
      ? `a [${value.shape.join(', ')}] tensor (reduce it to one number on the device, e.g. with tf.mean)`
      : typeof value === 'number'
        ? `the JS number ${value} (compute the loss with tf ops on pred and target, so that gradients flow, and return the tensor)`
        : `${value === null ? 'null' : typeof value} (a loss function returns the batch's mean loss as a scalar tensor)`;
  throw new TypeError(`${rule} ${what}`);
}
