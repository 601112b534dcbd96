/**
 * The runner's watch for a non-finite training loss when no callback stops on one. It keeps one
 * small tensor on the device, `[index, value]` of the first non-finite loss since the last check
 * (index -1 while there is none), updated by a few tiny ops per training batch: no copy of data,
 * no read, and the same number of tensors after every batch. At the end of each epoch it reads
 * that tensor once (asynchronously) and logs one warning naming the first NaN or ±Infinity loss
 * of the fit. Training goes on; `TerminateOnNaNCallback` is the way to stop. It is off when a
 * callback says it watches the loss itself (`watchesLoss`: TerminateOnNaN, LRFinder).
 */
import { tf } from '../backend/tf.js';

/** Where a watched loss came from. */
type Where = { epoch: number; iter: number };

/** See the file comment. One per runner; `begin()` at every fit. */
export class NonFiniteLossWatch {
  /** `[index into where, loss]` of the first non-finite loss since the last check, or `[-1, 0]`. */
  private first: tf.Tensor1D | null = null;
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
    const index = this.where.length;
    this.where.push({ epoch, iter });
    const prev = this.first;
    const next = tf.tidy(() => {
      const value = tf.reshape(tf.mean(tf.cast(loss, 'float32')), [1]);
      const before = prev ?? tf.tensor1d([-1, 0]);
      // x - x is NaN exactly when x is NaN or ±Infinity, and NaN != 0
      const bad = tf.notEqual(tf.sub(value, value), 0);
      const take = tf.logicalAnd(tf.less(tf.slice(before, 0, 1), 0), bad);
      return tf.where(tf.tile(take, [2]), tf.concat([tf.tensor1d([index]), value]), before) as tf.Tensor1D;
    });
    prev?.dispose();
    this.first = next;
  }

  /** Read the first non-finite loss since the last check (one read) and warn about it. */
  async check(): Promise<void> {
    const first = this.first;
    const where = this.where;
    this.first = null;
    this.where = [];
    if (!first) return;
    try {
      const [index, value] = await first.data();
      if (index >= 0 && !this.warned) {
        this.warned = true;
        const { epoch, iter } = where[index];
        this.log(`tfai: warning: the training loss is ${value} at training batch ${iter} of epoch ${epoch} (0-based), the first non-finite loss of this fit; training goes on (add a TerminateOnNaNCallback to stop there; a lower learning rate or checked inputs often help)`);
      }
    } finally {
      first.dispose();
    }
  }

  /** Free what is kept (the fit ended). */
  drop(): void {
    this.first?.dispose();
    this.first = null;
    this.where = [];
  }
}
