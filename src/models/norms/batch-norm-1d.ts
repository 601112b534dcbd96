/** PyTorch's `nn.BatchNorm1d` over `[N, C]` features (a classifier head's). */
import { tf } from '../../backend/tf.js';
import { ModuleError, fmtShape } from '../module-error.js';
import { BatchNorm2d } from './batch-norm-2d.js';

/**
 * `BatchNorm1d(nf, { eps = 1e-5, momentum = 0.1 })` on `[N, nf]` inputs, with PyTorch semantics
 * and state-dict keys (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`):
 * `BatchNorm2d`'s computation on the features viewed as `[N, 1, 1, nf]`.
 */
export class BatchNorm1d extends BatchNorm2d {
  override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.nf) {
      throw new ModuleError(this, `${this.describe()} expected input [N, ${this.nf}], got ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => tf.reshape(super.forward(tf.reshape(x, [x.shape[0], 1, 1, this.nf])), x.shape));
  }
}
