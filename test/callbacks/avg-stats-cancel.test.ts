/**
 * `AvgStatsCallback.history` after a user callback stops the fit with `CancelTrainError` in the
 * middle of an epoch: the epoch is there with the training averages over the batches that ran
 * (the same numbers the recorder saw) and `valid: []`, the documented shape of a phase that ran no
 * batch; the epoch's metrics have `train_*` and no `valid_*`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Callback, CancelTrainError, AvgStatsCallback, Recorder, accuracy } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CancelTrainError inside an epoch', () => {
  it('history keeps what was measured: training averages of the batches that ran, valid: []', async () => {
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const rec = new Recorder();
    class StopInEpoch2 extends Callback {
      override order = 30; // after AvgStatsCallback (0) and Recorder (20) saw the batch
      override afterBatch(): void {
        if (this.run.inTrain && this.run.epoch === 1 && this.run.iter === 2) throw new CancelTrainError('enough');
      }
    }
    const run = new Runner({ cbs: [stats, rec, new StopInEpoch2()], log: () => {} });
    await run.fit(3, tinyLearner());
    expect(stats.history.map((h) => h.epoch)).toEqual([0, 1]);
    const last = stats.history.at(-1)!;
    expect(last.valid).toEqual([]);
    expect(last.train).toHaveLength(2); // [loss, accuracy]
    const epoch2 = rec.losses.slice(4); // 4 batches in epoch 1, then the 3 that ran in epoch 2
    expect(epoch2).toHaveLength(3);
    expect(last.train[0]).toBeCloseTo(epoch2.reduce((a, b) => a + b, 0) / 3, 5);
    expect(last.train[1]).toBeGreaterThanOrEqual(0);
    expect(run.epochMetrics.train_loss).toBe(last.train[0]);
    expect(Object.keys(run.epochMetrics).filter((k) => k.startsWith('valid_'))).toEqual([]);
  });
});
