/**
 * The CIFAR-10 lab (seed notebook 002) on Fashion-MNIST's full 60,000 / 10,000 images (28×28×1):
 * what the learning rate, momentum, BatchNorm and residual connections do, each as a short fit,
 * summarised in one table, with the training-loss curves of each part saved as pictures.
 *
 *   1. `--part lr`:     the lab's CNN, bs 1024: SGD lr 0.001 vs lr 0.9 vs lr 0.001 with momentum 0.9
 *   2. `--part bn`:     CNN without / with BatchNorm, bs 256, SGD momentum 0.9, lr 0.01 and 0.05
 *   3. `--part resnet`: ResNet(PlainBlock, [2,2,2,2]) vs ResNet(BasicBlock, [2,2,2,2]) (the same
 *                       18 layers without / with skip connections), bs 256, Adam lr 0.01
 *
 *   npx tsx examples/fashion-lab.ts                 # the full sets, 2 epochs per run
 *   npx tsx examples/fashion-lab.ts --quick         # 2,048 / 2,048 images, 1 epoch, width 4
 *
 * `--width` is the ResNets' first stage width (64 is the lab's ResNet-18; 8 runs on a CPU in
 * minutes). The lab trains 10–50 epochs at bs 1024 / 256 on a GPU. Pictures: `<out>/lab-<part>.png`
 * (and .svg); every run's per-batch training losses and the table: `<out>/lab-losses.json`.
 */
import {
  initBackend, setSeed, Learner, Runner, AvgStatsCallback, Recorder, ProgressCallback, CudaCallback, CNN, ResNet,
  PlainBlock, BasicBlock, DataLoader, DataBunch, accuracy, crossEntropy, sgd, adam, type OptFunc, type Module,
} from '../src/index.js';
import { lineChart, saveFigure, type Series } from '../src/plot/index.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flags } from './args.js';
import { printTable, type ResultRow } from './cifar-common.js';
import { loadFashionOrExplain, paramCount } from './fashion-common.js';

const quick = process.argv.includes('--quick');
const args = flags({
  quick, dir: '', epochs: quick ? 1 : 2, subset: quick ? 2048 : 0, width: quick ? 4 : 8, part: 'all', out: 'out/fashion-lab', backend: 'auto', seed: 1,
});
const backend = await initBackend(args.backend as 'auto');

const full = await loadFashionOrExplain({ dir: args.dir || undefined, seed: args.seed, subset: args.subset > 0 ? args.subset : undefined });
const rows: ResultRow[] = [];
const curves = new Map<string, Series[]>();

/** Train one model for `args.epochs` and add its table row and loss curve. */
async function experiment(part: string, label: string, name: string, makeModel: () => Module, optFunc: OptFunc, optName: string, lr: number, bs: number): Promise<void> {
  // fresh loaders over the shared images: every run sees the same batches in the same order
  const data = new DataBunch(new DataLoader(full.trainDs, { bs, shuffle: true, seed: args.seed }), new DataLoader(full.validDs, { bs: 2 * bs }), full.c, 1);
  setSeed(args.seed);
  const model = makeModel();
  const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc, lr });
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const recorder = new Recorder();
  const run = new Runner({ cbs: [stats, recorder, new CudaCallback({ log: () => {} }), new ProgressCallback()] });
  console.log(`\n[${part}] ${name} (${paramCount(model)} parameters) — ${optName}, lr ${lr}, bs ${bs}, ${data.trainDl.nItems} / ${data.validDl.nItems} images`);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await run.fit(args.epochs, learn);
  const secs = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const cpu = (c1.user + c1.system) / 1e6;
  const last = stats.history.at(-1)!;
  rows.push({
    part, model: name, optimizer: optName, lr: String(lr), bs: String(bs), epochs: String(args.epochs),
    'train loss': last.train[0].toFixed(4), 'test loss': last.valid[0].toFixed(4), 'test acc': last.valid[1].toFixed(4), time: `${secs.toFixed(0)} s`, 'cpu time': `${cpu.toFixed(0)} s`,
  });
  const list = curves.get(part) ?? [];
  list.push({ name: label, x: recorder.losses.map((_, i) => i), y: [...recorder.losses] });
  curves.set(part, list);
  model.dispose();
  learn.opt.dispose();
}

const want = (p: string): boolean => args.part === 'all' || args.part.split(',').includes(p);
const cnn = (bn = false) => (): Module => new CNN({ cIn: 1, size: 28, bn });
if (want('lr')) {
  await experiment('lr', 'SGD lr 0.001', 'CNN', cnn(), sgd(), 'SGD', 0.001, 1024);
  await experiment('lr', 'SGD lr 0.9', 'CNN', cnn(), sgd(), 'SGD', 0.9, 1024);
  await experiment('lr', 'SGD mom 0.9 lr 0.001', 'CNN', cnn(), sgd({ mom: 0.9 }), 'SGD mom 0.9', 0.001, 1024);
}
if (want('bn')) {
  for (const lr of [0.01, 0.05]) {
    await experiment('bn', `CNN lr ${lr}`, 'CNN', cnn(), sgd({ mom: 0.9 }), 'SGD mom 0.9', lr, 256);
    await experiment('bn', `CNN+BN lr ${lr}`, 'CNN + BatchNorm', cnn(true), sgd({ mom: 0.9 }), 'SGD mom 0.9', lr, 256);
  }
}
if (want('resnet')) {
  const widths = [1, 2, 4, 8].map((m) => m * args.width);
  await experiment('resnet', 'no skip (PlainBlock)', `ResNet(PlainBlock) w${args.width}`, () => new ResNet(PlainBlock, [2, 2, 2, 2], { widths, cIn: 1 }), adam(), 'Adam', 0.01, 256);
  await experiment('resnet', 'skip (BasicBlock)', `ResNet(BasicBlock) w${args.width}`, () => new ResNet(BasicBlock, [2, 2, 2, 2], { widths, cIn: 1 }), adam(), 'Adam', 0.01, 256);
}
printTable(rows);

const titles: Record<string, string> = {
  lr: 'Learning rate and momentum (CNN, bs 1024)',
  bn: 'CNN without / with BatchNorm at two learning rates (bs 256)',
  resnet: 'Same depth without / with skip connections (bs 256)',
};
await mkdir(args.out, { recursive: true });
await writeFile(join(args.out, 'lab-losses.json'), JSON.stringify({ rows, curves: Object.fromEntries(curves) }));
for (const [part, series] of curves) {
  // a diverged run's huge losses would flatten the others: clip the y range at 3× the first loss
  const cap = 3 * Math.max(...series.map((s) => (Number.isFinite(s.y[0]) ? s.y[0] : 0)));
  const clipped = series.map((s) => ({ ...s, y: s.y.map((v) => (Number.isFinite(v) && v <= cap ? v : NaN)) }));
  const svg = lineChart({ title: `Fashion-MNIST: ${titles[part]}`, xLabel: 'training batch', yLabel: 'training loss', series: clipped, width: 760, height: 440 });
  const saved = await saveFigure(svg, args.out, `lab-${part}`);
  console.log(`loss curves: ${saved.png}`);
}
full.dispose();
