/** PyTorch's `nn.GroupNorm` on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { expectNHWC } from '../module-error.js';
import { checkInt } from '../../core/validate.js';

/** Options of `GroupNorm`. */
export type GroupNormOptions = {
  /** Added to the variance before the square root (default `1e-5`, > 0). */
  eps?: number;
  /** Learn a per-channel `weight` (ones) and `bias` (zeros) (default `true`). */
  affine?: boolean;
};

/**
 * `GroupNorm(numGroups, nf, { eps = 1e-5, affine = true })` with PyTorch semantics: the `nf`
 * channels are split into `numGroups` contiguous groups of `nf / numGroups` channels; each sample's
 * group is normalised with its own mean and biased variance over H, W and the group's channels,
 * then scaled and shifted per channel by `weight` and `bias`. There are no running statistics, so
 * training and eval mode compute the same thing. `GroupNorm(1, nf)` normalises each sample over
 * H, W, C (a layer norm with per-channel affine); `GroupNorm(nf, nf)` is an instance norm.
 *
 * Input is NHWC `[N, H, W, nf]`.
 */
export class GroupNorm extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Number of channel groups. */
  readonly numGroups: number;
  /** Number of channels. */
  readonly nf: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Per-channel scale `[nf]` (ones), or `null` when `affine` is false. */
  readonly weight: tf.Variable | null;
  /** Per-channel shift `[nf]` (zeros), or `null` when `affine` is false. */
  readonly bias: tf.Variable | null;

  constructor(numGroups: number, nf: number, opts: GroupNormOptions = {}) {
    super();
    checkInt('GroupNorm', 'numGroups', numGroups);
    checkInt('GroupNorm', 'nf', nf);
    if (nf % numGroups !== 0) {
      throw new RangeError(`GroupNorm: nf (${nf}) must be divisible by numGroups (${numGroups}); divisors of ${nf} are ${divisors(nf).join(', ')}`);
    }
    this.numGroups = numGroups;
    this.nf = nf;
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`GroupNorm: eps must be a finite number > 0, got ${this.eps}`);
    this.weight = this.affine ? this.registerParameter('weight', tf.ones([nf])) : null;
    this.bias = this.affine ? this.registerParameter('bias', tf.zeros([nf])) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    const [n, h, w] = x.shape as [number, number, number, number];
    const g = this.numGroups;
    return tf.tidy(() => {
      // [N, H, W, G, C/G]: a group is a contiguous run of channels, as PyTorch's NCHW view.
      const xg = tf.reshape(x, [n, h, w, g, this.nf / g]);
      const { mean, variance } = tf.moments(xg, [1, 2, 4], true);
      const normed = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, this.eps))), x.shape);
      if (!this.weight || !this.bias) return normed;
      return tf.add(tf.mul(normed, this.weight), this.bias);
    });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.nf}, eps=${this.eps}, affine=${this.affine}`;
  }
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}
