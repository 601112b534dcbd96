/**
 * torchvision's `mobilenet_v2()` with torchvision's module names (`features.0.0.weight`,
 * `features.1.conv.0.0.weight`, …, `classifier.1.weight`), so its state dicts load key for key.
 * Depthwise convolutions are `Conv2d` with `groups = channels`; NHWC inside.
 */
import { tf } from '../../../backend/tf.js';
import { Module } from '../../module.js';
import { Sequential } from '../../sequential.js';
import { Conv2d } from '../../layers/conv2d.js';
import { Linear } from '../../layers/linear.js';
import { Dropout } from '../../layers/dropout.js';
import { ReLU6 } from '../../layers/activations.js';
import { BatchNorm2d } from '../../norms/batch-norm-2d.js';
import { kaimingNormal } from '../../init.js';
import { nextSeed } from '../../../core/rng.js';
import { checkInt } from '../../../core/validate.js';
import { IMAGENET_STATS, defineArch, type TorchvisionOptions, type VisionArch } from './arch.js';

/** torchvision's `_make_divisible`: `v` rounded to a multiple of `divisor`, never below 90% of `v`. */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  let n = Math.max(minValue, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (n < 0.9 * v) n += divisor;
  return n;
}

/**
 * torchvision's `Conv2dNormActivation` (as MobileNetV2 uses it): `Conv2d` (no bias, padding
 * `(k - 1) / 2`), `BatchNorm2d`, `ReLU6` — children `0`, `1`, `2`.
 */
export class Conv2dNormActivation extends Sequential {
  constructor(ni: number, nf: number, opts: { kernelSize?: number; stride?: number; groups?: number } = {}) {
    const k = opts.kernelSize ?? 3;
    super(new Conv2d(ni, nf, k, { stride: opts.stride ?? 1, padding: (k - 1) / 2, groups: opts.groups ?? 1, bias: false }), new BatchNorm2d(nf), new ReLU6());
  }
}

/**
 * torchvision's `InvertedResidual(inp, oup, stride, expand_ratio)`: `conv` = [1×1 expansion to
 * `round(inp · expandRatio)` channels (absent when the ratio is 1)], 3×3 depthwise with `stride`,
 * 1×1 linear projection + BN; the input is added back when `stride = 1` and `inp = oup`.
 */
export class InvertedResidual extends Module {
  /** torchvision's `use_res_connect`: whether the input is added back (`stride = 1` and `inp = oup`). */
  readonly useResConnect: boolean;
  /** torchvision's `conv`: [1×1 expansion], 3×3 depthwise (both `Conv2dNormActivation`), 1×1 projection `Conv2d`, `BatchNorm2d` (key prefix `conv.`). */
  readonly conv: Sequential;

  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new RangeError(`InvertedResidual: stride must be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1 }));
    layers.push(new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden }), new Conv2d(hidden, oup, 1, { bias: false }), new BatchNorm2d(oup));
    this.conv = this.registerModule('conv', new Sequential(...layers));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.useResConnect) return this.conv.forward(x);
    return tf.tidy(() => tf.add(x, this.conv.forward(x)));
  }
}

/** Options of `MobileNetV2`. */
export interface MobileNetV2Options extends TorchvisionOptions {
  /** Channel multiplier (default 1). */
  widthMult?: number;
  /** Dropout before the classifier (default 0.2). */
  dropout?: number;
}

/** torchvision's inverted-residual setting: expansion t, channels c, repeats n, first stride s. */
const SETTING: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * torchvision's `MobileNetV2`: `features` (a stride-2 3×3 stem of 32 channels, 17 inverted
 * residual blocks, a 1×1 conv to 1280 channels), global average pooling, `classifier` =
 * [`Dropout(0.2)`, `Linear(1280, numClasses)`]. Initialised as torchvision: convolutions
 * Kaiming-normal fan-out, BN 1 / 0, the linear layer N(0, 0.01) with a zero bias.
 */
export class MobileNetV2 extends Module {
  /** torchvision's `features`: the stem, the 17 `InvertedResidual` blocks and the 1×1 conv to `lastChannel` (keys `features.0.` … `features.18.`). */
  readonly features: Sequential;
  /** torchvision's `classifier`: `Sequential(Dropout(dropout), Linear(lastChannel, numClasses))` (key prefix `classifier.1.` for the linear layer). */
  readonly classifier: Sequential;
  /** torchvision's `last_channel`: the channels of `features`' output, 1280 (× `widthMult` when that is above 1, made divisible by 8). */
  readonly lastChannel: number;

  constructor(opts: MobileNetV2Options = {}) {
    super();
    const numClasses = opts.numClasses ?? 1000;
    const nIn = opts.nIn ?? 3;
    const widthMult = opts.widthMult ?? 1;
    checkInt('MobileNetV2', 'numClasses', numClasses);
    checkInt('MobileNetV2', 'nIn', nIn);
    if (!(widthMult > 0)) throw new RangeError(`MobileNetV2: widthMult must be > 0, got ${widthMult}`);
    let inputChannel = makeDivisible(32 * widthMult, 8);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), 8);
    const features: Module[] = [new Conv2dNormActivation(nIn, inputChannel, { stride: 2 })];
    for (const [t, c, n, s] of SETTING) {
      const out = makeDivisible(c * widthMult, 8);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inputChannel, out, i === 0 ? s : 1, t));
        inputChannel = out;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1 }));
    this.features = this.registerModule('features', new Sequential(...features));
    this.classifier = this.registerModule('classifier', new Sequential(new Dropout(opts.dropout ?? 0.2), new Linear(this.lastChannel, numClasses)));
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal(m.weight, { mode: 'fanOut' });
      if (m instanceof Linear) {
        const w = m.weight;
        tf.tidy(() => w.assign(tf.randomNormal(w.shape, 0, 0.01, 'float32', nextSeed())));
        tf.tidy(() => m.bias?.assign(tf.zerosLike(m.bias)));
      }
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(tf.mean(this.features.forward(x), [1, 2])));
  }
}

/** torchvision's `mobilenet_v2()`: 3.5 M parameters. */
export const mobilenetV2: VisionArch<MobileNetV2, MobileNetV2Options> = defineArch((o?: MobileNetV2Options) => new MobileNetV2(o), {
  name: 'mobilenet_v2',
  cut: -1,
  bodySplits: [],
  stats: IMAGENET_STATS,
  weights: { file: 'mobilenet_v2-7ebf99e0.pth', url: 'https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth' },
  firstConv: 'features.0.0.weight',
  classifier: 'classifier.1.weight',
});
