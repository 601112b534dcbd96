/**
 * Transfer learning on Fashion-MNIST, the way fastai does it with ImageNet weights, on data we
 * have: a torchvision ResNet-18 is pretrained on five classes (`--source`: T-shirt, trouser,
 * dress, sneaker, bag) and saved in torchvision's key names; then `visionLearner` + `fineTune`
 * teach it the other five (pullover, coat, sandal, shirt, ankle boot) from only `--perClass` (100)
 * images each, against the same architecture trained from scratch on the same 500 images for as
 * many epochs. Both learning rates come from `lrFind` (fastai's habit; `--lr` / `--scratchLr` set
 * them instead); `fineTune` runs with fastai's `lrMult` 100 and with 1, which trains the body at
 * the head's learning rate (`--lrMults`); `--weights <file>` skips the pretraining and uses a file an earlier
 * run saved. The split puts a relative of most target classes among the sources (tops, shoes):
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
  DataBunch, DataLoader, TensorDataset, showResults, FASHION_MNIST_CLASSES, type Callback, type VisionLearner,
} from '../src/index.js';
import { loadFashionMnistArrays, FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../src/data/index.js';
import { lineChart, saveFigure } from '../src/plot/index.js';
import { flags } from './args.js';

const args = flags({
  dir: '', out: 'out/transfer', seed: 1, backend: 'auto',
  pretrainN: 6000, pretrainEpochs: 3, perClass: 100, epochs: 5, freezeEpochs: 1, lr: 0, scratchLr: 0, bs: 32, validN: 2000,
  source: '0,1,3,7,8', findIters: 60, weights: '', lrMults: '100,1',
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

function bunch(train: TensorDataset, valid: TensorDataset, bs = args.bs): DataBunch {
  return new DataBunch(new DataLoader(train, { bs, shuffle: true, seed: args.seed }), new DataLoader(valid, { bs: 256 }), 5, { normStats: { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD } });
}

/** Validation accuracy after every epoch. */
function accuracyCurve(stats: AvgStatsCallback): number[] {
  return stats.history.map((h) => h.valid[1]);
}

const rows: string[][] = [];
const t = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// 1. pretrain a torchvision ResNet-18 on the five source classes, save it in torchvision's names
// (`--weights <file>` reuses a file an earlier run saved)
let weights = args.weights;
let t0 = performance.now();
if (!weights) {
  const source = bunch(subset(arrays.train, SOURCE, { limit: args.pretrainN }), subset(arrays.test, SOURCE, { limit: args.validN }), 64);
  console.log(`pretraining resnet18 (1 input channel, 5 classes) on ${source.trainDl.nItems} images of ${SOURCE.map((c) => FASHION_MNIST_CLASSES[c]).join(', ')}, ${args.pretrainEpochs} epochs on ${backend}`);
  const pre = new Learner({ model: resnet18({ numClasses: 5, nIn: 1 }), data: source, lossFunc: crossEntropy, optFunc: adam({ beta2: 0.99, eps: 1e-5, wd: 0.01 }) });
  const preStats = new AvgStatsCallback([accuracy]);
  await fitOneCycle(args.pretrainEpochs, 1e-2, { learn: pre, cbs: [preStats] });
  weights = await pre.save(join(args.out, 'resnet18-fashion5.safetensors'));
  rows.push(['pretraining (source classes)', String(source.trainDl.nItems), String(args.pretrainEpochs), preStats.history.at(-1)!.valid[1].toFixed(4), t(t0)]);
  pre.model.dispose();
  source.dispose();
}

// 2. the target task: 100 images per class of the other five
const train = subset(arrays.train, TARGET, { perClass: args.perClass });
const valid = subset(arrays.test, TARGET, { limit: args.validN });
const total = args.freezeEpochs + args.epochs;
console.log(`target task: ${train.length} training images (${args.perClass} per class) of ${TARGET.map((c) => FASHION_MNIST_CLASSES[c]).join(', ')}; ${valid.length} test images`);

/**
 * The learning rate: given, or from an lrFind sweep (saved in `<out>/<name>/`): the lr at the
 * lowest smoothed loss / 10 (fastai's `minimum`), the steadier of the two suggestions when an
 * epoch is a few noisy batches.
 */
async function learningRate(learn: Learner, given: number, name: string): Promise<number> {
  if (given > 0) return given;
  const r = await lrFind(learn, { maxIter: args.findIters, plotDir: join(args.out, name) });
  const lr = Number(r.minLossLr.toPrecision(2));
  console.log(`lrFind (${name}): minimum / 10 at ${lr} (steepest descent: ${r.suggestion.toPrecision(2)}), sweep in ${r.plot?.png}`);
  return lr;
}

// fine-tuned: fastai's vision_learner + lr_find + fine_tune, once per `--lrMults` value (fastai's
// lr_mult: the first group's learning rate is the head's / lrMult), each from the same weights
const curves: { name: string; y: number[] }[] = [];
let ft: VisionLearner | null = null;
let ftLr = 0;
for (const lrMult of args.lrMults.split(',').map(Number)) {
  const stats = new AvgStatsCallback([accuracy]);
  const learn = await visionLearner(bunch(train, valid), resnet18, { pretrained: weights });
  ftLr ||= await learningRate(learn, args.lr, 'lr-find-finetune');
  t0 = performance.now();
  await learn.fineTune(args.epochs, ftLr, { freezeEpochs: args.freezeEpochs, lrMult, cbs: [stats] });
  const name = `fineTune(${args.epochs}, ${ftLr}${lrMult !== 100 ? `, { lrMult: ${lrMult} }` : ''})`;
  rows.push([`${name} from the pretrained body`, String(train.length), `${args.freezeEpochs} + ${args.epochs}`, stats.history.at(-1)!.valid[1].toFixed(4), t(t0)]);
  curves.push({ name, y: accuracyCurve(stats) });
  if (ft) ft.model.dispose();
  ft = learn;
}

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

curves.push({ name: 'from scratch', y: accuracyCurve(scStats) });
const series = curves.map((c) => ({ ...c, x: c.y.map((_, i) => i + 1) }));
const svg = lineChart({ title: `Fashion-MNIST, 5 new classes from ${args.perClass} images each: ResNet-18`, xLabel: 'epoch', yLabel: 'test accuracy', series, width: 720, height: 420 });
console.log(`accuracy per epoch: ${(await saveFigure(svg, args.out, 'transfer-accuracy')).png}`);
const classes = TARGET.map((c) => FASHION_MNIST_CLASSES[c]);
console.log(`predictions: ${await showResults(ft!, join(args.out, 'finetuned-results.png'), { n: 16, classes })}, ${await showResults(sc, join(args.out, 'scratch-results.png'), { n: 16, classes })}`);
