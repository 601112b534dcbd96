/**
 * Normalization layers: questions and answers
 *
 * Generated from notebooks/02_norms.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/02_norms.ts [--seed … --smallSubset …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # Normalization layers: questions and answers

// parameters (each one a command-line flag)
const { seed, smallSubset } = flags({
  seed: 1,
  smallSubset: 2000, // training images for the batch-size-2 runs (Q9)
});

import {
  tf, initBackend, setSeed, loadMnist, Module, GroupNorm, RunningBatchNorm, TensorDataset, DataLoader, DataBunch,
  getCnnModel, convLayer, initCnn, Learner, Runner, Callback, AvgStatsCallback, Recorder, ProgressCallback, ParamScheduler,
  Hooks, appendStats, plotStats, combineScheds, schedLin, accuracy, crossEntropy, sgd,
  type ConvLayerOptions, type ActivationStats, type Sched,
} from '../../src/index.js';
import { permutation } from '../../src/data/index.js';

const backend = await initBackend();

// ## The setup

const data = await loadMnist({ bs: 512, seed: seed });

/** Options of `fit` beyond the norm, the learning rate and the epochs. */
type FitExtras = { data?: DataBunch; sched?: Sched; recorder?: Recorder };

async function fit(name: string, opts: ConvLayerOptions, lr: number, epochs: number, extra: FitExtras = {}): Promise<void> {
  setSeed(seed);
  const d = extra.data ?? data;
  const model = getCnnModel(d, [8, 16, 32, 64, 64], convLayer, opts);
  initCnn(model);
  const learn = new Learner({ model: model, data: d, lossFunc: crossEntropy, optFunc: sgd(), lr: lr });
  const cbs: Callback[] = [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback()];
  if (extra.sched) cbs.push(new ParamScheduler('lr', extra.sched));
  if (extra.recorder) cbs.push(extra.recorder);
  console.log(`${name}, ${extra.sched ? 'scheduled lr' : `lr ${lr}`}, batch size ${d.trainDl.bs}, ${epochs} epoch(s):`);
  await new Runner({ cbs: cbs }).fit(epochs, learn);
  model.dispose();
}

{
  setSeed(seed);
  const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { norm: 'batch-scratch' });
  initCnn(model);
  const hooks = new Hooks<ActivationStats>(model.children().slice(0, 5), appendStats);
  const learn = new Learner({ model: model, data: data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.9 });
  await new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new ProgressCallback()] }).fit(2, learn);
  await plotStats(hooks, { which: ['meanStd'], title: 'BatchNorm (scratch), lr 0.9' });
  hooks.remove();
}

await fit('BatchNorm2d', { norm: 'batch' }, 0.9, 2);

{
  const recorder = new Recorder();
  await fit('BatchNorm2d', { norm: 'batch' }, 0.6, 4, { sched: combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]), recorder: recorder });
  await recorder.plotLr({ title: 'The schedule: 0.6 → 2 → 0.1' });
}

class MyLayerNorm extends Module {
  readonly mult = this.registerParameter('mult', tf.scalar(1));
  readonly add = this.registerParameter('add', tf.scalar(0));

  constructor(readonly eps = 1e-5) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [1, 2, 3], true); // per sample: height, width, channels
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps))), this.mult), this.add);
    });
  }
}

await fit('MyLayerNorm', { norm: () => new MyLayerNorm(), bias: true }, 0.4, 2);

class MyInstanceNorm extends Module {
  readonly mults: tf.Variable;
  readonly adds: tf.Variable;

  constructor(readonly nf: number, readonly eps = 1e-5) {
    super();
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [1, 2], true); // per sample and channel: height, width
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps))), this.mults), this.adds);
    });
  }
}

await fit('MyInstanceNorm', { norm: (nf) => new MyInstanceNorm(nf), bias: true }, 0.4, 1);

{
  const x = tf.randomNormal([20, 10, 10, 6], 3, 2, 'float32', seed);
  const maxDiff = async (a: tf.Tensor, b: tf.Tensor): Promise<string> => {
    const d = tf.max(tf.abs(tf.sub(a, b)));
    const v = (await d.data())[0];
    tf.dispose([a, b, d]);
    return v.toExponential(1);
  };
  const g3 = new GroupNorm(3, 6).forward(x);
  const { mean } = tf.moments(tf.reshape(g3, [20, 10, 10, 3, 2]), [1, 2, 4]);
  console.log(`3 groups of 2 channels: per-group mean ${(await tf.max(tf.abs(mean)).data())[0].toExponential(1)} (≈ 0)`);
  console.log(`6 groups (one channel each) vs MyInstanceNorm: largest difference ${await maxDiff(new GroupNorm(6, 6).forward(x), new MyInstanceNorm(6).forward(x))}`);
  console.log(`1 group (all channels) vs MyLayerNorm:        largest difference ${await maxDiff(new GroupNorm(1, 6).forward(x), new MyLayerNorm().forward(x))}`);
  tf.dispose([x, g3, mean]);
}

setSeed(seed);
const pick = permutation(data.trainDs.length).slice(0, smallSubset);
const [xSmall, ySmall] = data.trainDs.getBatch(pick);
const smallBunch = (): DataBunch => new DataBunch(new DataLoader(new TensorDataset(xSmall, ySmall), { bs: 2, shuffle: true, seed: seed }), data.validDl, 10);
await fit('BatchNorm2d', { norm: 'batch' }, 0.3, 1, { data: smallBunch() });

const lerp = (a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor => tf.add(a, tf.mul(tf.sub(b, a), w));

class MyRunningBatchNorm extends Module {
  readonly mults: tf.Variable;
  readonly adds: tf.Variable;
  readonly sums: tf.Variable;
  readonly sqrs: tf.Variable;
  readonly count: tf.Variable;
  private batch = 0;
  private step = 0;
  private dbias = 0;

  constructor(readonly nf: number, readonly mom = 0.1, readonly eps = 1e-5) {
    super();
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
    this.sums = this.registerBuffer('sums', tf.zeros([nf]));
    this.sqrs = this.registerBuffer('sqrs', tf.zeros([nf]));
    this.count = this.registerBuffer('count', tf.scalar(0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let sums: tf.Tensor = this.sums;
      let sqrs: tf.Tensor = this.sqrs;
      let count: tf.Tensor = this.count;
      if (this.training) {
        const bs = x.shape[0];
        const mom1 = 1 - (1 - this.mom) / Math.sqrt(bs - 1);
        sums = lerp(this.sums, tf.sum(x, [0, 1, 2]), mom1);
        sqrs = lerp(this.sqrs, tf.sum(tf.square(x), [0, 1, 2]), mom1);
        count = lerp(this.count, tf.scalar(x.size / this.nf), mom1);
        this.sums.assign(sums);
        this.sqrs.assign(sqrs);
        this.count.assign(count);
        this.dbias = this.dbias * (1 - mom1) + mom1;
        this.batch += bs;
        this.step += 1;
      }
      if (this.step < 100) {
        sums = tf.div(sums, this.dbias);
        sqrs = tf.div(sqrs, this.dbias);
        count = tf.div(count, this.dbias);
      }
      const means = tf.div(sums, count);
      let vars = tf.sub(tf.div(sqrs, count), tf.square(means));
      if (this.batch < 20) vars = tf.maximum(vars, 0.01);
      return tf.add(tf.mul(tf.div(tf.sub(x, means), tf.sqrt(tf.add(vars, this.eps))), this.mults), this.adds);
    });
  }
}

{
  const mine = new MyRunningBatchNorm(3);
  const lib = new RunningBatchNorm(3);
  const weights = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', seed);
  const probe = (m: Module) => tf.valueAndGrads((x: tf.Tensor) => tf.sum(tf.mul(m.forward(x), weights)));
  let value = 0;
  let grad = 0;
  for (let i = 0; i < 3; i++) {
    const x = tf.randomNormal([4, 5, 5, 3], i, 1 + i, 'float32', seed + i);
    const a = probe(mine)([x]);
    const b = probe(lib)([x]);
    const dv = tf.abs(tf.sub(a.value, b.value));
    const dg = tf.max(tf.abs(tf.sub(a.grads[0], b.grads[0])));
    value = Math.max(value, (await dv.data())[0]);
    grad = Math.max(grad, (await dg.data())[0]);
    tf.dispose([x, a.value, b.value, ...a.grads, ...b.grads, dv, dg]);
  }
  console.log(`largest difference over three batches: ${value.toExponential(1)} in the weighted sum, ${grad.toExponential(1)} in the input gradient`);
  weights.dispose();
}

await fit('MyRunningBatchNorm', { norm: (nf) => new MyRunningBatchNorm(nf) }, 0.4, 1, { data: smallBunch() });
