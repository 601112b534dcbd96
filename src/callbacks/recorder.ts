/** Learning rates and losses of every training batch, as the course's `Recorder`. */
import { tf } from '../core/tf.js';
import { Callback } from '../core/callback.js';

/**
 * Records, for every training batch, each parameter group's learning rate and the loss. Losses stay
 * on the device during an epoch and are read in one go at its end.
 */
export class Recorder extends Callback {
  /** `lrs[group][batch]`. */
  lrs: number[][] = [];
  /** Training loss per batch. */
  losses: number[] = [];
  private pending: tf.Tensor[] = [];

  override beginFit(): void {
    this.lrs = this.run.learn.opt.paramGroups.map(() => []);
    this.losses = [];
    this.dropPending();
  }

  override afterBatch(): void {
    if (!this.run.inTrain) return;
    const lrs = this.run.learn.opt.getHyper('lr');
    lrs.forEach((lr, i) => this.lrs[i].push(lr));
    const loss = this.run.loss;
    this.pending.push(loss && !loss.isDisposed ? tf.clone(loss) : tf.scalar(NaN));
  }

  override async afterEpoch(): Promise<void> {
    await this.flush();
  }

  override async afterFit(): Promise<void> {
    await this.flush();
  }

  /** Read the pending losses from the device. */
  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const stacked = tf.stack(this.pending);
    this.dropPending();
    const vals = await stacked.data();
    stacked.dispose();
    this.losses.push(...vals);
  }

  private dropPending(): void {
    for (const t of this.pending) t.dispose();
    this.pending = [];
  }

  /** The learning rate of the last group per batch (what the course's `plot_lr` shows). */
  get lr(): number[] {
    return this.lrs.at(-1) ?? [];
  }
}
