/** PyTorch's `nn.BatchNorm2d` on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, expectNHWC, fmtShape } from '../module-error.js';
import { batchNormTrain } from './batch-norm-op.js';
import { fusedKernelsReady, runningStatsFused } from '../../backend/fused-ops.js';
import { checkInt } from '../../core/validate.js';

/** Options of `BatchNorm2d`. */
export type BatchNorm2dOptions = {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** How far the running statistics move towards each batch's, in [0, 1] (default 0.1). */
  momentum?: number;
};

/**
 * `BatchNorm2d(nf, { eps = 1e-5, momentum = 0.1 })` with PyTorch semantics: in training, normalise
 * with the batch's per-channel mean and biased variance and move `running_mean` / `running_var`
 * (unbiased variance) towards them by `momentum`; in eval mode, normalise with the running
 * statistics. Learned `weight` (ones) and `bias` (zeros); `num_batches_tracked` counts updates.
 */
export class BatchNorm2d extends Module {
  /** Marks a normalization layer: `learn.freeze()` keeps its parameters training (fastai's `train_bn`). */
  readonly isNormLayer = true;
  /** Channels. */
  readonly nf: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** How far the running statistics move towards each batch's. */
  readonly momentum: number;
  /** Learned per-channel scale (`weight`, ones). */
  readonly weight: tf.Variable;
  /** Learned per-channel shift (`bias`, zeros). */
  readonly bias: tf.Variable;
  /** Running per-channel mean (buffer `running_mean`). */
  readonly runningMean: tf.Variable;
  /** Running per-channel unbiased variance (buffer `running_var`). */
  readonly runningVar: tf.Variable;
  /** Training batches seen (buffer `num_batches_tracked`, int32). */
  readonly numBatchesTracked: tf.Variable;

  constructor(nf: number, opts: BatchNorm2dOptions = {}) {
    super();
    checkInt('BatchNorm2d', 'nf', nf);
    this.nf = nf;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new RangeError(`BatchNorm2d: eps must be > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`BatchNorm2d: momentum must be in [0, 1], got ${this.momentum}`);
    this.weight = this.registerParameter('weight', tf.ones([nf]));
    this.bias = this.registerParameter('bias', tf.zeros([nf]));
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([nf]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([nf]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    expectNHWC(this, x, this.nf);
    const x4 = x as tf.Tensor4D;
    if (!this.training) {
      return tf.batchNorm(x4, this.runningMean, this.runningVar, this.bias, this.weight, this.eps);
    }
    const n = x.size / this.nf;
    if (n < 2) throw new ModuleError(this, `${this.describe()} needs more than 1 value per channel in training, got input ${fmtShape(x.shape)}`);
    return tf.tidy(() => batchNormTrain(x4, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, this.eps, ({ mean, variance }) => this.updateStats(mean, variance, n)));
  }

  private updateStats(mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    const m = this.momentum;
    tf.tidy(() => {
      if (fusedKernelsReady()) {
        const [rm, rv] = runningStatsFused(this.runningMean, this.runningVar, mean, variance, m, (m * n) / (n - 1));
        this.runningMean.assign(rm!);
        this.runningVar.assign(rv!);
        this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
        return;
      }
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
    });
  }

  override extraRepr(): string {
    return `${this.nf}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}
