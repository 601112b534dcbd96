/**
 * The old fastai CIFAR-10 lesson's ladder of models, each a step up from the last: `SimpleNet`
 * (MLP) → `ConvNet` → `ConvNet2` (with `ConvLayer`) → `ConvBnNet` / `ConvBnNet2` (with the
 * hand-written `BnLayer`) → `ResNet` / `ResNet2` (with `ResNetLayer`, dropout). The public entry
 * exports them as one namespace, `ladder` (`new ladder.ResNet2(...)`), with the notebook's names.
 * Children carry the notebook's names (`layers`, `layers2`, `conv1`, `out`, `drop`) so state-dict
 * keys match; every model returns log-probabilities (`log_softmax`), as the notebook's — feeding
 * them to `crossEntropy` is exact, since log-softmax of log-probabilities is the identity.
 */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, fmtShape } from '../module-error.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { AdaptiveMaxPool2d } from '../layers/pooling.js';
import { Dropout } from '../layers/dropout.js';
import { ModuleList } from '../module-list.js';


const pairs = (layers: readonly number[]): [number, number][] => layers.slice(0, -1).map((n, i) => [n, layers[i + 1]]);

function checkLayers(who: string, layers: readonly number[], min = 2): void {
  if (layers.length < min || layers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`${who}: layers must be at least ${min} integer sizes >= 1, got [${layers.join(', ')}]`);
  }
}

/** Global max pool + flatten (`F.adaptive_max_pool2d(x, 1).view(n, -1)`). */
const globalMax = (x: tf.Tensor): tf.Tensor => tf.max(x, [1, 2]);

/** `SimpleNet([3072, 40, 10])`: flatten, then `Linear`s with ReLU between, log-softmax output. */
export class SimpleNet extends Module {
  /** The `Linear` layers, in order. */
  readonly layers: ModuleList<Linear>;

  constructor(layers: readonly number[]) {
    super();
    checkLayers('SimpleNet', layers);
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new Linear(a, b))));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = tf.reshape(x, [x.shape[0], -1]);
      this.layers.items.forEach((l, i) => (h = l.forward(i === 0 ? h : tf.relu(h))));
      return tf.logSoftmax(h);
    });
  }
}

/**
 * `ConvNet([3, 20, 40, 80], 10)`: unpadded 3×3 stride-2 convs with ReLU, `pool` =
 * AdaptiveMaxPool2d(1), flatten, `out` = Linear, log-softmax.
 */
export class ConvNet extends Module {
  /** The stride-2 convolutions, in order. */
  readonly layers: ModuleList<Conv2d>;
  /** Global max pooling before the head. */
  readonly pool: AdaptiveMaxPool2d;
  /** The classifier head. */
  readonly out: Linear;

  constructor(layers: readonly number[], c: number) {
    super();
    checkLayers('ConvNet', layers);
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new Conv2d(a, b, 3, { stride: 2 }))));
    this.pool = this.registerModule('pool', new AdaptiveMaxPool2d(1));
    this.out = this.registerModule('out', new Linear(layers[layers.length - 1], c));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) h = tf.relu(l.forward(h));
      h = this.pool.forward(h);
      return tf.logSoftmax(this.out.forward(tf.reshape(h, [h.shape[0], -1])));
    });
  }
}

/** `ConvLayer(ni, nf)`: `relu(conv(x))` with a 3×3 stride-2 conv padded by 1. */
export class ConvLayer extends Module {
  /** The 3×3 stride-2 convolution. */
  readonly conv: Conv2d;

  constructor(ni: number, nf: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(ni, nf, 3, { stride: 2, padding: 1 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.relu(this.conv.forward(x)));
  }
}

/** `ConvNet2([3, 20, 40, 80], 10)`: `ConvLayer`s, global max pool, flatten, `out`, log-softmax. */
export class ConvNet2 extends Module {
  /** The `ConvLayer`s, in order. */
  readonly layers: ModuleList<ConvLayer>;
  /** The classifier head. */
  readonly out: Linear;

  constructor(layers: readonly number[], c: number) {
    super();
    checkLayers('ConvNet2', layers);
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new ConvLayer(a, b))));
    this.out = this.registerModule('out', new Linear(layers[layers.length - 1], c));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) h = l.forward(h);
      return tf.logSoftmax(this.out.forward(globalMax(h)));
    });
  }
}

/** Options of `BnLayer`. */
export interface BnLayerOptions {
  /** Conv stride (default 2). */
  stride?: number;
  /** Conv kernel size (default 3; the padding is 1 whatever the size, as in the notebook). */
  kernelSize?: number;
  /**
   * Added to the std before dividing (default 1e-5, so a channel that is all zero after the ReLU
   * gives 0 rather than NaN); `0` is the notebook's exact formula.
   */
  eps?: number;
}

/**
 * The lesson's hand-written batch norm layer: `conv` (no bias, padding 1), ReLU, then per channel
 * `(x - mean) / std * m + a` with learned adder `a` (zeros) and multiplier `m` (ones). In training
 * the batch's mean and unbiased std (`torch.std`) are used and kept in the buffers `means` /
 * `stds`; in eval mode the kept ones (the last training batch's — no running average, as in the
 * notebook; before any training they are 0 and 1).
 */
export class BnLayer extends Module {
  /** The convolution (no bias, padding 1). */
  readonly conv: Conv2d;
  /** Learned per-channel adder (the notebook's `a`, shape `[nf]` instead of `[nf, 1, 1]`). */
  readonly a: tf.Variable;
  /** Learned per-channel multiplier (`m`). */
  readonly m: tf.Variable;
  /** Per-channel means of the last training batch. */
  readonly means: tf.Variable;
  /** Per-channel stds of the last training batch. */
  readonly stds: tf.Variable;
  /** Added to the std before dividing. */
  readonly eps: number;

  constructor(ni: number, nf: number, opts: BnLayerOptions = {}) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(ni, nf, opts.kernelSize ?? 3, { stride: opts.stride ?? 2, padding: 1, bias: false }));
    this.a = this.registerParameter('a', tf.zeros([nf]));
    this.m = this.registerParameter('m', tf.ones([nf]));
    this.means = this.registerBuffer('means', tf.zeros([nf]));
    this.stds = this.registerBuffer('stds', tf.ones([nf]));
    this.eps = opts.eps ?? 1e-5;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.relu(this.conv.forward(x));
      let mean: tf.Tensor = this.means;
      let std: tf.Tensor = this.stds;
      if (this.training) {
        const n = h.size / this.conv.nf;
        if (n < 2) throw new ModuleError(this, `${this.describe()} needs more than 1 value per channel in training, got conv output ${fmtShape(h.shape)}`);
        const mom = tf.moments(h, [0, 1, 2]);
        mean = mom.mean;
        std = tf.sqrt(tf.mul(mom.variance, n / (n - 1)));
        this.means.assign(mean);
        this.stds.assign(std);
      }
      return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.add(std, this.eps)), this.m), this.a);
    });
  }

  override extraRepr(): string {
    return `${this.conv.ni}, ${this.conv.nf}, stride=${this.conv.stride}, kernel_size=${this.conv.ks}`;
  }
}

/** `ResNetLayer`: a `BnLayer` whose output is added to its input (`x + BnLayer(x)`; needs ni = nf, stride 1). */
export class ResNetLayer extends BnLayer {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(x, super.forward(x)));
  }
}

/** The stem shared by the BN nets: `Conv2d(3 → layers[0], 5, pad 2)` (the notebook's `3 → 10`). */
/** Options of the ladder models with a stem (`ConvBnNet`, `ConvBnNet2`, `ResNet`, `ResNet2`). */
export interface LadderOptions {
  /** Input channels of the stem (default 3: the lesson's CIFAR-10; 1 for grey images such as Fashion-MNIST). */
  cIn?: number;
}

/** The lesson's input stem: a 5×5 convolution, stride 1, padding 2, from `cIn` channels to `layers[0]`. */
const stem5 = (layers: readonly number[], cIn = 3): Conv2d => new Conv2d(cIn, layers[0], 5, { stride: 1, padding: 2 });

/** Run `x` through aligned lists (`λ3(λ2(λ(x)))` per index), then global max pool, `out`, log-softmax. */
function ladderHead(x: tf.Tensor, lists: ModuleList[], out: Linear, drop?: Dropout): tf.Tensor {
  let h = x;
  for (let i = 0; i < lists[0].length; i++) for (const l of lists) h = l.items[i].forward(h);
  let v = globalMax(h);
  if (drop) v = drop.forward(v);
  return tf.logSoftmax(out.forward(v));
}

/** `ConvBnNet([10, 20, 40, 80, 160], 10)`: 5×5 `conv1` (from `opts.cIn` channels, default 3), stride-2 `BnLayer`s, global max pool, `out`. */
export class ConvBnNet extends Module {
  /** The 5×5 stem. */
  readonly conv1: Conv2d;
  /** The stride-2 `BnLayer`s, in order. */
  readonly layers: ModuleList<BnLayer>;
  /** The classifier head. */
  readonly out: Linear;

  constructor(layers: readonly number[], c: number, opts: LadderOptions = {}) {
    super();
    checkLayers('ConvBnNet', layers);
    this.conv1 = this.registerModule('conv1', stem5(layers, opts.cIn));
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new BnLayer(a, b))));
    this.out = this.registerModule('out', new Linear(layers[layers.length - 1], c));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => ladderHead(this.conv1.forward(x), [this.layers], this.out));
  }
}

/** `ConvBnNet2(layers, c)`: `ConvBnNet` with a stride-1 `BnLayer` (`layers2`) after each stride-2 one. */
export class ConvBnNet2 extends Module {
  /** The 5×5 stem. */
  readonly conv1: Conv2d;
  /** The stride-2 `BnLayer`s, in order. */
  readonly layers: ModuleList<BnLayer>;
  /** The stride-1 `BnLayer` after each of `layers`. */
  readonly layers2: ModuleList<BnLayer>;
  /** The classifier head. */
  readonly out: Linear;

  constructor(layers: readonly number[], c: number, opts: LadderOptions = {}) {
    super();
    checkLayers('ConvBnNet2', layers);
    this.conv1 = this.registerModule('conv1', stem5(layers, opts.cIn));
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new BnLayer(a, b))));
    this.layers2 = this.registerModule('layers2', new ModuleList(pairs(layers).map(([, b]) => new BnLayer(b, b, { stride: 1 }))));
    this.out = this.registerModule('out', new Linear(layers[layers.length - 1], c));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => ladderHead(this.conv1.forward(x), [this.layers, this.layers2], this.out));
  }
}

/**
 * The lesson's `ResNet(layers, c)`: `conv1` (5×5), then per stage a stride-2 `BnLayer` and two
 * `ResNetLayer`s (`layers2`, `layers3`), global max pool, `out`. The transcript's forward calls
 * `λ3(λ3(λ(x)))`, a typo that leaves `layers2` unused; this runs `λ3(λ2(λ(x)))` as its `ResNet2`
 * does and as intended. The third argument replaces the 5×5 stem with a module (`ResNet2` passes a
 * `BnLayer`), or gives the stem's input channels (`{ cIn: 1 }`; default 3).
 */
export class ResNet extends Module {
  /** The stem. */
  readonly conv1: Module;
  /** The stride-2 `BnLayer` of each stage. */
  readonly layers: ModuleList<BnLayer>;
  /** The first residual layer of each stage. */
  readonly layers2: ModuleList<ResNetLayer>;
  /** The second residual layer of each stage. */
  readonly layers3: ModuleList<ResNetLayer>;
  /** The classifier head. */
  readonly out: Linear;

  constructor(layers: readonly number[], c: number, stem?: Module | LadderOptions) {
    super();
    checkLayers(new.target.name, layers);
    this.conv1 = this.registerModule('conv1', stem instanceof Module ? stem : stem5(layers, stem?.cIn));
    this.layers = this.registerModule('layers', new ModuleList(pairs(layers).map(([a, b]) => new BnLayer(a, b))));
    this.layers2 = this.registerModule('layers2', new ModuleList(pairs(layers).map(([, b]) => new ResNetLayer(b, b, { stride: 1 }))));
    this.layers3 = this.registerModule('layers3', new ModuleList(pairs(layers).map(([, b]) => new ResNetLayer(b, b, { stride: 1 }))));
    this.out = this.registerModule('out', new Linear(layers[layers.length - 1], c));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => ladderHead(this.conv1.forward(x), [this.layers, this.layers2, this.layers3], this.out));
  }
}

/**
 * The lesson's `ResNet2(layers, c, p = 0.5)`: `ResNet` with a `BnLayer(3 → layers[0],
 * stride 1, 7×7)` stem (padding 1 as in the notebook, so 32×32 inputs become 28×28; `opts.cIn`
 * input channels instead of 3) and `Dropout(p)` (`drop`) before `out`.
 */
export class ResNet2 extends ResNet {
  /** Dropout before the head. */
  readonly drop: Dropout;

  constructor(layers: readonly number[], c: number, p = 0.5, opts: LadderOptions = {}) {
    super(layers, c, new BnLayer(opts.cIn ?? 3, layers[0], { stride: 1, kernelSize: 7 }));
    this.drop = this.registerModule('drop', new Dropout(p));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => ladderHead(this.conv1.forward(x), [this.layers, this.layers2, this.layers3], this.out, this.drop));
  }
}
