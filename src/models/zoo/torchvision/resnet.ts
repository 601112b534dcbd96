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
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
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
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
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
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
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
