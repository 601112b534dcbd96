import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  tf, Runner, Learner, AvgStatsCallback, EarlyStoppingCallback, TerminateOnNaNCallback, ProgressCallback, CheckpointCallback, accuracy, crossEntropy,
  type LossFunc,
} from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const quiet = { print: false };
const noLog = { log: () => {} };

describe('EarlyStoppingCallback', () => {
  it('stops after `patience` epochs without improvement (lr 0: nothing changes)', async () => {
    const stats = new AvgStatsCallback([accuracy], quiet);
    const es = new EarlyStoppingCallback({ patience: 2, ...noLog });
    await new Runner({ cbs: [stats, es] }).fit(10, tinyLearner(tinyData(), { lr: 0 }));
    expect(stats.history).toHaveLength(3);
    expect(es.bestEpoch).toBe(0);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.best).toBe(stats.history[0].valid[0]);
  });

  it("'auto' maximises metrics; minDelta decides what counts as better", async () => {
    const acc = new EarlyStoppingCallback({ monitor: 'valid_accuracy', ...noLog });
    expect(acc.monitor.mode).toBe('max');
    expect(new EarlyStoppingCallback({ monitor: 'train_loss' }).monitor.mode).toBe('min');

    // Training improves the loss every epoch, but never by 10.
    const stats = new AvgStatsCallback([], quiet);
    const es = new EarlyStoppingCallback({ monitor: 'train_loss', minDelta: 10, ...noLog });
    await new Runner({ cbs: [stats, es] }).fit(5, tinyLearner());
    expect(stats.history).toHaveLength(2);
    expect(es.stoppedEpoch).toBe(1);
  });

  it('keeps going while the monitored value improves', async () => {
    const stats = new AvgStatsCallback([], quiet);
    const es = new EarlyStoppingCallback({ monitor: 'train_loss', ...noLog });
    await new Runner({ cbs: [stats, es] }).fit(4, tinyLearner());
    expect(stats.history).toHaveLength(4);
    expect(es.stoppedEpoch).toBeNull();
    expect(es.bestEpoch).toBe(3);
  });

  it('names the valid monitors when given an unknown one', async () => {
    const run = new Runner({ cbs: [new AvgStatsCallback([accuracy], quiet), new EarlyStoppingCallback({ monitor: 'val_acc' })] });
    await expect(run.fit(1, tinyLearner())).rejects.toThrow(
      "EarlyStoppingCallback: cannot monitor 'val_acc' (available: train_loss, train_accuracy, valid_loss, valid_accuracy)",
    );
    await expect(new Runner({ cbs: [new EarlyStoppingCallback()] }).fit(1, tinyLearner())).rejects.toThrow(/no callback of this runner publishes epoch metrics \(add an AvgStatsCallback\)/);
  });

  it('keeps its patience across a checkpoint and resume', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tfai-es-')), 'ck');
    const learn = tinyLearner(tinyData(), { lr: 0 });
    const first = new EarlyStoppingCallback({ patience: 3, ...noLog });
    await new Runner({ cbs: [new AvgStatsCallback([], quiet), first, new CheckpointCallback({ dir })], log: () => {} }).fit(2, learn);
    expect(first.stoppedEpoch).toBeNull();
    const resumed = new EarlyStoppingCallback({ patience: 3, ...noLog });
    await new Runner({ cbs: [new AvgStatsCallback([], quiet), resumed], log: () => {} }).fit(10, tinyLearner(tinyData(), { lr: 0 }), { resume: dir });
    expect(resumed.bestEpoch).toBe(0); // the best came from before the checkpoint
    expect(resumed.stoppedEpoch).toBe(3); // epochs 1, 2, 3 without improvement: the wait of epoch 1 was kept
  });

  it('lets the progress table show the last epoch before stopping', async () => {
    let text = '';
    const stream = { isTTY: false, write: (s: string) => (text += s) };
    const cbs = [new AvgStatsCallback([accuracy], quiet), new ProgressCallback({ stream }), new EarlyStoppingCallback({ patience: 1, ...noLog })];
    await new Runner({ cbs }).fit(10, tinyLearner(tinyData(), { lr: 0 }));
    expect(text.trimEnd().split('\n')).toHaveLength(1 + 2);
  });
});

describe('TerminateOnNaNCallback', () => {
  /** Cross-entropy that returns NaN on its `n`-th call (train and valid batches both call it). */
  const nanOnCall = (n: number): LossFunc => {
    let calls = 0;
    return (p, t) => (++calls === n ? tf.tidy(() => tf.mul(crossEntropy(p, t), NaN) as tf.Scalar) : crossEntropy(p, t));
  };

  it('stops at the first non-finite training loss, names where, and skips that step', async () => {
    const data = tinyData();
    const base = tinyLearner(data);
    // Calls 1-4: epoch 0 training, 5-6: its validation, 7: epoch 1 iter 0, 8: epoch 1 iter 1.
    const learn = new Learner({ model: base.model, data, lossFunc: nanOnCall(8), lr: 0.1 });
    const lines: string[] = [];
    const cb = new TerminateOnNaNCallback({ log: (l) => lines.push(l) });
    const stats = new AvgStatsCallback([], quiet);
    await new Runner({ cbs: [stats, cb] }).fit(5, learn);
    expect(cb.terminatedAt).toEqual({ epoch: 1, iter: 1, nIter: 5, loss: NaN });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/loss is NaN at epoch 1, iteration 1/);
    expect(stats.history).toHaveLength(2); // epoch 1 was cut short
    for (const p of learn.trainableVars) expect(p.dataSync().every(Number.isFinite)).toBe(true);
  });

  it('does nothing while the loss is finite', async () => {
    const cb = new TerminateOnNaNCallback({ log: () => {} });
    await new Runner({ cbs: [cb] }).fit(2, tinyLearner());
    expect(cb.terminatedAt).toBeNull();
  });
});
