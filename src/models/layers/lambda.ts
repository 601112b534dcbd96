/** Function-wrapping layers. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';

/** `Lambda(fn, name?)`: a module that applies `fn` (the course's `Lambda`). */
export class Lambda extends Module {
  private readonly fn: (x: tf.Tensor) => tf.Tensor;
  private readonly label: string;

  constructor(fn: (x: tf.Tensor) => tf.Tensor, name?: string) {
    super();
    this.fn = fn;
    this.label = name ?? (fn.name || 'fn');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.fn(x);
  }

  override extraRepr(): string {
    return this.label;
  }
}

/** `Flatten()`: `[N, …] → [N, prod(…)]`. */
export class Flatten extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
}
