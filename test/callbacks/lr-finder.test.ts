import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Callback, Learner, LRFinder, lrFind, Recorder, Sequential, Lambda, BatchNorm2d, Flatten, Linear, ReLU, DataBunch, DataLoader, TensorDataset, crossEntropy, sgd, setSeed, type Module } from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';
import { minLossLr, smoothLosses, suggestLr } from '../../src/callbacks/lr-finder.js';
import { random } from '../../src/core/rng.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'tfai-lrfind-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Counts validation batches. */
class CountValid extends Callback {
  n = 0;
  override afterPred(): void {
    if (!this.run.inTrain) this.n++;
  }
}

/** An MLP with a BatchNorm2d (running stats = buffers), SGD with momentum. */
function bnLearner(): Learner<Module> {
  setSeed(3);
  const model = new Sequential(
    new Lambda((x) => tf.reshape(x, [-1, 1, 1, 4])), new BatchNorm2d(4), new Flatten(),
    new Linear(4, 8), new ReLU(), new Linear(8, 3),
  );
  return new Learner({ model, data: tinyData(), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.05 });
}

/** Every tensor of `sd`, read to host arrays. */
function snapshot(sd: Record<string, tf.Tensor>): Record<string, Float32Array | Int32Array | Uint8Array> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.dataSync().slice()]));
}

describe('LRFinder', () => {
  it('sweeps the lr exponentially across epochs, never validates, stops after maxIter', async () => {
    const finder = new LRFinder({ minLr: 1e-4, maxLr: 1e-1, maxIter: 10 });
    const valid = new CountValid();
    const rec = new Recorder();
    await new Runner({ cbs: [finder, valid, rec] }).fit(5, tinyLearner()); // 4 batches per epoch
    expect(finder.lrs).toHaveLength(11); // batches 0 … maxIter
    expect(finder.stopReason).toBe('maxIter');
    finder.lrs.forEach((lr, i) => expect(lr).toBeCloseTo(1e-4 * 1000 ** (i / 10), 12));
    expect(finder.lrs.at(-1)).toBeCloseTo(0.1, 12);
    expect(rec.lr).toEqual(finder.lrs); // the optimizer really used them
    expect(valid.n).toBe(0);
    expect(finder.losses.every(Number.isFinite)).toBe(true);
    expect(finder.smoothLosses).toEqual(smoothLosses(finder.losses).map((v) => expect.closeTo(v, 10)));
  });

  it('stops when the loss diverges (4x the best smoothed loss), long before maxIter', async () => {
    // Random labels: not separable, so large learning rates blow the loss up.
    setSeed(5);
    const x = tf.randomNormal([48, 4], 0, 1, 'float32', 7);
    const y = tf.tensor1d(Array.from({ length: 48 }, () => Math.floor(random() * 3)), 'int32');
    const data = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs: 12 }), tinyData().validDl, 3);
    const finder = new LRFinder({ minLr: 1e-3, maxLr: 1e6, maxIter: 200 });
    await new Runner({ cbs: [finder] }).fit(60, tinyLearner(data));
    expect(['diverged', 'nonFinite']).toContain(finder.stopReason);
    expect(finder.lrs.length).toBeLessThan(200);
    if (finder.stopReason === 'diverged') expect(finder.smoothLosses.at(-1)).toBeGreaterThan(4 * Math.min(...finder.smoothLosses.slice(0, -1)));
  });

  it('stops on a NaN loss', async () => {
    let calls = 0;
    const data = tinyData();
    const learn = tinyLearner(data);
    const nanAt5 = new Learner({ model: learn.model, data, lossFunc: (p, t) => (++calls === 5 ? tf.mul(crossEntropy(p, t), NaN) : crossEntropy(p, t)), lr: 0.1 });
    const finder = new LRFinder({ maxIter: 50 });
    await new Runner({ cbs: [finder] }).fit(20, nanAt5);
    expect(finder.stopReason).toBe('nonFinite');
    expect(finder.losses).toHaveLength(5);
    expect(finder.losses[4]).toBeNaN();
  });

  it('rejects bad ranges', () => {
    expect(() => new LRFinder({ minLr: 0 })).toThrow(/minLr/);
    expect(() => new LRFinder({ minLr: 1, maxLr: 0.5 })).toThrow(/maxLr/);
  });
});

describe('lrFind', () => {
  it('restores weights, BatchNorm buffers, optimizer state, RNG and memory exactly', async () => {
    const learn = bnLearner();
    await new Runner().fit(1, learn); // a few real steps: momentum buffers and running stats are non-trivial
    const model = learn.model;
    model.train();
    const weights = snapshot(model.stateDict());
    const optBefore = learn.opt.stateDict();
    const opt = snapshot(optBefore.state);
    expect(Object.keys(opt).length).toBeGreaterThan(0);
    expect(Array.from(weights['1.running_mean'])).not.toEqual([0, 0, 0, 0]);
    setSeed(42);
    const expected = [random(), random()];
    setSeed(42);
    const tensors = tf.memory().numTensors;

    const res = await lrFind(learn, { maxIter: 20, plotDir: dir });

    expect(tf.memory().numTensors).toBe(tensors);
    expect([random(), random()]).toEqual(expected);
    expect(snapshot(model.stateDict())).toEqual(weights);
    const optAfter = learn.opt.stateDict();
    expect(snapshot(optAfter.state)).toEqual(opt);
    expect(optAfter.hypers).toEqual(optBefore.hypers);
    expect(optAfter.step).toBe(optBefore.step);
    expect(optAfter.paramSteps).toEqual(optBefore.paramSteps);
    expect(model.training).toBe(true); // the sweep's fit ends in eval mode; the mode is put back
    expect(res.lrs.length).toBeGreaterThan(5);
    expect(res.losses).toHaveLength(res.lrs.length);
    expect(res.suggestion).toBeGreaterThan(0);
    expect(res.lrs).toContain(res.suggestion);
    expect(res.plot && (await stat(res.plot.png)).size).toBeGreaterThan(1000);
  });

  it('leaves later training bit-identical to training without it', async () => {
    const train = async (withFind: boolean): Promise<Float32Array> => {
      const d = tinyData();
      // Shuffle from the global RNG (which lrFind restores), not from a loader-owned seed.
      const data = new DataBunch(new DataLoader(d.trainDl.dataset, { bs: 12, shuffle: true }), d.validDl, d.c);
      const learn = tinyLearner(data, { optFunc: sgd({ mom: 0.9 }) });
      await new Runner().fit(1, learn);
      if (withFind) await lrFind(learn, { maxIter: 15 });
      await new Runner().fit(2, learn);
      const out = learn.opt.paramGroups[0].params[0].dataSync().slice() as Float32Array;
      learn.opt.dispose();
      (learn.model as Module).dispose();
      return out;
    };
    const a = await train(false);
    const b = await train(true);
    expect(b).toEqual(a);
  });
});

describe('suggestion rules', () => {
  const lrs = Array.from({ length: 60 }, (_, i) => 1e-6 * 10 ** (i / 10));
  // A loss that falls fastest around lr = 1e-3 (i = 30), flat before, blowing up at the end.
  const loss = lrs.map((_, i) => 2 - Math.tanh((i - 30) / 5) + (i > 52 ? (i - 52) ** 2 : 0));

  it('suggestLr picks the steepest descent', () => {
    expect(suggestLr(lrs, loss)).toBeCloseTo(1e-3, 8);
  });

  it('minLossLr is the lr at the lowest loss / 10', () => {
    const i = loss.indexOf(Math.min(...loss));
    expect(minLossLr(lrs, loss)).toBeCloseTo(lrs[i] / 10, 12);
  });

  it('ignores NaN and handles short sweeps', () => {
    expect(suggestLr([1, 2], [NaN, NaN])).toBeNaN();
    expect(suggestLr([1e-3, 1e-2, 1e-1, 1], [3, 2, 1, 5])).toBeGreaterThan(0);
  });
});
