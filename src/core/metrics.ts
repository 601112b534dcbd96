/** Metrics: scalars kept on the device (read once per epoch by `AvgStatsCallback`). */
import { tf } from '../backend/tf.js';

/** A metric: predictions and targets to a scalar averaged over the batch. */
export type Metric = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/** Fraction of rows of `logits` `[N, C]` whose arg-max equals the integer target. */
export function accuracy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(targets, 'int32')), 'float32')) as tf.Scalar);
}
