/** Adam with decoupled weight decay (AdamW). */
import { tf } from '../../backend/tf.js';
import { Optimizer, type OptFunc } from './optimizer.js';

/** Options of `adam`: PyTorch's defaults (β1 0.9, β2 0.999, eps 1e-8), decoupled weight decay. */
export type AdamOptions = {
  /** Decay of the first moment (momentum; default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the second moment's root (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay (default 0). */
  wd?: number;
};

/**
 * Adam as PyTorch's `optim.Adam` (bias-corrected moments); weight decay is decoupled
 * (`p *= 1 - lr·wd`, as `AdamW`/fastai). Hyperparameters: `lr`, `beta1` (also named `mom`, the
 * momentum of any optimizer), `beta2`, `eps`, `wd` — all schedulable (`ParamScheduler('mom', …)`
 * schedules β1).
 */
export class Adam extends Optimizer {
  constructor(groups: tf.Variable[][], lr: number, opts: AdamOptions = {}) {
    super(groups, { lr, beta1: opts.beta1 ?? 0.9, beta2: opts.beta2 ?? 0.999, eps: opts.eps ?? 1e-8, wd: opts.wd ?? 0 });
  }

  /** β1 is Adam's momentum: `mom`, as fastai names it for every optimizer. */
  protected override get hyperAliases(): Readonly<Record<string, string>> {
    return { mom: 'beta1' };
  }

  protected update(p: tf.Variable, g: tf.Tensor, state: Record<string, tf.Variable>, h: Record<string, tf.Scalar>, raw: Record<string, number>, t: number): void {
    const m = this.slot(state, 'exp_avg', p);
    const v = this.slot(state, 'exp_avg_sq', p);
    m.assign(tf.add(tf.mul(m, h.beta1), tf.mul(g, tf.sub(1, h.beta1))));
    v.assign(tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), tf.sub(1, h.beta2))));
    const bc1 = 1 - raw.beta1 ** t;
    const bc2 = 1 - raw.beta2 ** t;
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), h.eps);
    let w: tf.Tensor = p;
    if (raw.wd !== 0) w = tf.mul(w, tf.sub(1, tf.mul(h.lr, h.wd)));
    p.assign(tf.sub(w, tf.mul(tf.div(h.lr, bc1), tf.div(m, denom))));
  }
}

/** An `OptFunc` for `Learner`: `adam({ wd: 1e-2 })`. */
export function adam(opts: AdamOptions = {}): OptFunc {
  return (groups, lr) => new Adam(groups, lr, opts);
}
