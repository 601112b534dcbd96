/** Stochastic gradient descent with momentum and decoupled weight decay. */
import { tf } from '../../backend/tf.js';
import { Optimizer, type OptFunc } from './optimizer.js';

/** Options of `sgd`: momentum (PyTorch semantics, no dampening) and decoupled weight decay. */
export type SGDOptions = { mom?: number; wd?: number };

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
    let w: tf.Tensor = p;
    if (raw.wd !== 0) w = tf.mul(w, tf.sub(1, tf.mul(h.lr, h.wd)));
    let d = g;
    if (raw.mom !== 0) {
      const buf = this.slot(state, 'momentum_buffer', p);
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
