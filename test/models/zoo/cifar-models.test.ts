import { beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  Callback,
  crossEntropy,
  DataBunch,
  DataLoader,
  Learner,
  Runner,
  setSeed,
  tf,
  TensorDataset,
  type Module,
} from '../../../src/index.js';
import { CNN } from '../../../src/models/zoo/cifar-cnn.js';
import { BasicBlock, PlainBlock, ResNet } from '../../../src/models/zoo/resnet.js';
import { BnLayer, ConvBnNet, ConvBnNet2, ConvNet, ConvNet2, ResNet as LadderResNet, ResNet2, ResNetLayer, SimpleNet } from '../../../src/models/zoo/ladder.js';
import { summary } from '../../../src/models/summary.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  setSeed(42);
});

const nParams = (m: Module): number => m.parameters().reduce((a, p) => a + p.size, 0);
const small = { widths: [8, 16, 16, 32] };

/** Forward `[2, 32, 32, 3]` in training then eval mode; check the output shape and that nothing leaks. */
function checkForward(m: Module, want: number[]): void {
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  for (const mode of [true, false]) {
    m.train(mode);
    const y = m.forward(x);
    expect(y.shape).toEqual(want);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }
  x.dispose();
}

describe('output shapes on [2, 32, 32, 3]', () => {
  const models: [string, () => Module][] = [
    ['CNN', () => new CNN()],
    ['CNN bn', () => new CNN({ bn: true })],
    ['ResNet PlainBlock', () => new ResNet(PlainBlock, [2, 2, 2, 2], small)],
    ['ResNet BasicBlock', () => new ResNet(BasicBlock, [2, 2, 2, 2], small)],
    ['SimpleNet', () => new SimpleNet([32 * 32 * 3, 40, 10])],
    ['ConvNet', () => new ConvNet([3, 20, 40, 80], 10)],
    ['ConvNet2', () => new ConvNet2([3, 20, 40, 80], 10)],
    ['ConvBnNet', () => new ConvBnNet([10, 20, 40, 80, 160], 10)],
    ['ConvBnNet2', () => new ConvBnNet2([10, 20, 40, 80, 160], 10)],
    ['ladder.ResNet', () => new LadderResNet([10, 20, 40, 80, 160], 10)],
    ['ResNet2', () => new ResNet2([16, 32, 128, 256], 10, 0.2)],
  ];
  for (const [name, make] of models) {
    it(`${name} → [2, 10], train and eval, no leaks`, () => {
      const m = make();
      checkForward(m, [2, 10]);
      m.dispose();
    });
  }

  it('the ladder models with a stem take grey images with { cIn: 1 }', () => {
    const x = tf.randomNormal([2, 28, 28, 1]);
    for (const m of [new ConvBnNet([10, 20, 40], 10, { cIn: 1 }), new ConvBnNet2([10, 20, 40], 10, { cIn: 1 }), new LadderResNet([10, 20, 40], 10, { cIn: 1 }), new ResNet2([16, 32], 10, 0.2, { cIn: 1 })]) {
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 10]);
      y.dispose();
      m.dispose();
    }
    expect(() => new ConvBnNet([10, 20, 40], 10).forward(x)).toThrow(/Conv2d|channel/);
    x.dispose();
  });

  it('ResNet numClasses sets the head', () => {
    const m = new ResNet(BasicBlock, [1, 1], { widths: [4, 8], numClasses: 3 });
    checkForward(m, [2, 3]);
    m.dispose();
  });

  it('ladder models output log-probabilities (rows of exp sum to 1)', () => {
    const m = new ConvBnNet([10, 20, 40], 10).eval();
    const y = m.forward(tf.ones([2, 32, 32, 3]));
    const sums = tf.tidy(() => tf.exp(y).sum(1).dataSync());
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    tf.dispose(y);
    m.dispose();
  });
});

describe('parameter counts', () => {
  it('ResNet-18 (BasicBlock, [2, 2, 2, 2], 10 classes) has PyTorch\'s 11,173,962 parameters', () => {
    // By hand (conv weights k·k·in·out, no bias; each BN 2·C; the linear 512·10 + 10):
    //   stem:   conv 3·64·9 = 1,728 + bn 128                                        =     1,856
    //   layer1: 2 × (2 convs 64·64·9 = 73,728 + 2 bn 256)                           =   147,968
    //   layer2: block 1: 64·128·9 + 128·128·9 + 2 bn 512 + shortcut 64·128 + bn 256 = 230,144
    //           block 2: 2 · 147,456 + 512 = 295,424                                =   525,568
    //   layer3: 294,912 + 589,824 + 1,024 + 32,768 + 512 = 919,040; + 1,180,672     = 2,099,712
    //   layer4: 1,179,648 + 2,359,296 + 2,048 + 131,072 + 1,024 = 3,673,088;
    //           + 2 · 2,359,296 + 2,048 = 4,720,640                                 = 8,393,728
    //   linear: 5,130                                                  total        = 11,173,962
    const m = new ResNet(BasicBlock, [2, 2, 2, 2]);
    expect(nParams(m)).toBe(11_173_962);
    // Without the three projection shortcuts (8,448 + 33,280 + 132,096 = 173,824):
    const plain = new ResNet(PlainBlock, [2, 2, 2, 2]);
    expect(nParams(plain)).toBe(11_173_962 - 173_824);
    expect(m.stateDict()['layer2.0.shortcut.0.weight'].shape).toEqual([1, 1, 64, 128]);
    expect(Object.keys(m.stateDict())).toContain('layer2.0.shortcut.1.running_mean');
    expect(Object.keys(m.stateDict()).some((k) => k.startsWith('layer1.0.shortcut'))).toBe(false);
    m.dispose();
    plain.dispose();
  });

  it('matches the notebooks: CNN 25,578 (+96 with BN), SimpleNet 123,330, ConvNet 37,490, ConvBnNet 155,970', () => {
    // CNN: 3·16·9 + 16 = 448; 16·32·9 + 32 = 4,640; 2048·10 + 10 = 20,490. BN adds 2·16 + 2·32.
    const counts: [Module, number][] = [
      [new CNN(), 25_578],
      [new CNN({ bn: true }), 25_674],
      [new SimpleNet([3072, 40, 10]), 122_880 + 40 + 400 + 10], // the notebook's printed sizes
      [new ConvNet([3, 20, 40, 80], 10), 560 + 7_240 + 28_880 + 810],
      [new ConvNet2([3, 20, 40, 80], 10), 560 + 7_240 + 28_880 + 810],
      // the notebook's summary: 760, 1800, 7200, 28800, 115200, 1610 (it omits BnLayer's a and m: 2·300)
      [new ConvBnNet([10, 20, 40, 80, 160], 10), 155_370 + 600],
    ];
    for (const [m, n] of counts) {
      expect(nParams(m), m.constructor.name).toBe(n);
      m.dispose();
    }
  });
});

describe('summary', () => {
  it('ConvNet2 rows match the notebook (NHWC shapes), totals = sum of parameter sizes', () => {
    const m = new ConvNet2([3, 20, 40, 80], 10);
    const s = summary(m, [1, 32, 32, 3]);
    expect(s.rows.map((r) => [r.layer, r.outputShape, r.params])).toEqual([
      ['Conv2d-1', [1, 16, 16, 20], 560],
      ['Conv2d-2', [1, 8, 8, 40], 7240],
      ['Conv2d-3', [1, 4, 4, 80], 28880],
      ['Linear-4', [1, 10], 810],
    ]);
    expect(s.totalParams).toBe(nParams(m));
    expect(s.trainableParams).toBe(s.totalParams);
    expect(s.toString()).toMatch(/Conv2d-1 \(layers\.0\.conv\)\s+\[1, 16, 16, 20\]\s+560/);
    expect(s.toString()).toMatch(/Total params: 37,490/);
    m.dispose();
  });

  it('counts own parameters of non-leaf modules (BnLayer a, m), restores modes, frees tensors', () => {
    const m = new ResNet2([16, 32], 10, 0.2);
    m.train();
    m.layers2.items[0].eval();
    const before = tf.memory().numTensors;
    const s = summary(m, [2, 32, 32, 3]);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.training).toBe(true);
    expect(m.layers2.items[0].training).toBe(false);
    expect(m.layers.items[0].training).toBe(true);
    expect(s.rows.map((r) => r.layer)).toEqual([
      'Conv2d-1', 'BnLayer-2', 'Conv2d-3', 'BnLayer-4', 'Conv2d-5', 'ResNetLayer-6', 'Conv2d-7', 'ResNetLayer-8', 'Dropout-9', 'Linear-10',
    ]);
    expect(s.rows[1]).toMatchObject({ path: 'conv1', outputShape: [2, 28, 28, 16], params: 32 });
    expect(s.rows.reduce((a, r) => a + r.params, 0)).toBe(s.totalParams);
    expect(s.totalParams).toBe(nParams(m));
    m.dispose();
  });

  it('ResNet BasicBlock: row params sum to the total; identity shortcuts are not rows', () => {
    const m = new ResNet(BasicBlock, [2, 2], { widths: [8, 16] });
    const s = summary(m, [1, 32, 32, 3]);
    expect(s.rows.reduce((a, r) => a + r.params, 0)).toBe(s.totalParams);
    expect(s.totalParams).toBe(nParams(m));
    expect(s.rows.some((r) => r.path === 'layer1.0.shortcut')).toBe(false);
    expect(s.rows.find((r) => r.path === 'layer2.0.shortcut.0')?.outputShape).toEqual([1, 16, 16, 16]);
    expect(s.rows.at(-1)).toMatchObject({ layer: expect.stringMatching(/^Linear-/), outputShape: [1, 10] });
    m.dispose();
  });
});

describe('BnLayer', () => {
  it('normalises with the batch mean and unbiased std in training, and keeps them for eval', () => {
    const l = new BnLayer(2, 3, { stride: 1, eps: 0 });
    const x = tf.randomNormal([4, 5, 5, 2], 0, 1, 'float32', 3);
    const y = l.forward(x);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    mean.dataSync().forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
    const n = 4 * 5 * 5;
    variance.dataSync().forEach((v) => expect(v * n / (n - 1)).toBeCloseTo(1, 4));
    l.eval();
    const y2 = l.forward(x);
    expect(tf.tidy(() => tf.sub(y, y2).abs().max().dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, y, mean, variance, y2]);
    l.dispose();
  });

  it('ResNetLayer adds its input', () => {
    const r = new ResNetLayer(3, 3, { stride: 1 });
    const b = new BnLayer(3, 3, { stride: 1 });
    b.loadStateDict(r.stateDict());
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1);
    const [yr, yb] = [r.forward(x), b.forward(x)];
    const diff = tf.tidy(() => tf.sub(yr, tf.add(yb, x)).abs().max().dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, yr, yb]);
  });
});

/** Records `tf.memory().numTensors` and the mean training loss after every epoch. */
class EpochProbe extends Callback {
  numTensors: number[] = [];
  losses: number[] = [];
  private sum = 0;
  private count = 0;
  override beginEpoch(): void {
    this.sum = 0;
    this.count = 0;
  }
  override afterBatch(): void {
    if (!this.run.inTrain) return;
    this.sum += this.run.loss.dataSync()[0];
    this.count++;
  }
  override afterEpoch(): void {
    this.losses.push(this.sum / this.count);
    this.numTensors.push(tf.memory().numTensors);
  }
}

/** `n` 8×8 images (small: the cpu backend's conv filter gradient is a slow loop): class 0 reddish, class 1 bluish, with noise. */
function colourData(n: number, seed: number): TensorDataset {
  const [x, y] = tf.tidy(() => {
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2), 'int32');
    const base = tf.stack(Array.from({ length: n }, (_, i) => tf.tensor1d(i % 2 ? [-0.5, 0, 0.5] : [0.5, 0, -0.5]))).reshape([n, 1, 1, 3]);
    return [tf.add(base, tf.randomNormal([n, 8, 8, 3], 0, 0.5, 'float32', seed)), labels];
  });
  return new TensorDataset(x, y);
}

describe('training a BasicBlock ResNet', () => {
  it('lowers the training loss on a colour task; numTensors is stable from epoch 2 to 3', async () => {
    setSeed(1);
    const data = new DataBunch(new DataLoader(colourData(64, 1), { bs: 16, shuffle: true, seed: 1 }), new DataLoader(colourData(32, 2), { bs: 32 }), 2);
    const model = new ResNet(BasicBlock, [1, 1, 1, 1], { widths: [8, 8, 16, 16], numClasses: 2 });
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: adam(), lr: 3e-3 });
    const probe = new EpochProbe();
    await new Runner({ cbs: [probe] }).fit(3, learn);
    expect(probe.losses[2]).toBeLessThan(probe.losses[0]);
    expect(probe.losses[2]).toBeLessThan(0.5);
    expect(probe.numTensors[2]).toBe(probe.numTensors[1]);
    data.dispose();
    model.dispose();
  });
});
