/** Stochastic gradient descent with momentum and decoupled weight decay. */
import { tf } from '../../backend/tf.js';
import { Optimizer, type OptFunc } from './optimizer.js';
import { sgdStepFused } from '../../backend/fused-ops.js';

/** Options of `sgd`: momentum (PyTorch semantics, no dampening) and decoupled weight decay. */
export type SGDOptions = {
  /** Momentum (default 0). */
  mom?: number;
  /** Decoupled weight decay (default 0). */
  wd?: number;
};

/**
 * SGD as PyTorch's `optim.SGD(momentum=mom)`: `buf = mom·buf + g; p -= lr·buf`. Weight decay is
 * decoupled as in fastai/AdamW (`p *= 1 - lr·wd` before the step), which equals PyTorch's L2
 * `weight_decay` when `mom = 0`. Hyperparameters: `lr`, `mom`, `wd`.
 */
export class SGD extends Optimizer {
  constructor(groups: tf.Variable[][], lr: number, opts: SGDOptions = {}) {
    super(groups, { lr, mom: opts.mom ?? 0, wd: opts.wd ?? 0 });
  }

  protected update(p: tf.Variable, g: tf.Tensor, state: Record<string, tf.Variable>, h: Record<string, tf.Scalar>, raw: Record<string, number>): void {
    const buf = raw.mom !== 0 ? this.slot(state, 'momentum_buffer', p) : undefined;
    // one kernel where the backend has a fused step: the same float32 operations in the same order
    const fused = sgdStepFused(p, g, buf, raw.lr, raw.mom, raw.wd);
    if (fused) {
      p.assign(fused[0]!);
      if (buf) buf.assign(fused[1]!);
      return;
    }
    let w: tf.Tensor = p;
    if (raw.wd !== 0) w = tf.mul(w, tf.sub(1, tf.mul(h.lr, h.wd)));
    let d = g;
    if (buf) {
      buf.assign(tf.add(tf.mul(buf, h.mom), g));
      d = buf;
    }
    p.assign(tf.sub(w, tf.mul(h.lr, d)));
  }
}

/** An `OptFunc` for `Learner`: `sgd({ mom: 0.9 })`. */
export function sgd(opts: SGDOptions = {}): OptFunc {
  return (groups, lr) => new SGD(groups, lr, opts);
}
