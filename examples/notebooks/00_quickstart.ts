/**
 * Quickstart: the training loop, a callback of your own, a plot
 *
 * Generated from notebooks/00_quickstart.ipynb by `npm run notebooks:export`: edit the notebook, not this file.
 *   npx tsx examples/notebooks/00_quickstart.ts [--epochs … --seed …]
 * Figures go to out/figures/ (TFAI_FIGURE_DIR overrides).
 */
import { flags } from '../args.js';

// # Quickstart: the training loop, a callback of your own, a plot

// parameters (each one a command-line flag)
const { epochs, seed } = flags({
  epochs: 3, // epochs of the first fit
  seed: 1, // one seed for the weights, the shuffling and the augmentation
});

import {
  initBackend, setSeed, loadMnist, showBatch, getCnnModel, convLayer, initCnn, summary,
  Learner, Runner, Callback, CancelTrainError, AvgStatsCallback, Recorder, ProgressCallback,
  ParamScheduler, combineScheds, schedCos, lrFind, accuracy, crossEntropy, sgd,
} from '../../src/index.js';

const backend = await initBackend();
setSeed(seed);

// ## Data

const data = await loadMnist({ bs: 256, seed: seed });
await showBatch(data, { n: 12, ncols: 6 });
console.log(`${data.trainDl.nItems} training / ${data.validDl.nItems} validation images, ${data.trainDl.length} batches of 256 per epoch`);

// ## Model

const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
initCnn(model);
console.log(summary(model, [1, 28, 28, 1]).toString());

// ## Training

const learn = new Learner({ model: model, data: data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.4 });
const recorder = new Recorder();
const sched = combineScheds([0.3, 0.7], [schedCos(0.1, 0.8), schedCos(0.8, 0.02)]);
const run = new Runner({ cbs: [new AvgStatsCallback([accuracy]), recorder, new ParamScheduler('lr', sched), new ProgressCallback()] });
await run.fit(epochs, learn);

await recorder.plotLr();
await recorder.plotLoss();

// ## A callback of your own

class StopAtAccuracy extends Callback {
  override order = 10;

  constructor(private readonly target: number) {
    super();
  }

  override afterEpoch(): void {
    const acc = this.run.epochMetrics.valid_accuracy;
    console.log(`epoch ${this.run.epoch}: valid accuracy ${acc.toFixed(4)}`);
    if (acc >= this.target) throw new CancelTrainError(`valid accuracy ${acc.toFixed(4)} reached ${this.target}`);
  }
}

learn.opt.setHyper('lr', 0.1);
const more = new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new StopAtAccuracy(0.96)] });
let batches = 0;
more.events$.subscribe((e) => {
  if (e.name === 'afterBatch' && e.inTrain) batches++;
});
await more.fit(10, learn);
console.log(`stopped after ${more.epoch + 1} epoch(s), ${batches} training batches`);

// ## The learning-rate finder

setSeed(seed);
const fresh = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
initCnn(fresh);
const found = await lrFind(new Learner({ model: fresh, data: data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.1 }));
console.log(`suggested learning rate: ${found.suggestion.toPrecision(2)} (stopped: ${found.stopReason})`);
