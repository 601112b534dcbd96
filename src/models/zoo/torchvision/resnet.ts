/**
 * torchvision's ResNets (`resnet18`, `resnet34`, `resnet50`) with torchvision's module names, so
 * torchvision's state dicts load key for key: `conv1`, `bn1`, `relu`, `maxpool`, `layer1` …
 * `layer4` (blocks `layer1.0.conv1` …, projections `layer2.0.downsample.0/1`), `avgpool`, `fc`.
 * NHWC inside; the 7×7 stride-2 stem and the 3×3 stride-2 max pool pad as PyTorch does.
 */
import { tf } from '../../../backend/tf.js';
import { Module } from '../../module.js';
import { Sequential } from '../../sequential.js';
import { Conv2d } from '../../layers/conv2d.js';
import { Linear } from '../../layers/linear.js';
import { ReLU } from '../../layers/activations.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../../layers/pooling.js';
import { BatchNorm2d } from '../../norms/batch-norm-2d.js';
import { kaimingNormal } from '../../init.js';
import { checkInt } from '../../../core/validate.js';
import { IMAGENET_STATS, defineArch, type TorchvisionOptions, type VisionArch } from './arch.js';

const conv3x3 = (ni: number, nf: number, stride = 1): Conv2d => new Conv2d(ni, nf, 3, { stride, padding: 1, bias: false });
const conv1x1 = (ni: number, nf: number, stride = 1): Conv2d => new Conv2d(ni, nf, 1, { stride, bias: false });

/** What `ResNet` needs of a block class. */
export interface ResNetBlock {
  /** Output channels per `planes` (1 for `BasicBlock`, 4 for `Bottleneck`). */
  readonly expansion: number;
  new (inplanes: number, planes: number, stride: number, downsample: Sequential | null): Module;
}

/**
 * torchvision's `BasicBlock`: `relu(bn2(conv2(relu(bn1(conv1(x))))) + identity)`, where
 * `identity` is `downsample(x)` (1×1 conv + BN) when the block changes stride or width.
 */
export class BasicBlock extends Module {
  /** Output channels per `planes`: 1 (the block's output has `planes` channels). */
  static readonly expansion = 1;
  /** 3×3 conv, `inplanes` → `planes`, with the block's stride (no bias). */
  readonly conv1: Conv2d;
  /** BN after `conv1`. */
  readonly bn1: BatchNorm2d;
  /** The ReLU after `bn1` and after the sum with `identity`. */
  readonly relu: ReLU;
  /** 3×3 conv, `planes` → `planes`, stride 1 (no bias). */
  readonly conv2: Conv2d;
  /** BN after `conv2`. */
  readonly bn2: BatchNorm2d;
  /** The projection of `identity`, `Sequential(1×1 conv, BN)` (keys `downsample.0/1`), or null when `identity` is `x`. */
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
      const out = this.bn2.forward(this.conv2.forward(h));
      return this.relu.forward(tf.add(out, this.downsample ? this.downsample.forward(x) : x));
    });
  }
}

/**
 * torchvision's `Bottleneck` (ResNet v1.5: the stride on the 3×3 conv): 1×1 reduce, 3×3, 1×1
 * expand (×4), each followed by BN, ReLU after the first two and after the sum with `identity`.
 */
export class Bottleneck extends Module {
  /** Output channels per `planes`: 4 (`conv3` expands to `planes * 4` channels). */
  static readonly expansion = 4;
  /** 1×1 reducing conv, `inplanes` → `planes` (no bias). */
  readonly conv1: Conv2d;
  /** BN after `conv1`. */
  readonly bn1: BatchNorm2d;
  /** 3×3 conv, `planes` → `planes`, with the block's stride (no bias). */
  readonly conv2: Conv2d;
  /** BN after `conv2`. */
  readonly bn2: BatchNorm2d;
  /** 1×1 expanding conv, `planes` → `planes * 4` (no bias). */
  readonly conv3: Conv2d;
  /** BN after `conv3`. */
  readonly bn3: BatchNorm2d;
  /** The ReLU after `bn1`, after `bn2` and after the sum with `identity`. */
  readonly relu: ReLU;
  /** The projection of `identity`, `Sequential(1×1 conv, BN)` (keys `downsample.0/1`), or null when `identity` is `x`. */
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * Bottleneck.expansion));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * Bottleneck.expansion));
    this.relu = this.registerModule('relu', new ReLU());
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
      h = this.relu.forward(this.bn2.forward(this.conv2.forward(h)));
      const out = this.bn3.forward(this.conv3.forward(h));
      return this.relu.forward(tf.add(out, this.downsample ? this.downsample.forward(x) : x));
    });
  }
}

/**
 * torchvision's `ResNet(block, layers, num_classes)`: stem `conv1` (7×7, stride 2, pad 3) + `bn1`
 * + `relu` + `maxpool` (3×3, stride 2, pad 1), four stages of `layers[i]` blocks (64, 128, 256, 512
 * planes; stride 2 from the second), `avgpool` (global mean), `fc`. Initialised as torchvision does:
 * convolutions Kaiming-normal in fan-out mode, BN weights 1 and biases 0, `fc` PyTorch's default.
 */
export class ResNet extends Module {
  /** The stem's 7×7 conv, `nIn` → 64 channels, stride 2, padding 3, no bias (torchvision's key `conv1.weight`). */
  readonly conv1: Conv2d;
  /** The stem's BN after `conv1`, 64 channels (key prefix `bn1.`). */
  readonly bn1: BatchNorm2d;
  /** The stem's ReLU (no parameters). */
  readonly relu: ReLU;
  /** The stem's 3×3 max pool, stride 2, padding 1: its output is at stride 4. */
  readonly maxpool: MaxPool2d;
  /** `layer1`: the first stage, at stride 4: `layers[0]` blocks of 64 planes (torchvision's key prefix `layer1.`). */
  readonly layer1: Sequential;
  /** `layer2`: the second stage, at stride 8: `layers[1]` blocks of 128 planes, the first with stride 2 (key prefix `layer2.`). */
  readonly layer2: Sequential;
  /** `layer3`: the third stage, at stride 16: `layers[2]` blocks of 256 planes, the first with stride 2 (key prefix `layer3.`). */
  readonly layer3: Sequential;
  /** `layer4`: the fourth stage, at stride 32: `layers[3]` blocks of 512 planes, the first with stride 2 (key prefix `layer4.`). */
  readonly layer4: Sequential;
  /** Global average pooling to `[N, 1, 1, 512 · expansion]` (no parameters). */
  readonly avgpool: AdaptiveAvgPool2d;
  /** The classifier, `Linear(512 · expansion, numClasses)` (key prefix `fc.`). */
  readonly fc: Linear;

  constructor(block: ResNetBlock, layers: readonly [number, number, number, number], opts: TorchvisionOptions = {}) {
    super();
    const numClasses = opts.numClasses ?? 1000;
    const nIn = opts.nIn ?? 3;
    checkInt('ResNet', 'numClasses', numClasses);
    checkInt('ResNet', 'nIn', nIn);
    layers.forEach((n, i) => checkInt('ResNet', `layers[${i}]`, n));
    let inplanes = 64;
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      const out = planes * block.expansion;
      const down = stride !== 1 || inplanes !== out ? new Sequential(conv1x1(inplanes, out, stride), new BatchNorm2d(out)) : null;
      const mods: Module[] = [new block(inplanes, planes, stride, down)];
      inplanes = out;
      for (let i = 1; i < blocks; i++) mods.push(new block(inplanes, planes, 1, null));
      return new Sequential(...mods);
    };
    this.conv1 = this.registerModule('conv1', new Conv2d(nIn, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.relu = this.registerModule('relu', new ReLU());
    this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule('layer1', stage(64, layers[0], 1));
    this.layer2 = this.registerModule('layer2', stage(128, layers[1], 2));
    this.layer3 = this.registerModule('layer3', stage(256, layers[2], 2));
    this.layer4 = this.registerModule('layer4', stage(512, layers[3], 2));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.fc = this.registerModule('fc', new Linear(512 * block.expansion, numClasses));
    for (const m of this.modules()) if (m instanceof Conv2d) kaimingNormal(m.weight, { mode: 'fanOut' });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
      for (const s of [this.layer1, this.layer2, this.layer3, this.layer4]) h = s.forward(h);
      h = this.avgpool.forward(h);
      return this.fc.forward(tf.reshape(h, [h.shape[0], -1]));
    });
  }
}

const resnetMeta = (name: string, file: string) => ({
  name,
  cut: -2,
  bodySplits: [6],
  stats: IMAGENET_STATS,
  weights: { file, url: `https://download.pytorch.org/models/${file}` },
  firstConv: 'conv1.weight',
  classifier: 'fc.weight',
});

/** torchvision's `resnet18()`: `BasicBlock`s `[2, 2, 2, 2]`, 11.7 M parameters. */
export const resnet18: VisionArch<ResNet> = defineArch((o) => new ResNet(BasicBlock, [2, 2, 2, 2], o), resnetMeta('resnet18', 'resnet18-f37072fd.pth'));
/** torchvision's `resnet34()`: `BasicBlock`s `[3, 4, 6, 3]`, 21.8 M parameters. */
export const resnet34: VisionArch<ResNet> = defineArch((o) => new ResNet(BasicBlock, [3, 4, 6, 3], o), resnetMeta('resnet34', 'resnet34-b627a593.pth'));
/** torchvision's `resnet50()`: `Bottleneck`s `[3, 4, 6, 3]`, 25.6 M parameters. */
export const resnet50: VisionArch<ResNet> = defineArch((o) => new ResNet(Bottleneck, [3, 4, 6, 3], o), resnetMeta('resnet50', 'resnet50-11ad3fa6.pth'));
