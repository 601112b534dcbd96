/** Stochastic gradient descent with momentum and decoupled weight decay. */
import { tf } from '../../backend/tf.js';
import { Optimizer, type OptFunc } from './optimizer.js';
import { fusedKernelsReady, sgdStepFused } from '../../backend/fused-ops.js';

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
    if (p.dtype === 'float32' && g.dtype === 'float32' && fusedKernelsReady()) {
      // one kernel instead of six (wasm): the same float32 operations in the same order
      const buf = raw.mom !== 0 ? this.slot(state, 'momentum_buffer', p) : undefined;
      const [np, nb] = sgdStepFused(p, g, buf, raw.lr, raw.mom, raw.wd);
      p.assign(np!);
      if (buf) buf.assign(nb!);
      return;
    }
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
