/**
 * The CIFAR-10 lab's ResNet (ResNet-18 layout for 32×32 images): a 3×3 stem, four stages of blocks
 * (64, 128, 256, 512 channels; stride 2 from the second stage on), global average pooling and a
 * linear head — with `PlainBlock` (the lab's `WrongBlock`, no skip) or `BasicBlock` (its
 * `CorrectBlock`, with the skip connection).
 */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { BatchNorm2d } from '../norms/batch-norm-2d.js';
import { relu } from '../layers/relu-op.js';

const conv3 = (ni: number, nf: number, stride: number): Conv2d => new Conv2d(ni, nf, 3, { stride, padding: 1, bias: false });

/** What `ResNet` needs of a block class: `new Block(inPlanes, planes, stride)`. */
export type BlockClass = new (inPlanes: number, planes: number, stride: number) => Module;

/** The lab's `WrongBlock`: conv-BN-ReLU, conv-BN-ReLU, no skip connection. */
export class PlainBlock extends Module {
  /** The first 3×3 convolution (carries the stride). */
  readonly conv1: Conv2d;
  /** BatchNorm after `conv1`. */
  readonly bn1: BatchNorm2d;
  /** The second 3×3 convolution. */
  readonly conv2: Conv2d;
  /** BatchNorm after `conv2`. */
  readonly bn2: BatchNorm2d;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = this.registerModule('conv1', conv3(inPlanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3(planes, planes, 1));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = relu(this.bn1.forward(this.conv1.forward(x)));
      return relu(this.bn2.forward(this.conv2.forward(h)));
    });
  }
}

/**
 * The lab's `CorrectBlock` (torchvision's `BasicBlock`): `relu(bn2(conv2(relu(bn1(conv1(x))))) +
 * shortcut(x))`, where `shortcut` is the identity (an empty `Sequential`, as in the lab) or, when
 * `stride ≠ 1` or the channel count changes, a 1×1 strided conv + BN.
 */
export class BasicBlock extends PlainBlock {
  /** The skip path: identity (empty), or a 1×1 strided conv + BatchNorm. */
  readonly shortcut: Sequential;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super(inPlanes, planes, stride);
    const project = stride !== 1 || inPlanes !== planes;
    this.shortcut = this.registerModule(
      'shortcut',
      project ? new Sequential(new Conv2d(inPlanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes)) : new Sequential(),
    );
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = relu(this.bn1.forward(this.conv1.forward(x)));
      return relu(tf.add(this.bn2.forward(this.conv2.forward(h)), this.shortcut.forward(x)));
    });
  }
}

/** Options of `ResNet`. */
export interface ResNetOptions {
  /** Output classes (default 10). */
  numClasses?: number;
  /** Channels of the stages (default `[64, 128, 256, 512]`; the stem has `widths[0]`). */
  widths?: readonly number[];
  /** Input channels (default 3). */
  cIn?: number;
}

/**
 * `new ResNet(BasicBlock, [2, 2, 2, 2])` — the lab's `ResNet(block, num_blocks)`: `conv1` (3×3,
 * stride 1) + `bn1` + ReLU, `layer1` … `layer4` (`numBlocks[i]` blocks of `widths[i]` channels, the
 * first block of stages 2+ with stride 2), global average pooling, `linear`. The lab pools with
 * `avg_pool2d(out, 4)`, which on 32×32 inputs (4×4 final maps) is this global average; here other
 * input sizes work too.
 */
export class ResNet extends Module {
  /** The 3×3 stem. */
  readonly conv1: Conv2d;
  /** BatchNorm after the stem. */
  readonly bn1: BatchNorm2d;
  /** The stages, `layer1` … `layerK`. */
  readonly stages: Sequential[];
  /** The classifier head. */
  readonly linear: Linear;

  constructor(block: BlockClass, numBlocks: readonly number[], opts: ResNetOptions = {}) {
    super();
    const widths = opts.widths ?? [64, 128, 256, 512];
    if (numBlocks.length !== widths.length || numBlocks.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`ResNet: need one block count >= 1 per stage width: got numBlocks [${numBlocks.join(', ')}] for widths [${widths.join(', ')}]`);
    }
    this.conv1 = this.registerModule('conv1', conv3(opts.cIn ?? 3, widths[0], 1));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(widths[0]));
    let inPlanes = widths[0];
    this.stages = widths.map((planes, i) => {
      const blocks = Array.from({ length: numBlocks[i] }, (_, j) => {
        const b = new block(inPlanes, planes, j === 0 && i > 0 ? 2 : 1);
        inPlanes = planes;
        return b;
      });
      return this.registerModule(`layer${i + 1}`, new Sequential(...blocks));
    });
    this.linear = this.registerModule('linear', new Linear(inPlanes, opts.numClasses ?? 10));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = relu(this.bn1.forward(this.conv1.forward(x)));
      for (const s of this.stages) h = s.forward(h);
      return this.linear.forward(tf.mean(h, [1, 2]));
    });
  }
}
