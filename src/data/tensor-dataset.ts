/**
 * `TensorDataset`: whole `x` and `y` arrays kept on the device; a batch is a `tf.gather` of rows.
 */
import { tf } from '../backend/tf.js';
import type { Dataset } from './dataset.js';

/**
 * A dataset backed by two tensors whose first axis indexes the items (`x[i]` pairs with `y[i]`).
 *
 * The dataset takes ownership of `x` and `y`: `dispose()` frees them. Batches are gathered copies,
 * so the caller may dispose a batch without affecting the dataset.
 */
export class TensorDataset implements Dataset {
  /** The inputs, items along axis 0. */
  readonly x: tf.Tensor;
  /** The targets, items along axis 0. */
  readonly y: tf.Tensor;
  private disposed = false;

  /**
   * @param x inputs, shape `[n, ...]`
   * @param y targets, shape `[n, ...]` (for class labels usually int32 `[n]`)
   * @throws Error if `x` and `y` disagree on their first dimension, or either is a scalar.
   */
  constructor(x: tf.Tensor, y: tf.Tensor) {
    if (x.rank === 0 || y.rank === 0) {
      throw new Error(
        `TensorDataset: x and y must have a first (item) axis; got x shape [${x.shape.join(', ')}], ` +
          `y shape [${y.shape.join(', ')}]`,
      );
    }
    if (x.shape[0] !== y.shape[0]) {
      throw new Error(
        `TensorDataset: x and y must have the same length along axis 0; got x length ${x.shape[0]} ` +
          `(shape [${x.shape.join(', ')}]) and y length ${y.shape[0]} (shape [${y.shape.join(', ')}])`,
      );
    }
    this.x = x;
    this.y = y;
  }

  /** Number of items (`x.shape[0]`). */
  get length(): number {
    return this.x.shape[0];
  }

  /** Shape of one input item: `x.shape` without the first axis. */
  get itemShape(): readonly number[] {
    return this.x.shape.slice(1);
  }

  /**
   * Gather the rows at `indices` from `x` and `y`. The returned tensors are new and owned by the
   * caller; the temporary index tensor is disposed here.
   * @throws RangeError if an index is outside `[0, length)`; Error if the dataset was disposed.
   */
  getBatch(indices: Int32Array): [tf.Tensor, tf.Tensor] {
    if (this.disposed) throw new Error('TensorDataset.getBatch: the dataset has been disposed');
    const n = this.length;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (k < 0 || k >= n) {
        throw new RangeError(
          `TensorDataset.getBatch: index ${k} (at position ${i}) is out of range; must be in [0, ${n})`,
        );
      }
    }
    const idx = tf.tensor1d(indices, 'int32');
    try {
      const xb = tf.gather(this.x, idx);
      const yb = tf.gather(this.y, idx);
      return [xb, yb];
    } finally {
      idx.dispose();
    }
  }

  /** Free `x` and `y`. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.x.dispose();
    if (this.y !== this.x) this.y.dispose();
  }
}
