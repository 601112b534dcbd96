/** Pooling layers on NHWC tensors. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { expectNHWC } from '../module-error.js';


function checkOne(name: string, size: number): void {
  if (size !== 1) throw new RangeError(`${name}: only output size 1 is supported, got ${size}`);
}

/** `AdaptiveAvgPool2d(1)`: mean over H and W, keeping `[N, 1, 1, C]`. */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output's height and width (only 1 is supported). */
    readonly outputSize = 1,
  ) {
    super();
    checkOne('AdaptiveAvgPool2d', outputSize);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mean(expectNHWC(this, x), [1, 2], true);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** `AdaptiveMaxPool2d(1)`: max over H and W, keeping `[N, 1, 1, C]`. */
export class AdaptiveMaxPool2d extends Module {
  constructor(
    /** The output's height and width (only 1 is supported). */
    readonly outputSize = 1,
  ) {
    super();
    checkOne('AdaptiveMaxPool2d', outputSize);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.max(expectNHWC(this, x), [1, 2], true);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/**
 * fastai's `AdaptiveConcatPool2d()`: the global max and the global mean side by side,
 * `[N, 1, 1, 2C]` with the max first (fastai's `torch.cat([mp(x), ap(x)], 1)`), so a head's
 * weights read the same features in the same order as in fastai.
 */
export class AdaptiveConcatPool2d extends Module {
  /** The global max (fastai's `mp`), first in the output. */
  readonly mp: AdaptiveMaxPool2d;
  /** The global mean (fastai's `ap`), second in the output. */
  readonly ap: AdaptiveAvgPool2d;
  constructor(
    /** The output's height and width (only 1 is supported). */
    readonly outputSize = 1,
  ) {
    super();
    checkOne('AdaptiveConcatPool2d', outputSize);
    this.ap = this.registerModule('ap', new AdaptiveAvgPool2d(outputSize));
    this.mp = this.registerModule('mp', new AdaptiveMaxPool2d(outputSize));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const x4 = expectNHWC(this, x);
    return tf.tidy(() => tf.concat([this.mp.forward(x4), this.ap.forward(x4)], 3));
  }
}

/** `MaxPool2d(ks, { stride = ks, padding = 0 })`, PyTorch semantics (padding counts as -∞). */
export class MaxPool2d extends Module {
  /** Window size (square). */
  readonly ks: number;
  /** Step of the window. */
  readonly stride: number;
  /** Padding on every side. */
  readonly padding: number;
  constructor(ks: number, opts: { stride?: number; padding?: number } = {}) {
    super();
    this.ks = ks;
    this.stride = opts.stride ?? ks;
    this.padding = opts.padding ?? 0;
  }
  forward(x: tf.Tensor): tf.Tensor {
    const x4 = expectNHWC(this, x);
    return tf.tidy(() => {
      const p = this.padding;
      const xp = p ? tf.pad(x4, [[0, 0], [p, p], [p, p], [0, 0]], -Infinity) : x4;
      return tf.maxPool(xp, this.ks, this.stride, 'valid');
    });
  }
  override extraRepr(): string {
    return `kernel_size=${this.ks}, stride=${this.stride}, padding=${this.padding}`;
  }
}
