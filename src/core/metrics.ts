/**
 * Metrics, kept on the device and read once per epoch by `AvgStatsCallback`. Two kinds:
 *
 * - a `MetricFn` gives a per-batch mean (accuracy, error rate, top-k accuracy); the epoch value is
 *   the batch means weighted by batch size, which is exact for a mean over samples;
 * - an `AccumMetric` gives per-batch statistics that are *summed* over the epoch (counts of true
 *   positives, sums of squared errors) and turned into the epoch value once at the end — what F1,
 *   precision, recall and RMSE need, since an average of per-batch F1 scores is not the F1 score.
 *
 * A metric's name is its epoch-metric name without the phase: `accuracy` → `valid_accuracy`,
 * `errorRate` → `valid_error_rate`, `f1Score()` → `valid_f1_score`.
 */
import { tf } from '../backend/tf.js';
import { checkInt } from './validate.js';

/** A metric: predictions and targets to a scalar averaged over the batch (its name is the function's `name`). */
export type MetricFn = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/**
 * A metric computed from statistics summed over the whole epoch on the device: `stats` gives one
 * batch's statistics (a 1-D tensor whose length depends only on the number of classes), the sums
 * are read once per epoch, and `finalize` turns them into the value(s) named by `names`.
 */
export interface AccumMetric {
  /** Base name, e.g. `f1_score`. */
  readonly name: string;
  /** The names of the values `finalize` returns, for a task with `c` classes (usually `[name]`). */
  names(c: number): string[];
  /** One batch's statistics, summed over the epoch (a 1-D float32 tensor). */
  stats(pred: tf.Tensor, target: tf.Tensor): tf.Tensor1D;
  /** The values (one per name) from the epoch's summed statistics. */
  finalize(sums: ArrayLike<number>, c: number): number[];
}

/** Either kind of metric `AvgStatsCallback` takes. */
export type Metric = MetricFn | AccumMetric;

/** Whether `m` is an `AccumMetric` (an object with `stats` and `finalize`). */
export function isAccumMetric(m: Metric): m is AccumMetric {
  return typeof m === 'object' && m !== null && typeof (m as AccumMetric).stats === 'function' && typeof (m as AccumMetric).finalize === 'function';
}

/** The epoch-metric names of `m` (without `train_` / `valid_`) for a task with `c` classes. */
export function metricNames(m: Metric, c: number): string[] {
  return isAccumMetric(m) ? m.names(c) : [m.name || 'metric'];
}

/** Give a metric function its epoch-metric name (what `AvgStatsCallback` publishes it as). */
function named<F extends MetricFn>(name: string, f: F): F {
  Object.defineProperty(f, 'name', { value: name });
  return f;
}

/** Integer class predictions of logits `[N, C]`, and the targets as int32 `[N]`. */
function classes(logits: tf.Tensor, targets: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return [tf.argMax(logits, -1), tf.cast(targets, 'int32')];
}

/** Fraction of rows of `logits` `[N, C]` whose arg-max equals the integer target. */
export function accuracy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [p, t] = classes(logits, targets);
    return tf.mean(tf.cast(tf.equal(p, t), 'float32')) as tf.Scalar;
  });
}

/** `1 - accuracy` (fastai's `error_rate`; published as `valid_error_rate`, lower is better). */
export const errorRate: MetricFn = named('error_rate', (logits: tf.Tensor, targets: tf.Tensor): tf.Scalar =>
  tf.tidy(() => {
    const [p, t] = classes(logits, targets);
    return tf.mean(tf.cast(tf.notEqual(p, t), 'float32')) as tf.Scalar;
  }),
);

/**
 * `topKAccuracy(5)`: fraction of rows whose target is among the `k` highest logits (fastai's
 * `top_k_accuracy`; published as `top_5_accuracy`). Ties at the k-th place are broken by index.
 */
export function topKAccuracy(k = 5): MetricFn {
  checkInt('topKAccuracy', 'k', k);
  return named(`top_${k}_accuracy`, (logits: tf.Tensor, targets: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const c = logits.shape.at(-1) ?? 0;
      if (k > c) throw new RangeError(`topKAccuracy(${k}): the model has only ${c} outputs`);
      const { indices } = tf.topk(logits, k);
      const hit = tf.equal(indices, tf.expandDims(tf.cast(targets, 'int32'), -1));
      return tf.mean(tf.cast(tf.any(hit, -1), 'float32')) as tf.Scalar;
    }),
  );
}

/** Regression metric from summed `[sum of f(pred - target), element count]`. */
function regression(name: string, perElement: (d: tf.Tensor) => tf.Tensor, fin: (mean: number) => number): AccumMetric {
  return {
    name,
    names: () => [name],
    stats: (pred, target) =>
      tf.tidy(() => {
        if (pred.size !== target.size) throw new RangeError(`${name}: predictions [${pred.shape.join(', ')}] and targets [${target.shape.join(', ')}] differ in size`);
        const d = tf.sub(tf.reshape(pred, [-1]), tf.cast(tf.reshape(target, [-1]), 'float32'));
        return tf.stack([tf.sum(perElement(d)), tf.scalar(d.size)]) as tf.Tensor1D;
      }),
    finalize: (s) => [s[1] > 0 ? fin(s[0] / s[1]) : NaN],
  };
}

/** Mean squared error over every element of the epoch (predictions and targets of equal size). */
export const mse: AccumMetric = regression('mse', (d) => tf.square(d), (m) => m);
/** Mean absolute error over every element of the epoch. */
export const mae: AccumMetric = regression('mae', (d) => tf.abs(d), (m) => m);
/** Root mean squared error: `sqrt` of the epoch's mean squared error (not a mean of batch RMSEs). */
export const rmse: AccumMetric = regression('rmse', (d) => tf.square(d), (m) => Math.sqrt(m));
