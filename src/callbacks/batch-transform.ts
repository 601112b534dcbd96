/** Per-batch input transforms, as the course's `BatchTransformXCallback`. */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';

/** A transform of an input batch. */
export type BatchTfm = (xb: tf.Tensor) => tf.Tensor;

/**
 * `new BatchTransformXCallback(tfm)` replaces `run.xb` by `tfm(run.xb)` at the start of every
 * batch (the old batch is released).
 */
export class BatchTransformXCallback extends Callback {
  override order = 2;
  constructor(
    /** The transform applied to every input batch. */
    readonly tfm: BatchTfm,
  ) {
    super();
  }

  override beginBatch(): void {
    const old = this.run.xb;
    const next = tf.tidy(() => this.tfm(old));
    if (next !== old) old.dispose();
    this.run.xb = next;
  }
}

/** `viewTfm(28, 28, 1)`: reshape each batch to `[-1, ...shape]` (the course's `view_tfm`; NHWC here). */
export function viewTfm(...shape: number[]): BatchTfm {
  return (x) => tf.reshape(x, [-1, ...shape]);
}
