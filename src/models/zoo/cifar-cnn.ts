/** The CIFAR-10 lab's small CNN, with or without BatchNorm. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { Conv2d } from '../layers/conv2d.js';
import { ReLU } from '../layers/activations.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Linear } from '../layers/linear.js';
import { BatchNorm2d } from '../norms/batch-norm-2d.js';

/** Options of `CNN`. */
export interface CNNOptions {
  /** Add `BatchNorm2d` after each convolution (the lab's `CNNwithBN`; default false). */
  bn?: boolean;
  /** Input channels (default 3). */
  cIn?: number;
  /** Input height = width (default 32); fixes the head's input size `32 · (size / 4)²`. */
  size?: number;
  /** Output classes (default 10). */
  numClasses?: number;
}

/**
 * The lab's `CNN` / `CNN_Cifar10` / `CNNwithBN`: `conv` = [Conv2d(3→16, 3, pad 1), (BN,) ReLU,
 * MaxPool(2), Conv2d(16→32, 3, pad 1), (BN,) ReLU, MaxPool(2)], then `out` = Linear(2048 → 10)
 * on the flattened `[N, 8, 8, 32]` maps. BN sits between each conv and its ReLU.
 *
 * Flattening is NHWC here (PyTorch flattens NCHW), so imported PyTorch `out` weights need their
 * rows permuted; parameter counts are identical.
 */
export class CNN extends Module {
  /** The convolutional body (children `0`, `1`, … as in PyTorch's `nn.Sequential`). */
  readonly conv: Sequential;
  /** The linear head. */
  readonly out: Linear;

  constructor(opts: CNNOptions = {}) {
    super();
    const bn = opts.bn ?? false;
    const size = opts.size ?? 32;
    if (size % 4 !== 0) throw new RangeError(`CNN: size must be a multiple of 4 (two 2×2 max-pools), got ${size}`);
    const block = (ni: number, nf: number): Module[] => [
      new Conv2d(ni, nf, 3, { stride: 1, padding: 1 }),
      ...(bn ? [new BatchNorm2d(nf)] : []),
      new ReLU(),
      new MaxPool2d(2),
    ];
    this.conv = this.registerModule('conv', new Sequential(...block(opts.cIn ?? 3, 16), ...block(16, 32)));
    this.out = this.registerModule('out', new Linear(32 * (size / 4) ** 2, opts.numClasses ?? 10));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.conv.forward(x);
      return this.out.forward(tf.reshape(h, [h.shape[0], -1]));
    });
  }
}
