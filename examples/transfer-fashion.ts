/**
 * Transfer learning on Fashion-MNIST, the way fastai does it with ImageNet weights, on data we
 * have: a torchvision ResNet-18 is pretrained on five classes (`--source`: T-shirt, trouser,
 * dress, sneaker, bag) and saved in torchvision's key names; then `visionLearner` + `fineTune`
 * teach it the other five (pullover, coat, sandal, shirt, ankle boot) from only `--perClass` (100)
 * images each, against the same architecture trained from scratch on the same 500 images for as
 * many epochs. Both learning rates come from `lrFind` (fastai's habit; `--lr` / `--scratchLr` set
 * them instead). The split puts a relative of most target classes among the sources (tops, shoes):
 * what a body learned transfers as far as the new classes look like the old ones.
 *
 *   npx tsx examples/transfer-fashion.ts --out out/transfer
 *
 * Prints the table and saves `<out>/transfer-accuracy.png` (test accuracy per epoch), the two
 * learning-rate sweeps (`<out>/lr-find-finetune/`, `<out>/lr-find-scratch/`), and
 * `<out>/finetuned-results.png`, `<out>/scratch-results.png` (predictions on test images).
 * With real ImageNet weights the same two calls run on a user's photos: `visionLearner(dls,
 * resnet18)` finds torchvision's file in the weights folder (see docs/transfer-learning.md).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  initBackend, setSeed, tf, resnet18, visionLearner, fitOneCycle, lrFind, Learner, AvgStatsCallback, accuracy, crossEntropy, adam,
  DataBunch, DataLoader, TensorDataset, showResults, FASHION_MNIST_CLASSES, type Callback,
} from '../src/index.js';
import { loadFashionMnistArrays, FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../src/data/index.js';
import { lineChart, saveFigure } from '../src/plot/index.js';
import { flags } from './args.js';

const args = flags({
  dir: '', out: 'out/transfer', seed: 1, backend: 'auto',
  pretrainN: 6000, pretrainEpochs: 3, perClass: 100, epochs: 5, freezeEpochs: 1, lr: 0, scratchLr: 0, bs: 64, validN: 2000,
  source: '0,1,3,7,8', findIters: 60,
});
const backend = await initBackend(args.backend as 'auto');
setSeed(args.seed);
await mkdir(args.out, { recursive: true });
const SOURCE = args.source.split(',').map(Number);
const TARGET = [...FASHION_MNIST_CLASSES.keys()].filter((c) => !SOURCE.includes(c));
if (SOURCE.length !== 5 || TARGET.length !== 5) throw new RangeError(`--source must name five of the classes 0 … 9, got '${args.source}'`);

let arrays;
try {
  arrays = await loadFashionMnistArrays({ dir: args.dir || undefined });
} catch (e) {
  console.error(`Fashion-MNIST is not available:\n  ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}

/** The images of `classes` (at most `perClass` of each, or `limit` in all), relabelled 0 … 4, normalised. */
function subset(split: { images: Uint8Array; labels: Int32Array }, classes: number[], opts: { perClass?: number; limit?: number }): TensorDataset {
  const taken = new Map<number, number>();
  const idx: number[] = [];
  for (let i = 0; i < split.labels.length && idx.length < (opts.limit ?? Infinity); i++) {
    const c = split.labels[i];
    if (!classes.includes(c)) continue;
    const n = taken.get(c) ?? 0;
    if (opts.perClass !== undefined && n >= opts.perClass) continue;
    taken.set(c, n + 1);
    idx.push(i);
  }
  const px = new Float32Array(idx.length * 784);
  idx.forEach((i, k) => {
    for (let j = 0; j < 784; j++) px[k * 784 + j] = (split.images[i * 784 + j] / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD;
  });
  const y = Int32Array.from(idx, (i) => classes.indexOf(split.labels[i]));
  return new TensorDataset(tf.tensor4d(px, [idx.length, 28, 28, 1]), tf.tensor1d(y, 'int32'));
}

function bunch(train: TensorDataset, valid: TensorDataset): DataBunch {
  return new DataBunch(new DataLoader(train, { bs: args.bs, shuffle: true, seed: args.seed }), new DataLoader(valid, { bs: 256 }), 5, { normStats: { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD } });
}

/** Validation accuracy after every epoch. */
function accuracyCurve(stats: AvgStatsCallback): number[] {
  return stats.history.map((h) => h.valid[1]);
}

const rows: string[][] = [];
const t = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// 1. pretrain a torchvision ResNet-18 on the five source classes, save it in torchvision's names
const source = bunch(subset(arrays.train, SOURCE, { limit: args.pretrainN }), subset(arrays.test, SOURCE, { limit: args.validN }));
console.log(`pretraining resnet18 (1 input channel, 5 classes) on ${source.trainDl.nItems} images of ${SOURCE.map((c) => FASHION_MNIST_CLASSES[c]).join(', ')}, ${args.pretrainEpochs} epochs on ${backend}`);
const pre = new Learner({ model: resnet18({ numClasses: 5, nIn: 1 }), data: source, lossFunc: crossEntropy, optFunc: adam({ beta2: 0.99, eps: 1e-5, wd: 0.01 }) });
const preStats = new AvgStatsCallback([accuracy]);
let t0 = performance.now();
await fitOneCycle(args.pretrainEpochs, 1e-2, { learn: pre, cbs: [preStats] });
const weights = await pre.save(join(args.out, 'resnet18-fashion5.safetensors'));
rows.push(['pretraining (source classes)', String(source.trainDl.nItems), String(args.pretrainEpochs), preStats.history.at(-1)!.valid[1].toFixed(4), t(t0)]);
pre.model.dispose();
source.dispose();

// 2. the target task: 100 images per class of the other five
const train = subset(arrays.train, TARGET, { perClass: args.perClass });
const valid = subset(arrays.test, TARGET, { limit: args.validN });
const total = args.freezeEpochs + args.epochs;
console.log(`target task: ${train.length} training images (${args.perClass} per class) of ${TARGET.map((c) => FASHION_MNIST_CLASSES[c]).join(', ')}; ${valid.length} test images`);

/** The learning rate: given, or the lrFind suggestion (its sweep saved in `<out>/<name>/`). */
async function learningRate(learn: Learner, given: number, name: string): Promise<number> {
  if (given > 0) return given;
  const r = await lrFind(learn, { maxIter: args.findIters, plotDir: join(args.out, name) });
  const lr = Number(r.suggestion.toPrecision(2));
  console.log(`lrFind (${name}): steepest descent at ${lr} (minimum / 10: ${r.minLossLr.toPrecision(2)}), sweep in ${r.plot?.png}`);
  return lr;
}

// fine-tuned: fastai's vision_learner + lr_find + fine_tune
const ftStats = new AvgStatsCallback([accuracy]);
const ft = await visionLearner(bunch(train, valid), resnet18, { pretrained: weights });
const ftLr = await learningRate(ft, args.lr, 'lr-find-finetune');
t0 = performance.now();
await ft.fineTune(args.epochs, ftLr, { freezeEpochs: args.freezeEpochs, cbs: [ftStats] });
rows.push([`fineTune(${args.epochs}, ${ftLr}) from the pretrained body`, String(train.length), `${args.freezeEpochs} + ${args.epochs}`, ftStats.history.at(-1)!.valid[1].toFixed(4), t(t0)]);

// from scratch: the same model (fastai's head on a random ResNet-18), one-cycle for as many epochs
const scStats = new AvgStatsCallback([accuracy]);
const sc = await visionLearner(bunch(train, valid), resnet18, { pretrained: false });
const scLr = await learningRate(sc, args.scratchLr, 'lr-find-scratch');
t0 = performance.now();
await fitOneCycle(total, scLr, { learn: sc, cbs: [scStats] as Callback[] });
rows.push([`fitOneCycle(${total}, ${scLr}) from random weights`, String(train.length), String(total), scStats.history.at(-1)!.valid[1].toFixed(4), t(t0)]);

const header = ['model', 'train images', 'epochs', 'test accuracy', 'time'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));

const curves = [
  { name: 'fineTune (pretrained body)', y: accuracyCurve(ftStats) },
  { name: 'from scratch', y: accuracyCurve(scStats) },
].map((s) => ({ ...s, x: s.y.map((_, i) => i + 1) }));
const svg = lineChart({ title: `Fashion-MNIST, 5 new classes from ${args.perClass} images each: ResNet-18`, xLabel: 'epoch', yLabel: 'test accuracy', series: curves, width: 720, height: 420 });
console.log(`accuracy per epoch: ${(await saveFigure(svg, args.out, 'transfer-accuracy')).png}`);
const classes = TARGET.map((c) => FASHION_MNIST_CLASSES[c]);
console.log(`predictions: ${await showResults(ft, join(args.out, 'finetuned-results.png'), { n: 16, classes })}, ${await showResults(sc, join(args.out, 'scratch-results.png'), { n: 16, classes })}`);
