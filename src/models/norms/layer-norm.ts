/** The course's from-scratch `LayerNorm`, on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';

/** Options of `LayerNorm`. */
export type LayerNormOptions = {
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
  /**
   * Use the unbiased (n - 1) variance, as the notebook's `x.var((1,2,3))` does (PyTorch's default,
   * default `true`); `false` gives the biased variance `nn.LayerNorm` uses.
   */
  unbiased?: boolean;
};

/**
 * The course-v3 07_batchnorm `LayerNorm(eps=1e-5)`: each sample is normalised with its own mean
 * and variance over H, W and C, `(x - m) / sqrt(v + eps) * mult + add`, with one learned scalar
 * `mult` (1) and `add` (0). Training and eval mode compute the same thing (no buffers).
 *
 * The notebook divides by `(v - eps).sqrt()`: that is a bug (the square root of a negative number
 * is NaN whenever a sample's variance is below `eps`, e.g. a constant sample, and `eps` should keep
 * the divisor away from zero, not bring it closer). This class uses `sqrt(v + eps)`.
 *
 * Input is NHWC `[N, H, W, C]` with any C.
 */
export class LayerNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the variance is the unbiased one. */
  readonly unbiased: boolean;
  /** Learned scalar scale (gamma), shape `[]`. */
  readonly mult: tf.Variable;
  /** Learned scalar shift (beta), shape `[]`. */
  readonly add: tf.Variable;

  constructor(opts: LayerNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.unbiased = opts.unbiased ?? true;
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`LayerNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.mult = this.registerParameter('mult', tf.scalar(1));
    this.add = this.registerParameter('add', tf.scalar(0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x);
    const [, h, w, c] = x.shape as [number, number, number, number];
    const n = h * w * c;
    if (this.unbiased && n < 2) {
      throw new ModuleError(this, `${this.describe()} needs more than 1 value per sample (unbiased variance), got input ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const { mean, variance: biased } = tf.moments(x, [1, 2, 3], true);
      const variance = this.unbiased ? tf.mul(biased, n / (n - 1)) : biased;
      const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.mult), this.add);
    });
  }

  override extraRepr(): string {
    return `eps=${this.eps}`;
  }
}
