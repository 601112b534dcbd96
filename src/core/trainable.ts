/** What a `Learner` needs of a model and of its data: structural types, so any model or data source that has these parts fits. */
import type { tf } from '../backend/tf.js';

/** What a learner needs of a model: a forward pass, modes and parameters (tfai's `Module` fits). */
export interface Trainable {
  /** The forward pass: a batch in, predictions out. */
  forward(x: tf.Tensor): tf.Tensor;
  /** Switch to training mode (`mode` false: evaluation). */
  train(mode?: boolean): unknown;
  /** Switch to evaluation mode. */
  eval(): unknown;
  /** Every parameter (trainable or frozen). */
  parameters(): tf.Variable[];
}

/** What a learner needs of data: training and validation loaders and the number of classes. */
export interface DataSource {
  /** The training batches, `[x, y]` (`length`: batches per epoch). */
  readonly trainDl: AsyncIterable<[tf.Tensor, tf.Tensor]> & {
    /** Batches per epoch. */
    readonly length: number;
  };
  /** The validation batches, `[x, y]` (`length`: batches per epoch). */
  readonly validDl: AsyncIterable<[tf.Tensor, tf.Tensor]> & {
    /** Batches per epoch. */
    readonly length: number;
  };
  /** The number of classes (output units). */
  readonly c: number;
}
