/** The course's from-scratch `BatchNorm`, on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';
import { checkInt } from '../../core/validate.js';

/** Options of `BatchNorm`. */
export type BatchNormOptions = {
  /** Weight of the new batch in the running averages: `means.lerp_(m, mom)` (default `0.1`, in [0, 1]). */
  mom?: number;
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
  /**
   * Use the unbiased (n - 1) batch variance, as the notebook's `x.var(...)` does: PyTorch's
   * `Tensor.var` applies Bessel's correction by default (default `true`). `false` gives the biased
   * variance `nn.BatchNorm2d` normalises with.
   */
  unbiased?: boolean;
  /**
   * Treat the batch statistics as constants in backprop, as the notebook does by computing them
   * under `torch.no_grad()` (default `true`). `false` backpropagates through the mean and variance
   * like `nn.BatchNorm2d`.
   */
  detachStats?: boolean;
};

/**
 * The course-v3 07_batchnorm `BatchNorm(nf, mom=0.1, eps=1e-5)`, written from scratch.
 *
 * Training: per-channel batch mean `m` and variance `v` over N, H, W (unbiased by default, see
 * `unbiased`), computed without gradient (see `detachStats`); the running buffers move towards
 * them, `means = lerp(means, m, mom)` and `vars = lerp(vars, v, mom)`; the output is
 * `(x - m) / sqrt(v + eps) * mults + adds`. Eval: the same with `means` / `vars`.
 *
 * Parameters `mults` (ones) and `adds` (zeros) and buffers `means` (zeros) and `vars` (ones) are
 * all `[nf]`, so they broadcast over NHWC input `[N, H, W, nf]` (the notebook's `[nf, 1, 1]` and
 * `[1, nf, 1, 1]` are the NCHW equivalents).
 */
export class BatchNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Number of channels. */
  readonly nf: number;
  /** Running-average momentum. */
  readonly mom: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the batch variance is the unbiased one. */
  readonly unbiased: boolean;
  /** Whether gradients skip the batch statistics. */
  readonly detachStats: boolean;
  /** Learned per-channel scale `[nf]` (gamma). */
  readonly mults: tf.Variable;
  /** Learned per-channel shift `[nf]` (beta). */
  readonly adds: tf.Variable;
  /** Running per-channel variance `[nf]`, used in eval mode. */
  readonly vars: tf.Variable;
  /** Running per-channel mean `[nf]`, used in eval mode. */
  readonly means: tf.Variable;

  constructor(nf: number, opts: BatchNormOptions = {}) {
    super();
    checkInt('BatchNorm', 'nf', nf);
    this.nf = nf;
    this.mom = opts.mom ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    this.unbiased = opts.unbiased ?? true;
    this.detachStats = opts.detachStats ?? true;
    if (!(this.mom >= 0 && this.mom <= 1)) throw new RangeError(`BatchNorm: mom must be in [0, 1], got ${this.mom}`);
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`BatchNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
    this.vars = this.registerBuffer('vars', tf.ones([nf]));
    this.means = this.registerBuffer('means', tf.zeros([nf]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    if (!this.training) return tf.tidy(() => this.normalise(x, this.means, this.vars));
    const n = x.size / this.nf;
    if (this.unbiased && n < 2) {
      throw new ModuleError(this, `${this.describe()} needs more than 1 value per channel in training (unbiased variance), got input ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const src = this.detachStats ? detach(x) : x;
      const { mean, variance: biased } = tf.moments(src, [0, 1, 2]);
      const variance = this.unbiased ? tf.mul(biased, n / (n - 1)) : biased;
      this.updateStats(mean, variance);
      return this.normalise(x, mean, variance);
    });
  }

  private normalise(x: tf.Tensor, m: tf.Tensor, v: tf.Tensor): tf.Tensor {
    return tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, this.eps))), this.mults), this.adds);
  }

  private updateStats(m: tf.Tensor, v: tf.Tensor): void {
    tf.tidy(() => {
      this.means.assign(lerp(this.means, m, this.mom));
      this.vars.assign(lerp(this.vars, v, this.mom));
    });
  }

  override extraRepr(): string {
    return `${this.nf}, mom=${this.mom}, eps=${this.eps}`;
  }
}

/** `a + w * (b - a)`, PyTorch's `lerp`. */
function lerp(a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor {
  return tf.add(a, tf.mul(tf.sub(b, a), w));
}

/** The identity with a zero gradient: TF.js's stand-in for `torch.no_grad()` / `.detach()`. */
const detach = tf.customGrad((x, save) => {
  void save;
  return { value: tf.clone(x as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});
