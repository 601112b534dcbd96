/**
 * The runner's watch for a non-finite training loss when no callback stops on one: it keeps each
 * training batch's loss on the device (a clone, no copy of data), stacks them every 64 batches,
 * reads them once per epoch (one asynchronous read) and logs one warning naming the first NaN or
 * ±Infinity loss of the fit. Training goes on; `TerminateOnNaNCallback` is the way to stop. It is
 * off when a callback says it watches the loss itself (`watchesLoss`: TerminateOnNaN, LRFinder).
 */
import { tf } from '../backend/tf.js';

const CHUNK = 64;

/** Where a watched loss came from. */
type Where = { epoch: number; iter: number };

/** See the file comment. One per runner; `begin()` at every fit. */
export class NonFiniteLossWatch {
  private chunks: tf.Tensor1D[] = [];
  private pending: tf.Tensor[] = [];
  private where: Where[] = [];
  private warned = false;

  constructor(private readonly log: (line: string) => void) {}

  private on = true;

  /** A new fit: forget everything, warn again; `on: false` when a callback watches the loss itself. */
  begin(on: boolean): void {
    this.drop();
    this.warned = false;
    this.on = on;
  }

  /** Keep training batch `iter` of `epoch`'s loss until the next `check` (no read). */
  add(loss: tf.Tensor, epoch: number, iter: number): void {
    if (!this.on || this.warned || loss.isDisposed) return;
    this.pending.push(tf.clone(loss));
    this.where.push({ epoch, iter });
    if (this.pending.length >= CHUNK) this.stackPending();
  }

  /** Read the losses kept since the last check (one read) and warn at the first non-finite one. */
  async check(): Promise<void> {
    this.stackPending();
    if (!this.chunks.length) return;
    const all = this.chunks.length === 1 ? this.chunks[0] : tf.concat(this.chunks);
    const where = this.where;
    const chunks = this.chunks;
    this.chunks = [];
    this.where = [];
    try {
      const vals = await all.data();
      const i = vals.findIndex((v) => !Number.isFinite(v));
      if (i >= 0 && !this.warned) {
        this.warned = true;
        const { epoch, iter } = where[i];
        this.log(`tfai: warning: the training loss is ${vals[i]} at training batch ${iter} of epoch ${epoch} (0-based), the first non-finite loss of this fit; training goes on (add a TerminateOnNaNCallback to stop there; a lower learning rate or checked inputs often help)`);
      }
    } finally {
      if (all !== chunks[0]) all.dispose();
      for (const c of chunks) c.dispose();
    }
  }

  /** Free everything kept (the fit ended). */
  drop(): void {
    for (const t of [...this.pending, ...this.chunks]) t.dispose();
    this.pending = [];
    this.chunks = [];
    this.where = [];
  }

  private stackPending(): void {
    if (!this.pending.length) return;
    this.chunks.push(tf.stack(this.pending) as tf.Tensor1D);
    for (const t of this.pending) t.dispose();
    this.pending = [];
  }
}
