/** Gradient accumulation: several micro-batches, then one optimizer step (fastai's `GradientAccumulation`). */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { CancelStepError } from '../core/cancel.js';
import { checkInt } from '../core/validate.js';
import { replaceGrads } from '../core/replace-grads.js';

/** Options of `GradientAccumulation`. */
export type GradientAccumulationOptions = {
  /** Micro-batches per optimizer step (default 2). */
  steps?: number;
};

/**
 * `new GradientAccumulation({ steps: 4 })`: sums the gradients of `steps` training batches on the
 * device, weighting each by its batch size, and steps the optimizer once with their weighted mean —
 * the gradient of the mean loss over all their samples. With a mean-reduced loss, `bs 16 × 4`
 * accumulated gives the same step as `bs 64`, except for layers whose forward pass depends on the
 * batch: BatchNorm normalises each micro-batch with its own statistics (and updates its running
 * statistics once per micro-batch), so a BatchNorm model trained this way is close to, not equal
 * to, one trained with the large batch (GroupNorm / LayerNorm models are not affected).
 *
 * The last training batch of an epoch always steps, with what has accumulated (so nothing carries
 * over into the next epoch and epoch-end checkpoints are exact); a checkpoint taken mid-epoch
 * (Ctrl-C) does not keep a partial sum. Between steps, `afterStep` does not run (the skipped steps
 * throw `CancelStepError`), so step-based callbacks see one event per real step. Order 6 (fastai's):
 * before `GradientClipping`, which then clips the accumulated gradient.
 */
export class GradientAccumulation extends Callback {
  override order = 6;
  /** Micro-batches per step. */
  readonly steps: number;
  private acc: tf.NamedTensorMap = {};
  private count = 0;
  private samples = 0;

  constructor(opts: GradientAccumulationOptions = {}) {
    super();
    this.steps = opts.steps ?? 2;
    checkInt('GradientAccumulation', 'steps', this.steps);
  }

  override beginFit(): void {
    this.drop();
  }

  override afterBackward(): void {
    const run = this.run;
    if (this.steps === 1) return;
    const bs = run.yb.shape[0] ?? 1;
    const prev = this.acc;
    this.acc = tf.tidy(() => Object.fromEntries(Object.entries(run.grads).map(([n, g]) => [n, prev[n] ? tf.add(prev[n], tf.mul(g, bs)) : tf.mul(g, bs)])));
    tf.dispose(Object.values(prev));
    this.count++;
    this.samples += bs;
    const lastOfEpoch = run.iter === run.iters - 1;
    if (this.count < this.steps && !lastOfEpoch) throw new CancelStepError(`accumulating gradients (${this.count} of ${this.steps})`);
    const samples = this.samples;
    const mean = tf.tidy(() => Object.fromEntries(Object.entries(this.acc).map(([n, g]) => [n, tf.div(g, samples)])));
    this.drop();
    replaceGrads(run, mean);
  }

  override afterFit(): void {
    this.drop();
  }

  /** Forget the partial sum. */
  private drop(): void {
    tf.dispose(Object.values(this.acc));
    this.acc = {};
    this.count = 0;
    this.samples = 0;
  }
}
