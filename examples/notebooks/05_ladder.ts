/**
 * The old fastai ladder: from a linear model to a ResNet
 *
 * Generated from notebooks/05_ladder.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/05_ladder.ts [--subset … --maxEpochs … --seed …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # The old fastai ladder: from a linear model to a ResNet

// parameters (each one a command-line flag)
const { subset, maxEpochs, seed } = flags({
  subset: 2000, // images of each split (0 = all: 60,000 train, 10,000 test)
  maxEpochs: 1, // most epochs per fit (0 = the notebook's counts)
  seed: 1,
});

import {
  initBackend, setSeed, loadFashionMnist, ladder, summary, lrFind, sgdr, schedNo, Learner, Runner, AvgStatsCallback,
  ProgressCallback, ParamScheduler, showFigure, accuracy, crossEntropy, sgd, tf, type Module, type Sched,
} from '../../src/index.js';
import { lineChart } from '../../src/plot/index.js';

const backend = await initBackend();

// ## Data

const data = await loadFashionMnist({ subset: subset > 0 ? subset : undefined, bs: 256, seed: seed, augment: true });
console.log(`${data.trainDs.length} training / ${data.validDs.length} test images, ${data.trainDl.length} batches per epoch`);

const results: string[] = [];

function learner(model: Module, lr: number): Learner<Module> {
  return new Learner({ model: model, data: data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: lr });
}

type OldFit = { lr: number; nCycle: number; cycleLen?: number; cycleMult?: number; wd?: number };

async function fitOld(name: string, learn: Learner<Module>, f: OldFit): Promise<void> {
  const plan = f.cycleLen
    ? sgdr({ nCycle: f.nCycle, cycleLen: f.cycleLen, cycleMult: f.cycleMult ?? 1, lrMax: f.lr })
    : { sched: schedNo(f.lr), epochs: f.nCycle };
  const epochs = maxEpochs > 0 ? Math.min(plan.epochs, maxEpochs) : plan.epochs;
  learn.opt.setHyper('wd', f.wd ?? 0);
  const call = `fit(${f.lr}, ${f.nCycle}${f.cycleLen ? `, cycle_len=${f.cycleLen}` : ''}${f.cycleMult ? `, cycle_mult=${f.cycleMult}` : ''}${f.wd ? `, wds=${f.wd}` : ''})`;
  console.log(`${name}: ${call} → ${epochs} epoch(s)`);
  const stats = new AvgStatsCallback([accuracy]);
  await new Runner({ cbs: [stats, new ParamScheduler('lr', plan.sched), new ProgressCallback()] }).fit(epochs, learn);
  results.push(`${name.padEnd(11)} ${call.padEnd(46)} test accuracy ${stats.history.at(-1)?.valid[1].toFixed(4)}`);
}

{
  const { sched, epochs } = sgdr({ nCycle: 3, cycleLen: 1, cycleMult: 2, lrMax: 1e-2 });
  const x = Array.from({ length: 281 }, (_, i) => (i / 280) * epochs);
  await showFigure(lineChart({ title: 'SGDR: 3 cycles, cycle_len 1, cycle_mult 2', xLabel: 'epoch', yLabel: 'learning rate', series: [{ name: 'lr', x: x, y: x.map((e) => sched(e / epochs)) }] }), { name: 'sgdr' });
}

// ## 1. A fully connected network

console.log(summary(new ladder.SimpleNet([28 * 28, 40, 10]), [1, 28, 28, 1]).toString());

{
  setSeed(seed);
  const found = await lrFind(learner(new ladder.SimpleNet([28 * 28, 40, 10]), 1e-2));
  console.log(`suggestion ${found.suggestion.toPrecision(2)} (stopped: ${found.stopReason})`);
}

setSeed(seed);
const simpleLearn = learner(new ladder.SimpleNet([28 * 28, 40, 10]), 1e-2);
await fitOld('SimpleNet', simpleLearn, { lr: 1e-2, nCycle: 2 });
await fitOld('SimpleNet', simpleLearn, { lr: 1e-2, nCycle: 2, cycleLen: 1 });

// ## 2. A convnet

console.log(summary(new ladder.ConvNet([1, 20, 40, 80], 10), [1, 28, 28, 1]).toString());
{
  setSeed(seed);
  const found = await lrFind(learner(new ladder.ConvNet([1, 20, 40, 80], 10), 0.1));
  console.log(`suggestion ${found.suggestion.toPrecision(2)} (stopped: ${found.stopReason})`);
}

setSeed(seed);
const convLearn = learner(new ladder.ConvNet([1, 20, 40, 80], 10), 0.1);
await fitOld('ConvNet', convLearn, { lr: 1e-1, nCycle: 2 });
await fitOld('ConvNet', convLearn, { lr: 1e-1, nCycle: 4, cycleLen: 1 });

// ## 3. Refactored: `ConvLayer`

console.log(summary(new ladder.ConvNet2([1, 20, 40, 80], 10), [1, 28, 28, 1]).toString());
setSeed(seed);
const conv2Learn = learner(new ladder.ConvNet2([1, 20, 40, 80], 10), 0.1);
await fitOld('ConvNet2', conv2Learn, { lr: 1e-1, nCycle: 2 });
await fitOld('ConvNet2', conv2Learn, { lr: 1e-1, nCycle: 2, cycleLen: 1 });

// ## 4. BatchNorm, by hand

console.log(summary(new ladder.ConvBnNet([10, 20, 40, 80, 160], 10, { cIn: 1 }), [1, 28, 28, 1]).toString());
setSeed(seed);
const bnLearn = learner(new ladder.ConvBnNet([10, 20, 40, 80, 160], 10, { cIn: 1 }), 3e-2);
await fitOld('ConvBnNet', bnLearn, { lr: 3e-2, nCycle: 2 });
await fitOld('ConvBnNet', bnLearn, { lr: 1e-1, nCycle: 4, cycleLen: 1 });

// ## 5. Deeper

setSeed(seed);
const bn2Learn = learner(new ladder.ConvBnNet2([10, 20, 40, 80, 160], 10, { cIn: 1 }), 1e-2);
await fitOld('ConvBnNet2', bn2Learn, { lr: 1e-2, nCycle: 2 });

// ## 6. ResNet

setSeed(seed);
const resLearn = learner(new ladder.ResNet([10, 20, 40, 80, 160], 10, { cIn: 1 }), 1e-2);
await fitOld('ResNet', resLearn, { lr: 1e-2, nCycle: 2, wd: 1e-5 });
await fitOld('ResNet', resLearn, { lr: 1e-2, nCycle: 3, cycleLen: 1, cycleMult: 2, wd: 1e-5 });

// ## 7. A bigger ResNet, with dropout

setSeed(seed);
const res2Learn = learner(new ladder.ResNet2([16, 32, 128, 256], 10, 0.2, { cIn: 1 }), 1e-2);
await fitOld('ResNet2', res2Learn, { lr: 1e-2, nCycle: 3, cycleLen: 1, cycleMult: 2, wd: 1e-6 });

// ## Test-time augmentation

{
  const acc = async (p: tf.Tensor, y: tf.Tensor): Promise<number> => {
    const a = accuracy(p, y);
    const v = (await a.data())[0];
    a.dispose();
    return v;
  };
  const plain = await resLearn.predict();
  const augmented = await resLearn.tta({ nAug: 4, pad: 2, flip: false });
  console.log(`ResNet on the test images: accuracy ${(await acc(plain.preds, plain.targets)).toFixed(4)} as they are, ${(await acc(augmented.preds, augmented.targets)).toFixed(4)} with TTA (4 shifted copies)`);
  tf.dispose([plain.preds, plain.targets, augmented.preds, augmented.targets]);
}

// ## Accuracy notes

console.log(results.join('\n'));
