/** Loss functions. */
import { tf } from '../backend/tf.js';

/** A loss: predictions and targets to a scalar. */
export type LossFunc = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/**
 * Mean softmax cross-entropy of `logits` `[N, C]` against integer class targets `[N]`
 * (PyTorch's `F.cross_entropy`). Shapes are checked with a message naming both.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2) {
    throw new Error(`crossEntropy: logits must be [N, C], got [${logits.shape.join(', ')}] — does the model end with Flatten and Linear?`);
  }
  if (targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: targets must be [${logits.shape[0]}] class indices to match logits [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const c = logits.shape[1] as number;
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const onehot = tf.oneHot(tf.cast(targets, 'int32') as tf.Tensor1D, c);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), -1))) as tf.Scalar;
  });
}
