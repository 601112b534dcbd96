/** The course's from-scratch `InstanceNorm`, on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';
import { checkInt } from '../../core/validate.js';

/** Options of `InstanceNorm`. */
export type InstanceNormOptions = {
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
  /**
   * Use the unbiased (n - 1) variance, as the notebook's `x.var((2,3))` does (PyTorch's default,
   * default `true`); `false` gives the biased variance of the paper's formula and `nn.InstanceNorm2d`.
   */
  unbiased?: boolean;
};

/**
 * The course-v3 07_batchnorm `InstanceNorm(nf)`: each sample's channel is normalised with its own
 * mean and variance over H and W, `(x - m) / sqrt(v + eps) * mults + adds`, with learned
 * per-channel `mults` (ones) and `adds` (zeros), shape `[nf]`. Training and eval mode compute the
 * same thing (no buffers).
 *
 * The notebook's class defaults to `eps=1e-0` (most likely a typo for `1e-5`, which every other
 * norm there uses); this class defaults to `1e-5`. Pass `{ eps: 1 }` to reproduce the notebook.
 *
 * Input is NHWC `[N, H, W, nf]`.
 */
export class InstanceNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Number of channels. */
  readonly nf: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the variance is the unbiased one. */
  readonly unbiased: boolean;
  /** Learned per-channel scale `[nf]`. */
  readonly mults: tf.Variable;
  /** Learned per-channel shift `[nf]`. */
  readonly adds: tf.Variable;

  constructor(nf: number, opts: InstanceNormOptions = {}) {
    super();
    checkInt('InstanceNorm', 'nf', nf);
    this.nf = nf;
    this.eps = opts.eps ?? 1e-5;
    this.unbiased = opts.unbiased ?? true;
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`InstanceNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    const [, h, w] = x.shape as [number, number, number, number];
    const n = h * w;
    if (this.unbiased && n < 2) {
      throw new ModuleError(this, `${this.describe()} needs H * W > 1 (unbiased variance per sample and channel), got input ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const { mean, variance: biased } = tf.moments(x, [1, 2], true);
      const variance = this.unbiased ? tf.mul(biased, n / (n - 1)) : biased;
      const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.mults), this.adds);
    });
  }

  override extraRepr(): string {
    return `${this.nf}, eps=${this.eps}`;
  }
}
