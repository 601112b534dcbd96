/**
 * The CIFAR-10 lab (seed notebook 002): what the learning rate, momentum, BatchNorm and residual
 * connections do, each as a short fit, summarised in one table.
 *
 *   1. `--part lr`:     CNN, SGD lr 0.001 vs lr 0.9 vs lr 0.001 with momentum 0.9
 *   2. `--part bn`:     CNN without / with BatchNorm, SGD momentum 0.9, lr 0.01 and 0.05
 *   3. `--part resnet`: ResNet(PlainBlock, [2,2,2,2]) vs ResNet(BasicBlock, [2,2,2,2]), Adam 0.01
 *
 *   npx tsx examples/cifar10-tricks.ts --data data/cifar10 --epochs 2 --subset 5000 --width 16
 *
 * `--subset N` keeps the first N images of each split so a run finishes in minutes on a CPU
 * backend; `--width` is the ResNet's first stage width (64 is the lab's ResNet-18: full runs want a
 * GPU backend). The lab trains 10–50 epochs at bs 1024 on a GPU.
 */
import {
  initBackend, setSeed, Learner, Runner, AvgStatsCallback, ProgressCallback, CudaCallback, CNN, ResNet,
  PlainBlock, BasicBlock, accuracy, crossEntropy, sgd, adam, type OptFunc, type Module, type ImageDataBunch,
} from '../src/index.js';
import { flags } from './args.js';
import { loadCifarOrExplain, printTable, type ResultRow } from './cifar-common.js';

const args = flags({ data: 'data/cifar10', epochs: 2, subset: 5000, bs: 64, width: 16, part: 'all', backend: 'auto', seed: 1 });
const backend = await initBackend(args.backend as 'auto');
const data = await loadCifarOrExplain({ dir: args.data, bs: args.bs, subset: args.subset, seed: args.seed });
console.log(`CIFAR-10: ${data.trainDl.nItems} train / ${data.validDl.nItems} test images, bs ${args.bs}, ${args.epochs} epochs, on ${backend}`);

const rows: ResultRow[] = [];

async function experiment(name: string, makeModel: () => Module, optFunc: OptFunc, lr: number, optName: string, d: ImageDataBunch = data): Promise<void> {
  setSeed(args.seed);
  const model = makeModel();
  const learn = new Learner({ model, data: d, lossFunc: crossEntropy, optFunc, lr });
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const run = new Runner({ cbs: [stats, new CudaCallback({ log: () => {} }), new ProgressCallback()] });
  console.log(`\n${name} — ${optName}, lr ${lr}`);
  const t0 = performance.now();
  await run.fit(args.epochs, learn);
  const last = stats.history.at(-1)!;
  rows.push({ experiment: name, optimizer: optName, lr: String(lr), epochs: String(args.epochs), 'train loss': last.train[0].toFixed(4), 'test loss': last.valid[0].toFixed(4), 'test acc': last.valid[1].toFixed(4), time: `${((performance.now() - t0) / 1000).toFixed(0)} s` });
  model.dispose();
  learn.opt.dispose();
}

const want = (p: string): boolean => args.part === 'all' || args.part === p;
if (want('lr')) {
  await experiment('CNN', () => new CNN(), sgd(), 0.001, 'SGD');
  await experiment('CNN', () => new CNN(), sgd(), 0.9, 'SGD');
  await experiment('CNN', () => new CNN(), sgd({ mom: 0.9 }), 0.001, 'SGD mom 0.9');
}
if (want('bn')) {
  for (const lr of [0.01, 0.05]) {
    await experiment('CNN', () => new CNN(), sgd({ mom: 0.9 }), lr, 'SGD mom 0.9');
    await experiment('CNN + BatchNorm', () => new CNN({ bn: true }), sgd({ mom: 0.9 }), lr, 'SGD mom 0.9');
  }
}
if (want('resnet')) {
  const widths = [1, 2, 4, 8].map((m) => m * args.width);
  await experiment(`ResNet(PlainBlock) w${args.width}`, () => new ResNet(PlainBlock, [2, 2, 2, 2], { widths }), adam(), 0.01, 'Adam');
  await experiment(`ResNet(BasicBlock) w${args.width}`, () => new ResNet(BasicBlock, [2, 2, 2, 2], { widths }), adam(), 0.01, 'Adam');
}
printTable(rows);
data.dispose();
