/**
 * The library never reads the device synchronously: every synchronous read (`dataSync`,
 * `arraySync`, `bufferSync`, a tensor's `toString`, moving a tensor between backends) goes through
 * the engine's `readSync`, which this file makes throw and record. On a GPU such a read stalls the
 * device; on WebGPU in Node it does not exist at all. A full fit with every shipped callback that
 * reads numbers, hooks with statistics, RunningBatchNorm in eval, a checkpoint and a resume, the LR
 * finder, prediction and TTA, saving/loading weights, normalisation statistics and `showBatch`,
 * the training features (clipping, accumulation, one-cycle, ReduceLROnPlateau, CSV and TensorBoard
 * logs, freezing, the metrics) and the interpretation must all run without one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  tf, Runner, Learner, Sequential, Conv2d, BatchNorm2d, RunningBatchNorm, GeneralRelu, ReLU, Flatten, Dropout, Linear,
  AvgStatsCallback, Recorder, ParamScheduler, ProgressCallback, TerminateOnNaNCallback, EarlyStoppingCallback,
  CheckpointCallback, CudaCallback, Hooks, appendStats, combineScheds, schedCos, accuracy, crossEntropy, sgd, setSeed,
  lrFind, showBatch, initBackend, type ActivationStats, type Callback,
  GradientClipping, GradientAccumulation, ReduceLROnPlateau, CSVLogger, TensorBoardCallback, fitOneCycle,
  errorRate, topKAccuracy, f1Score, ClassificationInterpretation, showResults,
} from '../src/index.js';
import { normalizeTo, meanStd } from '../src/data/index.js';
import { convData } from './fixtures/tiny-conv.js';

type Engine = { readSync(dataId: object): unknown };
const engine = tf.engine() as unknown as Engine;
const ownReadSync = Object.getOwnPropertyDescriptor(engine, 'readSync');
/** Stacks of the synchronous reads attempted (a read the library caught and hid is still recorded). */
const syncReads: string[] = [];

let root: string;
beforeAll(async () => {
  await initBackend('cpu', { log: () => {} }); // through tfai, so that CudaCallback keeps it
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-nosync-'));
  engine.readSync = function (this: Engine, dataId: object): unknown {
    const stack = new Error('synchronous device read').stack ?? '';
    syncReads.push(stack);
    throw new Error(`synchronous device read (dataSync / arraySync / bufferSync) — the library must use await tensor.data():\n${stack}`);
  };
});
beforeEach(() => {
  syncReads.length = 0;
});
afterAll(async () => {
  if (ownReadSync) Object.defineProperty(engine, 'readSync', ownReadSync);
  else delete (engine as Partial<Engine>).readSync;
  await fs.rm(root, { recursive: true, force: true });
});

const quiet = (): void => {};
/** A stream that looks like a terminal, so `ProgressCallback` draws bars and reads the loss. */
const tty = { isTTY: true, columns: 100, text: '', write(s: string): boolean { tty.text += s; return true; } };

/** Conv, BatchNorm, GeneralRelu, a strided conv, RunningBatchNorm (checked in eval), dropout, linear. */
function model(): Sequential {
  setSeed(3);
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new GeneralRelu({ leak: 0.1, sub: 0.4 }),
    new Conv2d(4, 6, 3, { stride: 2, padding: 1 }), new RunningBatchNorm(6), new ReLU(),
    new Flatten(), new Dropout(0.1), new Linear(24, 3),
  );
}

function cbs(dir: string): Callback[] {
  return [
    new AvgStatsCallback([accuracy], { print: false }), new Recorder(), new CudaCallback({ log: quiet }),
    new ParamScheduler('lr', combineScheds([0.3, 0.7], [schedCos(0.05, 0.2), schedCos(0.2, 0.01)])),
    new ProgressCallback({ stream: tty, throttleMs: 0 }), new TerminateOnNaNCallback({ log: quiet }),
    new EarlyStoppingCallback({ monitor: 'valid_loss', patience: 10 }), new CheckpointCallback({ dir, monitor: 'valid_accuracy' }),
  ];
}

describe('no synchronous device reads', () => {
  it('fit with every reading callback and stats hooks, checkpoint and resume, lrFind, predict, TTA, save/load', async () => {
    const dir = path.join(root, 'ckpt');
    const data = convData();
    const before = tf.memory().numTensors;
    const learn = new Learner({ model: model(), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });

    const hooks = new Hooks<ActivationStats>([learn.model.children()[0], learn.model.children()[3]], appendStats);
    await new Runner({ cbs: cbs(dir), log: quiet }).fit(2, learn);
    // The statistics are on the host when the fit returns: the getters read no device.
    expect(hooks[0].stats!.means).toHaveLength(8);
    expect(hooks[1].stats!.stds.every(Number.isFinite)).toBe(true);
    expect(hooks[1].stats!.minFraction()).toHaveLength(8);
    hooks.remove();
    expect(tty.text).toMatch(/train/); // the bars were drawn, with the loss read from the device

    const found = await lrFind(learn, { maxIter: 12, cbs: [new CudaCallback({ log: quiet })] });
    expect(found.losses.length).toBeGreaterThan(5);

    const resumed = new Learner({ model: model(), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });
    await new Runner({ cbs: cbs(dir), log: quiet }).fit(3, resumed, { resume: dir });
    expect((await fs.readFile(path.join(dir, 'latest'), 'utf8')).trim()).toBe('epoch-0003');

    const plain = await resumed.predict();
    const aug = await resumed.tta({ nAug: 3, pad: 1 });
    expect(plain.preds.shape).toEqual([24, 3]);
    const rowSums = aug.preds.sum(1);
    expect((await rowSums.data()).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    tf.dispose([plain.preds, plain.targets, aug.preds, aug.targets, rowSums]);

    const file = await resumed.save(path.join(root, 'w.safetensors'));
    await learn.load(file);

    learn.opt.dispose();
    resumed.opt.dispose();
    (learn.model as Sequential).dispose();
    (resumed.model as Sequential).dispose();
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
    expect(syncReads).toEqual([]);
  });

  it('clipping, accumulation, one-cycle, ReduceLROnPlateau, CSV and TensorBoard logs, freeze, metrics, interpretation', async () => {
    const data = convData();
    const before = tf.memory().numTensors;
    const learn = new Learner({ model: model(), data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });
    learn.freezeTo(1);
    const stats = new AvgStatsCallback([accuracy, errorRate, topKAccuracy(2), f1Score()], { print: false });
    await fitOneCycle(2, 0.1, {
      learn,
      cbs: [
        stats, new GradientAccumulation({ steps: 2 }), new GradientClipping({ maxNorm: 1, clipValue: 0.5 }),
        new ReduceLROnPlateau({ patience: 0 }), new CSVLogger({ path: path.join(root, 'log.csv') }),
        new TensorBoardCallback({ logDir: path.join(root, 'tb'), batchScalars: true, histograms: true }),
        new ProgressCallback({ stream: tty, throttleMs: 0 }),
      ],
      runner: { log: quiet },
    });
    learn.unfreeze();
    expect(stats.history).toHaveLength(2);
    expect((await fs.readFile(path.join(root, 'log.csv'), 'utf8')).trim().split('\n')).toHaveLength(3);

    const interp = await ClassificationInterpretation.fromLearner(learn);
    expect(interp.confusionMatrix().flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(interp.topLosses(3).losses).toHaveLength(3);
    await interp.plotConfusionMatrix(path.join(root, 'cm.png'));
    await interp.plotTopLosses(3, path.join(root, 'top.png'));
    await showResults(learn, path.join(root, 'results.png'), { n: 4 });

    learn.opt.dispose();
    (learn.model as Sequential).dispose();
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
    expect(syncReads).toEqual([]);
  });

  it('normalisation statistics and showBatch read asynchronously', async () => {
    const train = tf.randomNormal([20, 4, 4, 1], 2, 3, 'float32', 5);
    const valid = tf.randomNormal([8, 4, 4, 1], 2, 3, 'float32', 6);
    const [t, v] = await normalizeTo(train, valid);
    const s = await meanStd(t);
    expect(Math.abs(s.mean)).toBeLessThan(1e-5);
    tf.dispose([train, valid, t, v]);
    const data = convData();
    await showBatch(data.trainDl, path.join(root, 'batch.png'), { n: 4 });
    data.dispose();
    expect(syncReads).toEqual([]);
  });

  it('is armed: a dataSync here throws and is recorded', () => {
    const x = tf.scalar(1);
    const n = syncReads.length;
    expect(() => x.dataSync()).toThrow(/synchronous device read/);
    expect(() => x.arraySync()).toThrow(/synchronous device read/);
    expect(syncReads.length).toBe(n + 2);
    x.dispose();
  });
});
