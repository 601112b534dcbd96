/**
 * The runner's watch for a non-finite training loss when no callback stops on one. It keeps one
 * small tensor on the device, `[batches, index, value]`: how many training losses it has seen since
 * the last check, and the index and value of the first non-finite one (index -1 while there is
 * none), updated by a few tiny ops per training batch from constants made once per fit — no
 * upload, no read, and the same number of tensors after every batch. At the end of each epoch it
 * reads that tensor once (asynchronously) and logs one warning naming the first NaN or ±Infinity
 * loss of the fit. Training goes on; `TerminateOnNaNCallback` is the way to stop. It is off when a
 * callback says it watches the loss itself (`watchesLoss`: TerminateOnNaN, LRFinder).
 */
import { tf } from '../backend/tf.js';

/** Where a watched loss came from. */
type Where = { epoch: number; iter: number };

/** See the file comment. One per runner; `begin()` at every fit. */
export class NonFiniteLossWatch {
  /** `[batches seen, index of the first non-finite loss or -1, its value]` since the last check. */
  private state: tf.Tensor1D | null = null;
  private consts: { zero: tf.Scalar; one: tf.Scalar } | null = null;
  private where: Where[] = [];
  private warned = false;
  private on = true;

  constructor(private readonly log: (line: string) => void) {}

  /** A new fit: forget everything, warn again; `on: false` when a callback watches the loss itself. */
  begin(on: boolean): void {
    this.drop();
    this.warned = false;
    this.on = on;
  }

  /** Note training batch `iter` of `epoch`'s loss until the next `check` (no read). */
  add(loss: tf.Tensor, epoch: number, iter: number): void {
    if (!this.on || this.warned || loss.isDisposed) return;
    this.consts ??= { zero: tf.scalar(0), one: tf.scalar(1) };
    this.state ??= tf.tensor1d([0, -1, 0]);
    this.where.push({ epoch, iter });
    const { zero, one } = this.consts;
    const prev = this.state;
    this.state = tf.tidy(() => {
      const value = tf.reshape(tf.mean(tf.cast(loss, 'float32')), [1]);
      const [seen, first, firstValue] = tf.split(prev, 3);
      // x - x is NaN exactly when x is NaN or ±Infinity, and NaN != 0
      const take = tf.logicalAnd(tf.less(first, zero), tf.notEqual(tf.sub(value, value), zero));
      return tf.concat([tf.add(seen, one), tf.where(take, seen, first), tf.where(take, value, firstValue)]) as tf.Tensor1D;
    });
    prev.dispose();
  }

  /** Read the first non-finite loss since the last check (one read) and warn about it. */
  async check(): Promise<void> {
    const state = this.state;
    const where = this.where;
    this.state = null;
    this.where = [];
    if (!state) return;
    try {
      const [, index, value] = await state.data();
      if (index >= 0 && !this.warned) {
        this.warned = true;
        const { epoch, iter } = where[index];
        this.log(`tfai: warning: the training loss is ${value} at training batch ${iter} of epoch ${epoch} (0-based), the first non-finite loss of this fit; training goes on (add a TerminateOnNaNCallback to stop there; a lower learning rate or checked inputs often help)`);
      }
    } finally {
      state.dispose();
    }
  }

  /** Free what is kept (the fit ended). */
  drop(): void {
    this.state?.dispose();
    this.state = null;
    if (this.consts) tf.dispose([this.consts.zero, this.consts.one]);
    this.consts = null;
    this.where = [];
  }
}
