/** Activation layers. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { fusedKernelsReady, generalReluFused } from '../../backend/fused-ops.js';
import { relu } from './relu-op.js';

/** `ReLU()`: max(x, 0) (its backward pass keeps the output, not the input: see `relu-op.ts`). */
export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}

/**
 * `min(max(x, 0), 6)` with PyTorch's gradient (`hardtanh`'s: 1 strictly inside (0, 6), 0 at and
 * beyond both ends; TF.js's `relu6` passes the gradient at exactly 6).
 */
const relu6Op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.clipByValue(x, 0, 6),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(saved[0]!, 0), tf.less(saved[0]!, 6)), dy.dtype)),
  };
});

/** `ReLU6()`: `min(max(x, 0), 6)`, as PyTorch's `nn.ReLU6` (MobileNet's activation), gradient included. */
export class ReLU6 extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return relu6Op(x);
  }
}

/** Options of `GeneralRelu`: leak (negative slope), sub (subtracted after), maxv (clamp above). */
export type GeneralReluOptions = {
  /** Negative slope (plain ReLU when absent). */
  leak?: number;
  /** Subtracted after the activation. */
  sub?: number;
  /** Clamp above. */
  maxv?: number;
};

/**
 * The course's `GeneralRelu`: leaky ReLU with slope `leak` (plain ReLU when absent), minus `sub`,
 * clamped at `maxv` from above.
 */
export class GeneralRelu extends Module {
  /** Negative slope, if any. */
  readonly leak?: number;
  /** Subtracted after the activation, if any. */
  readonly sub?: number;
  /** Clamp above, if any. */
  readonly maxv?: number;

  constructor(opts: GeneralReluOptions = {}) {
    super();
    this.leak = opts.leak;
    this.sub = opts.sub;
    this.maxv = opts.maxv;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.dtype === 'float32' && fusedKernelsReady()) {
      return generalReluFused(x, { leak: this.leak ?? 0, sub: this.sub ?? 0, maxv: this.maxv ?? Infinity });
    }
    return tf.tidy(() => {
      let y = this.leak ? tf.leakyRelu(x, this.leak) : tf.relu(x);
      if (this.sub) y = tf.sub(y, this.sub);
      if (this.maxv !== undefined) y = tf.minimum(y, this.maxv);
      return y;
    });
  }

  override extraRepr(): string {
    return [['leak', this.leak], ['sub', this.sub], ['maxv', this.maxv]]
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  }
}
