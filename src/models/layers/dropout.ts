/** Dropout drawn from the project's seeded RNG. */
import { tf } from '../../backend/tf.js';
import { nextSeed } from '../../core/rng.js';
import { Module } from '../module.js';

/** `Dropout(p = 0.5)`: in training, zero each element with probability `p` and scale the rest by 1/(1-p). */
export class Dropout extends Module {
  /** Probability of zeroing an element in training. */
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.tidy(() => {
      const keep = tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', nextSeed()), this.p);
      return tf.mul(x, tf.div(tf.cast(keep, 'float32'), 1 - this.p));
    });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
