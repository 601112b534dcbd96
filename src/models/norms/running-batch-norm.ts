/** The course's `RunningBatchNorm`, which trains with batches as small as 2, on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';
import { checkInt } from '../../core/validate.js';

/** Options of `RunningBatchNorm`. */
export type RunningBatchNormOptions = {
  /** Momentum of the running sums at batch size 2 (default `0.1`, in (0, 1]). */
  mom?: number;
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
};

/**
 * The course-v3 07_batchnorm `RunningBatchNorm(nf, mom=0.1, eps=1e-5)` (the version with the
 * `dbias` / `step` buffers). Instead of the batch's own statistics it normalises with
 * exponentially weighted running sums, so a batch of 2 no longer makes the statistics useless.
 *
 * Training step on NHWC input `[bs, H, W, nf]` (all reductions per channel over N, H, W):
 * ```
 * mom1  = 1 - (1 - mom) / sqrt(bs - 1)         // more weight to bigger batches; = mom at bs 2
 * sums  = lerp(sums,  sum(x),   mom1)           // lerp(a, b, w) = a + w (b - a)
 * sqrs  = lerp(sqrs,  sum(x*x), mom1)
 * count = lerp(count, bs*H*W,   mom1)
 * dbias = dbias * (1 - mom1) + mom1
 * batch += bs;  step += 1
 * ```
 * then (in training right after that update, in eval from the stored buffers, without updating):
 * ```
 * if step < 100: sums, sqrs, count /= dbias     // de-biasing, as the notebook writes it
 * means = sums / count
 * vars  = sqrs / count - means²
 * if batch < 20: vars = max(vars, 0.01)
 * out   = (x - means) / sqrt(vars + eps) * mults + adds
 * ```
 * Gradients: as in the notebook, the buffers' history is cut before each update (`detach_()`),
 * but the update is not under `no_grad`, so the output's gradient flows into `x` through this
 * batch's `sum(x)` and `sum(x*x)` (weighted by `mom1`) as well as directly. The buffers are
 * non-trainable variables, so nothing flows into earlier batches.
 *
 * Notes: dividing `sums`, `sqrs` and `count` by the same `dbias` cancels in `means` and `vars`, so
 * the de-biasing changes nothing but rounding; it is kept to follow the notebook. The later
 * published course version replaces `step`/`dbias` with `factor`/`offset` buffers computed in the
 * training step; in training both give the same output. A batch of 1 is rejected in training
 * (the `mom1` formula divides by `sqrt(bs - 1)`), and eval mode before any training step is
 * rejected (the statistics would be 0 / 0).
 *
 * Parameters `mults` (ones) and `adds` (zeros) and buffers `sums`, `sqrs` are `[nf]`; `batch`,
 * `count`, `step`, `dbias` are float scalars (initially 0).
 */
export class RunningBatchNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Number of channels. */
  readonly nf: number;
  /** Momentum at batch size 2. */
  readonly mom: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Learned per-channel scale `[nf]`. */
  readonly mults: tf.Variable;
  /** Learned per-channel shift `[nf]`. */
  readonly adds: tf.Variable;
  /** Running (weighted) per-channel sum of the inputs `[nf]`. */
  readonly sums: tf.Variable;
  /** Running (weighted) per-channel sum of the squared inputs `[nf]`. */
  readonly sqrs: tf.Variable;
  /** Number of samples seen in training (scalar). */
  readonly batch: tf.Variable;
  /** Running (weighted) number of values per channel behind `sums` (scalar). */
  readonly count: tf.Variable;
  /** Number of training steps taken (scalar). */
  readonly step: tf.Variable;
  /** The de-biasing divisor, `1 - prod(1 - mom1)` over the steps (scalar). */
  readonly dbias: tf.Variable;

  constructor(nf: number, opts: RunningBatchNormOptions = {}) {
    super();
    checkInt('RunningBatchNorm', 'nf', nf);
    this.nf = nf;
    this.mom = opts.mom ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    if (!(this.mom > 0 && this.mom <= 1)) throw new RangeError(`RunningBatchNorm: mom must be in (0, 1], got ${this.mom}`);
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`RunningBatchNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
    this.sums = this.registerBuffer('sums', tf.zeros([nf]));
    this.sqrs = this.registerBuffer('sqrs', tf.zeros([nf]));
    this.batch = this.registerBuffer('batch', tf.scalar(0));
    this.count = this.registerBuffer('count', tf.scalar(0));
    this.step = this.registerBuffer('step', tf.scalar(0));
    this.dbias = this.registerBuffer('dbias', tf.scalar(0));
  }

  /** The `count` value last checked to be positive (its data id changes on every update). */
  private countChecked: tf.DataId | null = null;

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    if (!this.training) {
      // One read of `count` per new value (i.e. once per validation phase), not per batch.
      if (this.countChecked !== this.count.dataId) {
        if (!(this.count.dataSync()[0]! > 0)) {
          throw new ModuleError(this, `${this.describe()} has no running statistics yet (count is 0): run at least one training batch before eval`);
        }
        this.countChecked = this.count.dataId;
      }
      return tf.tidy(() => this.normalise(x, this.sums, this.sqrs, this.count, this.dbias, this.batch, this.step));
    }
    const bs = x.shape[0];
    if (bs < 2) {
      throw new ModuleError(this, `${this.describe()} needs a batch of at least 2 in training (momentum 1 - (1 - mom) / sqrt(bs - 1)), got input ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const mom1 = 1 - (1 - this.mom) / Math.sqrt(bs - 1);
      const s = tf.sum(x, [0, 1, 2]);
      const ss = tf.sum(tf.square(x), [0, 1, 2]);
      const sums = lerp(this.sums, s, mom1);
      const sqrs = lerp(this.sqrs, ss, mom1);
      const count = lerp(this.count, tf.scalar(x.size / this.nf), mom1);
      const dbias = tf.add(tf.mul(this.dbias, 1 - mom1), mom1);
      const batch = tf.add(this.batch, bs);
      const step = tf.add(this.step, 1);
      this.sums.assign(sums);
      this.sqrs.assign(sqrs);
      this.count.assign(count);
      this.dbias.assign(dbias);
      this.batch.assign(batch);
      this.step.assign(step);
      // Normalise with the just-computed tensors (not the variables) so the gradient reaches x
      // through this batch's sums, as the notebook's in-place `lerp_` lets it.
      return this.normalise(x, sums, sqrs, count, dbias, batch, step);
    });
  }

  private normalise(x: tf.Tensor, sums: tf.Tensor, sqrs: tf.Tensor, count: tf.Tensor, dbias: tf.Tensor, batch: tf.Tensor, step: tf.Tensor): tf.Tensor {
    const d = tf.where(tf.less(step, 100), dbias, tf.onesLike(dbias));
    const c = tf.div(count, d);
    const means = tf.div(tf.div(sums, d), c);
    const raw = tf.sub(tf.div(tf.div(sqrs, d), c), tf.square(means));
    const floor = tf.where(tf.less(batch, 20), tf.scalar(0.01), tf.scalar(-Infinity));
    const vars = tf.maximum(raw, floor);
    return tf.add(tf.mul(tf.div(tf.sub(x, means), tf.sqrt(tf.add(vars, this.eps))), this.mults), this.adds);
  }

  override extraRepr(): string {
    return `${this.nf}, mom=${this.mom}, eps=${this.eps}`;
  }
}

/** `a + w * (b - a)`, PyTorch's `lerp`. */
function lerp(a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor {
  return tf.add(a, tf.mul(tf.sub(b, a), w));
}
