/**
 * CIFAR-10 with the old fastai API (seed notebook 004): the ladder SimpleNet → ConvNet → ConvNet2 →
 * ConvBnNet → ConvBnNet2 → ResNet → ResNet2 (the `ladder` namespace). Each model runs the LR finder (its
 * suggestion is printed beside the notebook's lr) and then the notebook's fits — the old
 * `fit(lr, nCycle, cycle_len, cycle_mult)`: without `cycleLen` a constant lr for `nCycle` epochs,
 * with it SGDR cycles — SGD with momentum 0.9, batches of 256 with random flips and 4-pixel pad and
 * crop. The final model is evaluated with and without test-time augmentation.
 *
 *   npx tsx examples/cifar10-ladder.ts --data data/cifar10 --subset 5000 --epochs 1
 *
 * `--epochs N` caps every fit at N epochs (0 = the notebook's counts); `--subset N` keeps the first
 * N images of each split; `--only name` runs one rung (e.g. `--only ResNet2`).
 */
import { initBackend, setSeed, Learner, Runner, AvgStatsCallback, ProgressCallback, ParamScheduler, CudaCallback, lrFind, sgdr, schedNo, accuracy, crossEntropy, sgd, tf, ladder, type Module, type Sched } from '../src/index.js';
import { flags } from './args.js';
import { loadCifarOrExplain, printTable, type ResultRow } from './cifar-common.js';

const args = flags({ data: 'data/cifar10', epochs: 0, subset: 5000, bs: 256, only: '', backend: 'auto', seed: 1, nAug: 4 });
const backend = await initBackend(args.backend as 'auto');
const data = await loadCifarOrExplain({ dir: args.data, bs: args.bs, subset: args.subset, seed: args.seed, augment: true });
console.log(`CIFAR-10: ${data.trainDl.nItems} train / ${data.validDl.nItems} test images, bs ${args.bs}, on ${backend}`);

/** One `fit` of the old API: `nCycle` epochs at `lr`, or SGDR cycles when `cycleLen` is given. */
type OldFit = { lr: number; nCycle: number; cycleLen?: number; cycleMult?: number; wd?: number };
type Rung = { name: string; make: () => Module; fits: OldFit[] };

const rungs: Rung[] = [
  { name: 'SimpleNet', make: () => new ladder.SimpleNet([32 * 32 * 3, 40, 10]), fits: [{ lr: 1e-2, nCycle: 2 }, { lr: 1e-2, nCycle: 2, cycleLen: 1 }] },
  { name: 'ConvNet', make: () => new ladder.ConvNet([3, 20, 40, 80], 10), fits: [{ lr: 1e-1, nCycle: 2 }, { lr: 1e-1, nCycle: 4, cycleLen: 1 }] },
  { name: 'ConvNet2', make: () => new ladder.ConvNet2([3, 20, 40, 80], 10), fits: [{ lr: 1e-1, nCycle: 2 }, { lr: 1e-1, nCycle: 2, cycleLen: 1 }] },
  { name: 'ConvBnNet', make: () => new ladder.ConvBnNet([10, 20, 40, 80, 160], 10), fits: [{ lr: 3e-2, nCycle: 2 }, { lr: 1e-1, nCycle: 4, cycleLen: 1 }] },
  { name: 'ConvBnNet2', make: () => new ladder.ConvBnNet2([10, 20, 40, 80, 160], 10), fits: [{ lr: 1e-2, nCycle: 2 }] },
  { name: 'ResNet', make: () => new ladder.ResNet([10, 20, 40, 80, 160], 10), fits: [{ lr: 1e-2, nCycle: 2, wd: 1e-5 }, { lr: 1e-2, nCycle: 3, cycleLen: 1, cycleMult: 2, wd: 1e-5 }] },
  { name: 'ResNet2', make: () => new ladder.ResNet2([16, 32, 128, 256], 10, 0.2), fits: [{ lr: 1e-2, nCycle: 2, wd: 1e-6 }, { lr: 1e-2, nCycle: 3, cycleLen: 1, cycleMult: 2, wd: 1e-6 }] },
];

/** The schedule and epoch count of one old-API fit, capped by `--epochs`. */
function plan(f: OldFit): { sched: Sched; epochs: number } {
  const full = f.cycleLen ? sgdr({ nCycle: f.nCycle, cycleLen: f.cycleLen, cycleMult: f.cycleMult ?? 1, lrMax: f.lr }) : { sched: schedNo(f.lr), epochs: f.nCycle };
  return args.epochs > 0 && full.epochs > args.epochs ? { sched: full.sched, epochs: args.epochs } : full;
}

const rows: ResultRow[] = [];
let last: Learner<Module> | null = null;
for (const rung of rungs.filter((r) => !args.only || r.name === args.only)) {
  setSeed(args.seed);
  const learn = new Learner({ model: rung.make(), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: rung.fits[0].lr });
  const t0 = performance.now();
  const found = await lrFind(learn, { maxIter: Math.min(100, data.trainDl.length * 2) });
  console.log(`\n${rung.name}: LR finder suggests ${found.suggestion.toPrecision(2)} (notebook uses ${rung.fits.map((f) => f.lr).join(', ')})`);
  const stats = new AvgStatsCallback([accuracy], { print: false });
  for (const f of rung.fits) {
    const { sched, epochs } = plan(f);
    learn.opt.setHyper('wd', f.wd ?? 0);
    console.log(`  fit(lr ${f.lr}, ${f.nCycle}${f.cycleLen ? `, cycle_len ${f.cycleLen}` : ''}${f.cycleMult ? `, cycle_mult ${f.cycleMult}` : ''}${f.wd ? `, wd ${f.wd}` : ''}) → ${epochs} epochs`);
    await new Runner({ cbs: [stats, new CudaCallback({ log: () => {} }), new ParamScheduler('lr', sched), new ProgressCallback()] }).fit(epochs, learn);
  }
  const h = stats.history.at(-1)!;
  rows.push({ model: rung.name, params: String(learn.model.parameters().reduce((n, p) => n + p.size, 0)), 'lr (finder)': found.suggestion.toPrecision(2), epochs: String(stats.history.length), 'train loss': h.train[0].toFixed(4), 'test loss': h.valid[0].toFixed(4), 'test acc': h.valid[1].toFixed(4), time: `${((performance.now() - t0) / 1000).toFixed(0)} s` });
  if (last) {
    last.model.dispose();
    last.opt.dispose();
  }
  last = learn;
}
printTable(rows);

if (last) {
  const plain = await last.predict();
  const augmented = await last.tta({ nAug: args.nAug });
  const acc = (p: tf.Tensor, y: tf.Tensor): number => tf.tidy(() => accuracy(p, y).dataSync()[0]);
  console.log(`\n${rows.at(-1)!.model} on the test set: accuracy ${acc(plain.preds, plain.targets).toFixed(4)} without TTA, ${acc(augmented.preds, augmented.targets).toFixed(4)} with TTA (${args.nAug} flipped/shifted views)`);
  tf.dispose([plain.preds, plain.targets, augmented.preds, augmented.targets]);
}
data.dispose();
