/**
 * MNIST: a convnet without and with BatchNorm
 *
 * Generated from notebooks/01_mnist_batchnorm.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/01_mnist_batchnorm.ts [--epochs … --bs … --lr … --seed …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # MNIST: a convnet without and with BatchNorm

// parameters (each one a command-line flag)
const { epochs, bs, lr, seed } = flags({
  epochs: 5, // epochs per run
  bs: 64, // batch size
  lr: 0.05, // SGD learning rate
  seed: 1,
});

import {
  tf, initBackend, setSeed, noGrad, TensorDataset, DataLoader, DataBunch, Module, Sequential, Conv2d, ReLU,
  AdaptiveAvgPool2d, Flatten, Linear, BatchNorm2d, Learner, Runner, AvgStatsCallback, Recorder, ProgressCallback,
  showFigure, accuracy, crossEntropy, sgd,
} from '../../src/index.js';
import { loadMnistArrays } from '../../src/data/index.js';
import { lineChart, type Series } from '../../src/plot/index.js';

const backend = await initBackend();

// ## The data

const arr = await loadMnistArrays();
const nTrain = arr.trainY.length;
const nValid = arr.validY.length;
const rawTrain = tf.tensor4d(arr.trainX, [nTrain, 28, 28, 1]);
const rawValid = tf.tensor4d(arr.validX, [nValid, 28, 28, 1]);
const { mean, variance } = tf.moments(rawTrain);
const m = (await mean.data())[0];
const s = Math.sqrt((await variance.data())[0]);
const xTrain = tf.div(tf.sub(rawTrain, m), s);
const xValid = tf.div(tf.sub(rawValid, m), s);
tf.dispose([rawTrain, rawValid, mean, variance]);
console.log(`train [${xTrain.shape.join(', ')}], valid [${xValid.shape.join(', ')}]; training pixels: mean ${m.toFixed(4)}, std ${s.toFixed(4)}`);

const yTrain = tf.tensor1d(arr.trainY, 'int32');
const yValid = tf.tensor1d(arr.validY, 'int32');

function bunch(): DataBunch {
  const train = new DataLoader(new TensorDataset(xTrain, yTrain), { bs: bs, shuffle: true, seed: seed });
  const valid = new DataLoader(new TensorDataset(xValid, yValid), { bs: 2 * bs });
  return new DataBunch(train, valid, 10);
}

// ## The model

function plainNet(): Module {
  setSeed(seed);
  return new Sequential(
    new Conv2d(1, 4, 3, { stride: 2, padding: 1 }), new ReLU(),   // 14×14×4
    new Conv2d(4, 8, 3, { stride: 2, padding: 1 }), new ReLU(),   // 7×7×8
    new Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new ReLU(),  // 4×4×16
    new Conv2d(16, 32, 3, { stride: 2, padding: 1 }), new ReLU(), // 2×2×32
    new Conv2d(32, 64, 3, { stride: 2, padding: 1 }),             // 1×1×64
    new AdaptiveAvgPool2d(1), new Flatten(), new Linear(64, 10),
  );
}
console.log(plainNet().toString());

// ## Training

const curves: Series[] = [];

async function train(name: string, model: Module): Promise<void> {
  const recorder = new Recorder();
  const learn = new Learner({ model: model, data: bunch(), lossFunc: crossEntropy, optFunc: sgd(), lr: lr });
  await new Runner({ cbs: [new AvgStatsCallback([accuracy]), recorder, new ProgressCallback()] }).fit(epochs, learn);
  curves.push({ name: name, x: recorder.losses.map((_, i) => i), y: recorder.losses });
}

await train('no norm', plainNet());

// ## Batch normalization

class MyBatchNorm extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly means: tf.Variable;
  readonly vars: tf.Variable;

  constructor(readonly nf: number, readonly mom = 0.1, readonly eps = 1e-5) {
    super();
    this.gamma = this.registerParameter('gamma', tf.ones([nf]));
    this.beta = this.registerParameter('beta', tf.zeros([nf]));
    this.means = this.registerBuffer('means', tf.zeros([nf]));
    this.vars = this.registerBuffer('vars', tf.ones([nf]));
  }

  /** The batch's mean and (unbiased) variance per channel — axes 0, 1, 2 are batch, height, width — and the running averages moved towards them. */
  private updateStats(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const n = x.size / this.nf;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const unbiased = tf.mul(variance, n / (n - 1));
    this.means.assign(tf.add(this.means, tf.mul(tf.sub(mean, this.means), this.mom)));
    this.vars.assign(tf.add(this.vars, tf.mul(tf.sub(unbiased, this.vars), this.mom)));
    return [mean, unbiased];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [m, v] = this.training ? noGrad(() => this.updateStats(x)) : [this.means, this.vars];
      return tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, this.eps))), this.gamma), this.beta);
    });
  }
}

function bnNet(norm: (nf: number) => Module): Module {
  setSeed(seed);
  const nfs = [1, 8, 16, 32, 64, 64];
  const layers: Module[] = [];
  for (let i = 0; i < 5; i++) {
    layers.push(new Conv2d(nfs[i], nfs[i + 1], 3, { stride: 2, padding: 1, bias: false }), norm(nfs[i + 1]));
    if (i < 4) layers.push(new ReLU());
  }
  return new Sequential(...layers, new AdaptiveAvgPool2d(1), new Flatten(), new Linear(64, 10));
}

await train('MyBatchNorm (no_grad statistics)', bnNet((nf) => new MyBatchNorm(nf)));

{
  const x = tf.randomNormal([64, 7, 7, 16]);
  const mine = new MyBatchNorm(16);
  const lib = new BatchNorm2d(16);
  const diff = tf.max(tf.abs(tf.sub(mine.forward(x), lib.forward(x))));
  console.log(`largest difference between the two outputs: ${(await diff.data())[0].toExponential(1)}`);
  tf.dispose([x, diff]);
  mine.dispose();
  lib.dispose();
}

await train('BatchNorm2d', bnNet((nf) => new BatchNorm2d(nf)));

await showFigure(lineChart({ title: `MNIST, SGD lr ${lr}, batch size ${bs}`, xLabel: 'training batch', yLabel: 'training loss', series: curves, width: 760, height: 420 }), { name: 'losses' });
