/**
 * Learning-rate finder and schedules on the course's BatchNorm convnet (embedded MNIST digits):
 *
 * 1. `lrFind` sweeps the lr from 1e-7 to 10 over 100 batches (weights restored afterwards) and saves
 *    `lr-find.png`; its suggestion (steepest descent of the smoothed loss) is the peak lr below
 *    unless `--lr` is given.
 * 2. One-cycle: `cosOneCycle(lr/25, lr, lr/1e4)` for `--epochs` epochs.
 * 3. SGDR: `sgdr({ nCycle: 3, cycleLen: 1, cycleMult: 2, lrMax: lr })` → 1 + 2 + 4 = 7 epochs.
 *
 * Each schedule trains a fresh model from the same initial weights; the lr, loss and per-epoch
 * metric plots go to `--out`.
 *
 *   npx tsx examples/lr-schedules.ts --backend wasm --epochs 3 --bs 512 --seed 1 --out out/lr-schedules
 */
import {
  initBackend, setSeed, loadMnist, getCnnModel, convLayer, initCnn, Learner, Runner, AvgStatsCallback, Recorder,
  ProgressCallback, ParamScheduler, lrFind, cosOneCycle, sgdr, accuracy, crossEntropy, sgd, type Sched, type DataBunch,
} from '../src/index.js';
import { flags } from './args.js';

const args = flags({ epochs: 3, bs: 512, lr: 0, seed: 1, backend: 'auto', out: 'out/lr-schedules' });
const backend = await initBackend(args.backend as 'auto');
setSeed(args.seed);
const data = await loadMnist({ bs: args.bs, seed: args.seed });
console.log(`MNIST (embedded digits): ${data.trainDl.nItems} train / ${data.validDl.nItems} valid, bs ${args.bs}, on ${backend}`);

/** The notebooks' BatchNorm convnet with Kaiming init, the same initial weights every time. */
function makeLearner(d: DataBunch, lr: number): Learner<ReturnType<typeof getCnnModel>> {
  setSeed(args.seed);
  const model = getCnnModel(d, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
  initCnn(model);
  return new Learner({ model, data: d, lossFunc: crossEntropy, optFunc: sgd(), lr });
}

// 1. LR finder.
let t0 = performance.now();
const probe = makeLearner(data, 0.1);
const found = await lrFind(probe, { plotDir: args.out });
probe.model.dispose();
probe.opt.dispose();
const lrMax = args.lr > 0 ? args.lr : found.suggestion;
console.log(`LR finder: ${found.lrs.length} batches (stopped: ${found.stopReason}) in ${((performance.now() - t0) / 1000).toFixed(1)} s — ` +
  `steepest-descent suggestion ${found.suggestion.toPrecision(2)}, min-loss/10 ${found.minLossLr.toPrecision(2)}; peak lr used: ${lrMax.toPrecision(2)}`);
console.log(`  plot: ${found.plot?.png}`);

/** Train a fresh model with `sched` for `epochs`; save its plots as `<name>-lr|loss|metrics`. */
async function train(name: string, sched: Sched, epochs: number): Promise<number> {
  t0 = performance.now();
  const learn = makeLearner(data, lrMax);
  const stats = new AvgStatsCallback([accuracy], { print: false });
  const run = new Runner({ cbs: [stats, new Recorder(), new ParamScheduler('lr', sched), new ProgressCallback()] });
  console.log(`\n${name}: ${epochs} epochs`);
  await run.fit(epochs, learn);
  const rec = run.cb(Recorder);
  const figs = [await rec.plotLr(args.out, { name: `${name}-lr`, title: `${name}: learning rate` }),
    await rec.plotLoss(args.out, { name: `${name}-loss`, title: `${name}: training loss` }),
    await rec.plotMetrics(args.out, { name: `${name}-metrics`, title: `${name}: per-epoch loss and accuracy` })];
  const acc = stats.history.at(-1)?.valid[1] ?? NaN;
  const secs = (performance.now() - t0) / 1000;
  console.log(`${name}: final valid accuracy ${acc.toFixed(4)} in ${secs.toFixed(1)} s (${(secs / epochs).toFixed(1)} s/epoch)`);
  console.log(`  plots: ${figs.map((f) => f.png).join(', ')}`);
  learn.model.dispose();
  learn.opt.dispose();
  return acc;
}

// 2. One-cycle, 3. SGDR.
const oneCycle = await train('one-cycle', cosOneCycle(lrMax / 25, lrMax, lrMax / 1e4), args.epochs);
const restarts = sgdr({ nCycle: 3, cycleLen: 1, cycleMult: 2, lrMax });
const warm = await train('sgdr', restarts.sched, restarts.epochs);
console.log(`\nsummary (peak lr ${lrMax.toPrecision(2)}): one-cycle ${args.epochs} epochs ${oneCycle.toFixed(4)}, SGDR ${restarts.epochs} epochs ${warm.toFixed(4)}`);
