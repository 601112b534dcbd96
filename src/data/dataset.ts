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
   * The returned tensors are new and belong to the caller. `seed` (from the loader: the same for
   * the same batch of the same epoch, however the batches are fetched) drives per-item random
   * transforms, for datasets that have them.
   */
  getBatch(indices: Int32Array, seed?: number): [tf.Tensor, tf.Tensor];
  /**
   * Optional: prepare the batch of `indices` asynchronously (files read and decoded off the
   * training thread); resolves to a function that makes the batch's tensors when it is consumed, so
   * no tensor exists for batches still waiting. A `DataLoader` iterated with `for await` uses it
   * and keeps `prefetch` batches in preparation ahead of the one in use.
   */
  prepareBatch?(indices: Int32Array, seed: number): Promise<() => [tf.Tensor, tf.Tensor]>;
  /** Optional: how many batches a loader prepares ahead with `prepareBatch` (default 2). */
  readonly prefetch?: number;
  /**
   * Optional: the shape of one input item (x without its batch axis), e.g. `[28, 28, 1]` for NHWC
   * images or `[784]` for flat vectors. `DataBunch` uses it to infer `cIn` when it is cheap to know.
   */
  readonly itemShape?: readonly number[];
  /** Optional: free whatever the dataset holds (tensors on the device, buffers). */
  dispose?(): void;
}
