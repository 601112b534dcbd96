/**
 * The dataset contract every loader in tfai consumes: something with a length that can hand out a
 * batch of `(x, y)` tensors for a list of item indices.
 */
import type { tf } from '../backend/tf.js';

/**
 * A random-access collection of `(x, y)` items that produces whole batches at once.
 *
 * `getBatch` returns NEW tensors owned by the caller: the training loop disposes them after each
 * batch, so an implementation must never hand out tensors it keeps a reference to.
 */
export interface Dataset {
  /** Number of items. */
  readonly length: number;
  /**
   * Stack the items at `indices` (each in `[0, length)`) into `[x, y]`, batch axis first.
   * The returned tensors are new and belong to the caller.
   */
  getBatch(indices: Int32Array): [tf.Tensor, tf.Tensor];
  /**
   * Optional: the shape of one input item (x without its batch axis), e.g. `[28, 28, 1]` for NHWC
   * images or `[784]` for flat vectors. `DataBunch` uses it to infer `cIn` when it is cheap to know.
   */
  readonly itemShape?: readonly number[];
  /** Optional: free whatever the dataset holds (tensors on the device, buffers). */
  dispose?(): void;
}
