/**
 * BatchNorm, step by step: the course's 07_batchnorm
 *
 * Generated from notebooks/03_batchnorm_walkthrough.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/03_batchnorm_walkthrough.ts [--seed … --smallSubset …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # BatchNorm, step by step: the course's 07_batchnorm

// parameters (each one a command-line flag)
const { seed, smallSubset } = flags({
  seed: 1,
  smallSubset: 2000, // training images for the batch-size-2 runs
});

import {
  tf, initBackend, setSeed, noGrad, loadMnist, Module, Sequential, InstanceNorm, TensorDataset, DataLoader, DataBunch,
  getCnnModel, convLayer, initCnn, Learner, Runner, Callback, AvgStatsCallback, Recorder, CudaCallback,
  BatchTransformXCallback, viewTfm, ParamScheduler, Hooks, appendStats, plotStats, combineScheds, schedLin, schedCos,
  accuracy, crossEntropy, sgd, type ConvLayerOptions, type ActivationStats, type Sched,
} from '../../src/index.js';
import { permutation } from '../../src/data/index.js';

const backend = await initBackend();

// ## Data, model and runner

const data = await loadMnist({ bs: 512, seed: seed, flat: true });
console.log(`training inputs: [${data.trainDs.itemShape}] per item, ${data.trainDl.length} batches per epoch`);

const cuda = new CudaCallback(); // says once where training runs
const callbacks = (): Callback[] => [new Recorder(), new AvgStatsCallback([accuracy]), new BatchTransformXCallback(viewTfm(28, 28, 1)), cuda];

const nfs = [8, 16, 32, 64, 64];

function getLearnRun(opts: ConvLayerOptions, lr: number, extra: Callback[] = [], d: DataBunch = data.withBs(512)): { learn: Learner<Module>; run: Runner } {
  setSeed(seed);
  const model = getCnnModel({ c: 10, cIn: 1 }, nfs, convLayer, opts);
  initCnn(model);
  return { learn: new Learner({ model: model, data: d, lossFunc: crossEntropy, optFunc: sgd(), lr: lr }), run: new Runner({ cbs: [...callbacks(), ...extra] }) };
}

const baseline = getLearnRun({ bn: false }, 0.4);
const baseHooks = new Hooks<ActivationStats>(baseline.learn.model.children().slice(0, 5), appendStats);
await baseline.run.fit(3, baseline.learn);

await plotStats(baseHooks, { which: ['meanStd', 'hists', 'minFraction'], title: 'No normalisation, lr 0.4' });
baseHooks.remove();

// ## BatchNorm from scratch

{
  setSeed(seed);
  const out = tf.relu(tf.randomNormal([512, 12, 12, 8]));
  console.log(`activations [${out.shape}]: per channel ${tf.mean(out, [0, 1, 2], true).shape}, per image ${tf.mean(out, [1, 2, 3], true).shape}, per position ${tf.mean(out, [0, 3], true).shape}`);
  out.dispose();
}

const lerp = (a: tf.Tensor, b: tf.Tensor, w: number): tf.Tensor => tf.add(a, tf.mul(tf.sub(b, a), w));
{
  const a = tf.zeros([8]);
  const b = tf.randomUniform([8], 0, 1, 'float32', seed);
  const diff = tf.max(tf.abs(tf.sub(lerp(a, b, 0.1), tf.add(tf.mul(a, 0.9), tf.mul(b, 0.1)))));
  console.log(`lerp(a, b, 0.1) vs 0.9 a + 0.1 b: largest difference ${(await diff.data())[0]}`);
  tf.dispose([a, b, diff]);
}

class BatchNorm extends Module {
  readonly mults: tf.Variable;
  readonly adds: tf.Variable;
  readonly means: tf.Variable;
  readonly vars: tf.Variable;

  constructor(readonly nf: number, readonly mom = 0.1, readonly eps = 1e-5) {
    super();
    this.mults = this.registerParameter('mults', tf.ones([nf]));
    this.adds = this.registerParameter('adds', tf.zeros([nf]));
    this.vars = this.registerBuffer('vars', tf.ones([nf]));
    this.means = this.registerBuffer('means', tf.zeros([nf]));
  }

  private updateStats(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const n = x.size / this.nf;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const v = tf.mul(variance, n / (n - 1)); // the unbiased variance, as PyTorch's x.var
    this.means.assign(lerp(this.means, mean, this.mom));
    this.vars.assign(lerp(this.vars, v, this.mom));
    return [mean, v];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [m, v] = this.training ? noGrad(() => this.updateStats(x)) : [this.means, this.vars];
      return tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, this.eps))), this.mults), this.adds);
    });
  }
}

async function fitWithStats(lr: number, epochs: number, title: string): Promise<void> {
  const { learn, run } = getLearnRun({ norm: (nf) => new BatchNorm(nf) }, lr);
  const hooks = new Hooks<ActivationStats>(learn.model.children().slice(0, 5), appendStats);
  try {
    await run.fit(epochs, learn);
    await plotStats(hooks, { which: ['meanStdFirst', 'meanStd'], title: title });
  } finally {
    hooks.remove();
  }
}

await fitWithStats(0.4, 1, 'BatchNorm, lr 0.4');

await fitWithStats(0.9, 1, 'BatchNorm, lr 0.9');

{
  const { learn, run } = getLearnRun({ norm: (nf) => new BatchNorm(nf) }, 1.0);
  await run.fit(4, learn);
}

// ## PyTorch's BatchNorm

{
  const { learn, run } = getLearnRun({ norm: 'batch' }, 0.7);
  await run.fit(4, learn);
}

{
  const sched = combineScheds([0.3, 0.7], [schedLin(0.6, 2), schedLin(2, 0.1)]);
  const { learn, run } = getLearnRun({ norm: 'batch' }, 0.7, [new ParamScheduler('lr', sched)]);
  await run.fit(8, learn);
  await run.cb(Recorder).plotLr({ title: 'lr: 0.6 → 2 → 0.1 over 8 epochs' });
}

// ## Other norms, and a clear error

try {
  const { learn, run } = getLearnRun({ norm: 'instance', bias: true }, 0.8);
  await run.fit(1, learn);
} catch (e) {
  console.log(`fit stopped: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
}

// ## Small batches

setSeed(seed);
const pick = permutation(data.trainDs.length).slice(0, smallSubset);
const [xSmall, ySmall] = data.trainDs.getBatch(pick);
const smallBunch = (): DataBunch => new DataBunch(new DataLoader(new TensorDataset(xSmall, ySmall), { bs: 2, shuffle: true, seed: seed }), data.validDl, 10);
const tiny = getLearnRun({ norm: 'batch' }, 0.3, [], smallBunch());
await tiny.run.fit(1, tiny.learn);

{
  const firstConv = (tiny.learn.model.children()[0] as Sequential).children()[0];
  const channelStd = async (idx: number[]): Promise<string> => {
    const [xb, yb] = data.trainDs.getBatch(Int32Array.from(idx));
    const out = tf.relu(firstConv.forward(tf.reshape(xb, [-1, 28, 28, 1])));
    const std = tf.sqrt(tf.moments(out, [0, 1, 2]).variance);
    const values = Array.from(await std.data()).map((v) => v.toFixed(2).padStart(6)).join(' ');
    tf.dispose([xb, yb, out, std]);
    return values;
  };
  console.log(`std per channel, 512 images: ${await channelStd(Array.from({ length: 512 }, (_, i) => i * 15))}`);
  for (const pair of [[0, 4000], [1000, 6000], [3000, 7000]]) console.log(`images ${String(pair).padEnd(10)}      ${await channelStd(pair)}`);
}

{
  const { learn, run } = getLearnRun({ norm: 'running' }, 0.4, [], smallBunch());
  await run.fit(1, learn);
}

// ## The best single epoch

const schedules: [string, Sched][] = [
  ['linear 1 → 0.2', schedLin(1, 0.2)],
  ['cosine 0.4 → 1.2 → 0.2', combineScheds([0.5, 0.5], [schedCos(0.4, 1.2), schedCos(1.2, 0.2)])],
  ['cosine 0.4 → 1.3, 0.8 → 0.5', combineScheds([0.5, 0.5], [schedCos(0.4, 1.3), schedCos(0.8, 0.5)])],
];
const best: string[] = [];
for (const [name, sched] of schedules) {
  const { learn, run } = getLearnRun({ norm: 'running' }, 0.9, [new ParamScheduler('lr', sched)], data.withBs(32));
  await run.fit(1, learn);
  best.push(`${name.padEnd(30)} valid accuracy ${run.cb(AvgStatsCallback).history.at(-1)?.valid[1].toFixed(4)}`);
}
console.log(best.join('\n'));
