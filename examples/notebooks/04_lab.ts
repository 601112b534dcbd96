/**
 * The lab: learning rate, momentum, BatchNorm, residual connections
 *
 * Generated from notebooks/04_lab.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/04_lab.ts [--subset … --epochs … --width … --seed …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # The lab: learning rate, momentum, BatchNorm, residual connections

// parameters (each one a command-line flag)
const { subset, epochs, width, seed } = flags({
  subset: 4000, // images of each split (0 = all: 60,000 train, 10,000 test)
  epochs: 2, // epochs per experiment
  width: 4, // channels of the ResNets' first stage (64 = the lab's ResNet-18)
  seed: 1,
});

import {
  initBackend, setSeed, loadFashionMnist, showBatch, CNN, ResNet, PlainBlock, BasicBlock, summary, Learner, Runner,
  AvgStatsCallback, Recorder, ProgressCallback, ClassificationInterpretation, showFigure, accuracy, crossEntropy,
  sgd, adam, type Module, type OptFunc,
} from '../../src/index.js';
import { lineChart, type Series } from '../../src/plot/index.js';

const backend = await initBackend();

// ## The data

const data = await loadFashionMnist({ subset: subset > 0 ? subset : undefined, seed: seed });
await showBatch(data, { n: 10, ncols: 5 });
console.log(`${data.trainDs.length} training / ${data.validDs.length} test images; classes: ${data.classes.join(', ')}`);

const curves = new Map<string, Series[]>();
const runs: { label: string; learn: Learner<Module>; accuracy: number }[] = [];

async function experiment(part: string, label: string, makeModel: () => Module, optFunc: OptFunc, lr: number, bs: number): Promise<void> {
  setSeed(seed);
  const model = makeModel();
  const learn = new Learner({ model: model, data: data.withBs(bs), lossFunc: crossEntropy, optFunc: optFunc, lr: lr });
  const stats = new AvgStatsCallback([accuracy]);
  const recorder = new Recorder();
  console.log(`${label}, batch size ${bs}:`);
  await new Runner({ cbs: [stats, recorder, new ProgressCallback()] }).fit(epochs, learn);
  const [loss, acc] = stats.history.at(-1)?.valid ?? [NaN, NaN];
  console.log(`test set: loss ${loss.toFixed(4)}, accuracy ${(100 * acc).toFixed(1)} %`);
  curves.set(part, [...(curves.get(part) ?? []), { name: label, x: recorder.losses.map((_, i) => i), y: recorder.losses }]);
  runs.push({ label: label, learn: learn, accuracy: acc });
}

/** The training-loss curves of one part; a diverged run's huge losses are cut at 3× the first loss so the others stay readable. */
async function plotPart(part: string, title: string): Promise<void> {
  const series = curves.get(part) ?? [];
  const cap = 3 * Math.max(...series.map((s) => (Number.isFinite(s.y[0]) ? s.y[0] : 0)));
  const clipped = series.map((s) => ({ ...s, y: s.y.map((v) => (Number.isFinite(v) && v <= cap ? v : NaN)) }));
  await showFigure(lineChart({ title: title, xLabel: 'training batch', yLabel: 'training loss', series: clipped, width: 760, height: 420 }), { name: `lab-${part}` });
}

// ## A simple CNN, and the learning rate

const cnn = (bn: boolean) => (): Module => new CNN({ cIn: 1, size: 28, bn: bn });
console.log(summary(cnn(false)(), [1, 28, 28, 1]).toString());

await experiment('lr', 'lr 0.001', cnn(false), sgd(), 0.001, 256);
await experiment('lr', 'lr 0.9', cnn(false), sgd(), 0.9, 256);

// ## Momentum

await experiment('lr', 'lr 0.001, momentum 0.9', cnn(false), sgd({ mom: 0.9 }), 0.001, 256);
await plotPart('lr', 'SGD: learning rate and momentum (CNN, bs 256)');

// ## Batch normalization

for (const lr of [0.01, 0.05]) {
  await experiment('bn', `CNN, lr ${lr}`, cnn(false), sgd({ mom: 0.9 }), lr, 256);
  await experiment('bn', `CNN + BN, lr ${lr}`, cnn(true), sgd({ mom: 0.9 }), lr, 256);
}
await plotPart('bn', 'CNN without / with BatchNorm (momentum 0.9, bs 256)');

// ## Residual connections

const widths = [1, 2, 4, 8].map((m) => m * width);
await experiment('resnet', 'no skips (PlainBlock)', () => new ResNet(PlainBlock, [2, 2, 2, 2], { widths: widths, cIn: 1 }), adam(), 0.01, 256);
await experiment('resnet', 'skips (BasicBlock)', () => new ResNet(BasicBlock, [2, 2, 2, 2], { widths: widths, cIn: 1 }), adam(), 0.01, 256);
await plotPart('resnet', '18 layers without / with skips (Adam, bs 256)');

console.log(runs[runs.length - 1].learn.model.toString());

// ## What the model gets wrong

const best = runs.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
console.log(`best: ${best.label}, test accuracy ${(100 * best.accuracy).toFixed(1)} %`);
const interp = await ClassificationInterpretation.fromLearner(best.learn, { classes: data.classes });
await interp.plotConfusionMatrix();
console.log(`most confused (actual → predicted): ${interp.mostConfused(5).slice(0, 5).map((c) => `${c.actual} → ${c.predicted} (${c.count})`).join(', ')}`);

await interp.plotTopLosses(9, { ncols: 3 });
