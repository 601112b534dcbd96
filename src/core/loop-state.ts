/**
 * The state of the fit loop that callbacks read and change (`this.run.xb`, `run.loss`,
 * `run.epoch`, …): the current batch, the position counters and the epoch's metrics. `Runner`
 * extends it with the loop itself.
 */
import type { tf } from '../backend/tf.js';
import type { Learner } from './learner.js';
import type { EpochMetrics } from './epoch-metrics.js';

/** The fields of the running fit, as `Runner` keeps them. */
export class LoopState {
  /** The learner being fitted (set by `fit`). */
  learn!: Learner;
  /** The current input batch (callbacks may replace it in `beginBatch`). */
  xb!: tf.Tensor;
  /** The current target batch. */
  yb!: tf.Tensor;
  /** The model's output for `xb`. */
  pred!: tf.Tensor;
  /** The current batch's loss (a scalar on the device). */
  loss!: tf.Scalar;
  /**
   * Gradients of the current training batch, keyed by variable name, from the backward pass to
   * the end of the batch (`afterBackward` handlers may replace them: a handler that does disposes
   * the tensors it replaces; what is here at the end of the batch is disposed by the runner).
   */
  grads: tf.NamedTensorMap = {};
  /** Epochs requested in this fit. */
  epochs = 0;
  /** Current epoch index (0-based). */
  epoch = 0;
  /** Batch index in the current loader. */
  iter = 0;
  /** Number of batches in the current loader. */
  iters = 0;
  /** Whether the current loop trains (vs validates). */
  inTrain = false;
  /** Fractional epochs of training done (kept by `TrainEvalCallback`). */
  nEpochs = 0;
  /** Training batches done in this fit (kept by `TrainEvalCallback`). */
  nIter = 0;
  /**
   * The current epoch's numbers by name (`train_loss`, `valid_accuracy`, …, `time`), complete in
   * `afterEpoch` for callbacks ordered after the ones that measure (see `EpochMetrics`).
   */
  epochMetrics: EpochMetrics = { epoch: 0 };

  /** Fraction of training done, `nEpochs / epochs` (what schedules take). */
  get pctTrain(): number {
    return this.epochs ? this.nEpochs / this.epochs : 0;
  }
}
