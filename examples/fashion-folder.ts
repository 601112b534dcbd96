/**
 * Training from a folder of JPEG files of any size, against the same training from Fashion-MNIST's
 * IDX files: the folder is Fashion-MNIST written out as JPEGs stretched to random sizes
 * (`fashion-jpegs.ts`), read back by `ImageDataBunch.fromFolder` (decoded in worker threads,
 * squished back to 28×28 grey); the IDX path is `loadFashionMnist`. Same model, schedule and seed:
 * the two accuracies should agree within seed noise.
 *
 *   npx tsx examples/fashion-folder.ts --subset 2000 --epochs 2
 *   npx tsx examples/fashion-folder.ts --epochs 3 --seeds 3      # the full 60,000 / 10,000
 */
import {
  initBackend, setSeed, Learner, Runner, AvgStatsCallback, ParamScheduler, cosOneCycle, accuracy, crossEntropy, sgd,
  ImageDataBunch, Resize, loadFashionMnist, type DataBunch,
} from '../src/index.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../src/data/index.js';
import { flags } from './args.js';
import { fashionResNet } from './fashion-common.js';
import { writeFashionJpegs } from './fashion-jpegs.js';

const args = flags({ dir: '', subset: 0, epochs: 2, bs: 128, lr: 0.2, seed: 1, seeds: 1, workers: -1, minSide: 28, maxSide: 112, backend: 'auto' });
const backend = await initBackend(args.backend as 'auto');
const dir = args.dir || `out/fashion-jpegs-${args.subset || 'all'}-${args.minSide}-${args.maxSide}`;
const t0 = performance.now();
const counts = await writeFashionJpegs(dir, { subset: args.subset || undefined, minSide: args.minSide, maxSide: args.maxSide, log: console.log });
console.log(`folder ${dir}: ${counts.train} train / ${counts.valid} valid JPEGs, ${args.minSide}–${args.maxSide} px (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

/** Train the recipe's small residual net on `data`; the final validation accuracy and seconds. */
async function train(data: DataBunch, seed: number): Promise<{ acc: number; secs: number }> {
  setSeed(seed);
  const learn = new Learner({ model: fashionResNet(8, [16, 32, 64], [1, 1, 1]), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9, wd: 5e-4 }), lr: args.lr });
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const run = new Runner({ cbs: [stats, new ParamScheduler('lr', cosOneCycle(args.lr / 25, args.lr, args.lr / 2500, 0.25))] });
  const t = performance.now();
  await run.fit(args.epochs, learn);
  return { acc: stats.history.at(-1)!.valid[1], secs: (performance.now() - t) / 1000 };
}

const norm = { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD };
const rows: { seed: number; folder: number; idx: number }[] = [];
for (let s = 0; s < args.seeds; s++) {
  const seed = args.seed + s;
  setSeed(seed);
  const folder = await ImageDataBunch.fromFolder(dir, {
    itemTfms: [new Resize(28, { method: 'squish' })], channels: 1, normStats: norm, bs: args.bs, ...(args.workers >= 0 ? { workers: args.workers } : {}),
  });
  const f = await train(folder, seed);
  folder.dispose();
  setSeed(seed);
  const idx = await loadFashionMnist({ subset: args.subset || undefined, bs: args.bs, download: false });
  const i = await train(idx, seed);
  rows.push({ seed, folder: f.acc, idx: i.acc });
  console.log(`seed ${seed}: from the JPEG folder accuracy ${f.acc.toFixed(4)} (${f.secs.toFixed(0)} s), from IDX ${i.acc.toFixed(4)} (${i.secs.toFixed(0)} s), difference ${(f.acc - i.acc).toFixed(4)} [${args.epochs} epochs on ${backend}]`);
}
const mean = (k: 'folder' | 'idx'): number => rows.reduce((a, r) => a + r[k], 0) / rows.length;
console.log(`fashion-folder: mean accuracy from the folder ${mean('folder').toFixed(4)}, from IDX ${mean('idx').toFixed(4)} over ${rows.length} seed(s)`);
