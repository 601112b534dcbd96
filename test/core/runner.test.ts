import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src/core/events.js';
import {
  tf, Runner, Callback, CancelBatchError, CancelEpochError, CancelStepError, CancelTrainError, AvgStatsCallback, Recorder,
  ParamScheduler, schedLin, accuracy, type EventName, type RunnerEvent, } from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';

/** Records every event a callback sees, with the batch position. */
class EventLog extends Callback {
  log: string[] = [];
  constructor(private readonly hook?: (name: EventName, cb: EventLog) => void) {
    super();
    for (const name of EVENT_NAMES) {
      (this as unknown as Record<string, () => void>)[name] = () => {
        this.log.push(name);
        this.hook?.(name, this);
      };
    }
  }
}

const trainBatch = ['beginBatch', 'afterPred', 'afterLoss', 'afterBackward', 'afterStep', 'afterBatch'];
const validBatch = ['beginBatch', 'afterPred', 'afterLoss', 'afterBatch'];
const rep = <T>(n: number, xs: T[]): T[] => Array.from({ length: n }, () => xs).flat();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Runner lifecycle', () => {
  it('emits the notebooks\' events in order, callbacks before events$', async () => {
    const cb = new EventLog();
    const run = new Runner({ cbs: [cb] });
    const seen: RunnerEvent[] = [];
    const seenWhenPublished: number[] = [];
    run.events$.subscribe((e) => {
      seen.push(e);
      seenWhenPublished.push(cb.log.length);
    });
    await run.fit(1, tinyLearner());
    const epoch = ['beginEpoch', ...rep(4, trainBatch), 'beginValidate', ...rep(2, validBatch), 'afterEpoch'];
    expect(cb.log).toEqual(['beginFit', ...epoch, 'afterFit']);
    expect(seen.map((e) => e.name)).toEqual(cb.log);
    // Each event is published after the callback saw it.
    seenWhenPublished.forEach((n, i) => expect(n).toBe(i + 1));
    expect(seen.find((e) => e.name === 'beginValidate')?.inTrain).toBe(false);
  });

  it('runs callbacks by order, then insertion order', async () => {
    const order: string[] = [];
    class Named extends Callback {
      constructor(readonly tag: string, o: number) {
        super();
        this.order = o;
      }
      override beginFit(): void {
        order.push(this.tag);
      }
    }
    const run = new Runner({ cbs: [new Named('b', 5), new Named('a', 1), new Named('c', 5)] });
    await run.fit(1, tinyLearner());
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('awaits async handlers before the next callback', async () => {
    const order: string[] = [];
    class Slow extends Callback {
      override async afterEpoch(): Promise<void> {
        await new Promise((r) => setTimeout(r, 20));
        order.push('slow');
      }
    }
    class After extends Callback {
      override order = 3;
      override afterEpoch(): void {
        order.push('after');
      }
    }
    await new Runner({ cbs: [new Slow(), new After()] }).fit(1, tinyLearner());
    expect(order).toEqual(['slow', 'after']);
  });

  it('CancelBatchError skips backward and step of that batch only', async () => {
    const cb = new EventLog((name, me) => {
      if (name === 'afterLoss' && me.run.inTrain && me.run.iter === 1) throw new CancelBatchError();
    });
    await new Runner({ cbs: [cb] }).fit(1, tinyLearner());
    const b0 = trainBatch;
    const b1 = ['beginBatch', 'afterPred', 'afterLoss', 'afterCancelBatch', 'afterBatch'];
    expect(cb.log).toEqual(['beginFit', 'beginEpoch', ...b0, ...b1, ...rep(2, trainBatch), 'beginValidate', ...rep(2, validBatch), 'afterEpoch', 'afterFit']);
  });

  it('CancelEpochError ends the epoch (no validation) and the next epoch runs', async () => {
    const cb = new EventLog((name, me) => {
      if (name === 'beginBatch' && me.run.inTrain && me.run.epoch === 0 && me.run.iter === 2) throw new CancelEpochError();
    });
    await new Runner({ cbs: [cb] }).fit(2, tinyLearner());
    const first = ['beginEpoch', ...rep(2, trainBatch), 'beginBatch', 'afterBatch', 'afterCancelEpoch', 'afterEpoch'];
    const second = ['beginEpoch', ...rep(4, trainBatch), 'beginValidate', ...rep(2, validBatch), 'afterEpoch'];
    expect(cb.log).toEqual(['beginFit', ...first, ...second, 'afterFit']);
  });

  it('CancelTrainError stops the fit normally with afterCancelTrain then afterFit', async () => {
    const cb = new EventLog((name, me) => {
      if (name === 'afterStep' && me.run.nIter === 2) throw new CancelTrainError();
    });
    const run = new Runner({ cbs: [cb] });
    await expect(run.fit(3, tinyLearner())).resolves.toBeUndefined();
    expect(cb.log.filter((n) => n === 'afterStep')).toHaveLength(3);
    expect(cb.log.slice(-5)).toEqual(['afterStep', 'afterBatch', 'afterEpoch', 'afterCancelTrain', 'afterFit']);
  });

  it('CancelStepError from afterBackward skips the step and afterStep, and the batch ends normally', async () => {
    const learn = tinyLearner();
    await new Runner().fit(1, learn); // the optimizer's state and scalars exist from here on
    const steps = learn.opt.stepCount;
    const before = await Promise.all(learn.trainableVars.map((v) => v.data()));
    const later = new EventLog();
    later.order = 5;
    const cb = new EventLog((name, me) => {
      if (name === 'afterBackward' && me.run.iter !== 1) throw new CancelStepError();
    });
    const run = new Runner({ cbs: [cb, later] });
    const n0 = tf.memory().numTensors;
    await run.fit(1, learn);
    expect(tf.memory().numTensors).toBe(n0);
    const withStep = trainBatch;
    const noStep = ['beginBatch', 'afterPred', 'afterLoss', 'afterBackward', 'afterBatch'];
    expect(cb.log).toEqual(['beginFit', 'beginEpoch', ...noStep, ...withStep, ...noStep, ...noStep, 'beginValidate', ...rep(2, validBatch), 'afterEpoch', 'afterFit']);
    // a later callback's afterBackward is skipped too
    expect(later.log.filter((n) => n === 'afterBackward')).toHaveLength(1);
    expect(learn.opt.stepCount).toBe(steps + 1);
    const after = await Promise.all(learn.trainableVars.map((v) => v.data()));
    expect(after.some((a, i) => a.some((x, j) => x !== before[i][j]))).toBe(true);
  });

  it('other errors reach the caller, and afterFit still runs', async () => {
    const cb = new EventLog((name) => {
      if (name === 'afterStep') throw new Error('boom');
    });
    await expect(new Runner({ cbs: [cb] }).fit(1, tinyLearner())).rejects.toThrow('boom');
    expect(cb.log.at(-1)).toBe('afterFit');
  });
});

describe('Runner training and memory', () => {
  it('trains: loss falls and accuracy rises on a separable problem', async () => {
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats] }).fit(8, tinyLearner(tinyData(), { lr: 0.3 }));
    const first = stats.history[0];
    const last = stats.history.at(-1)!;
    expect(last.train[0]).toBeLessThan(first.train[0]);
    expect(last.valid[1]).toBeGreaterThan(0.9);
  });

  it('keeps tf.memory().numTensors flat from epoch to epoch with the shipped callbacks', async () => {
    const counts: number[] = [];
    class Count extends Callback {
      override order = 100;
      override afterEpoch(): void {
        counts.push(tf.memory().numTensors);
      }
    }
    const learn = tinyLearner();
    const run = new Runner({ cbs: [new AvgStatsCallback([accuracy], { print: false }), new Recorder(), new ParamScheduler('lr', schedLin(0.1, 0.01)), new Count()] });
    await run.fit(4, learn);
    expect(counts[2]).toBe(counts[1]);
    expect(counts[3]).toBe(counts[1]);
  });

  it('Recorder records one lr and one loss per training batch; ParamScheduler follows the schedule', async () => {
    const rec = new Recorder();
    const run = new Runner({ cbs: [rec, new ParamScheduler('lr', schedLin(1, 0))] });
    await run.fit(2, tinyLearner());
    expect(rec.losses).toHaveLength(8);
    expect(rec.lr).toHaveLength(8);
    expect(rec.lr.map((v) => +v.toFixed(4))).toEqual([1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125]);
    rec.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
  });

  it('AvgStats averages equal the per-sample mean loss computed by hand', async () => {
    const data = tinyData();
    const learn = tinyLearner(data);
    const stats = new AvgStatsCallback([accuracy], { print: false });
    class NoTrain extends Callback {
      override beginBatch(): void {
        if (this.run.inTrain) throw new CancelBatchError();
      }
    }
    await new Runner({ cbs: [stats, new NoTrain()] }).fit(1, learn);
    const ds = data.validDl.dataset as unknown as { x: tf.Tensor; y: tf.Tensor };
    learn.model.eval();
    const manual = tf.tidy(() => {
      const logits = learn.model.forward(ds.x);
      const logp = tf.logSoftmax(logits);
      return -tf.mean(tf.sum(tf.mul(tf.oneHot(ds.y as tf.Tensor1D, 3), logp), -1)).dataSync()[0];
    });
    expect(stats.history[0].valid[0]).toBeCloseTo(manual, 5);
  });
});

describe('bad input is reported at or before the first batch', () => {
  it('model output that does not fit the classes', async () => {
    await expect(new Runner().fit(1, tinyLearner(tinyData(), { out: 5 }))).rejects.toThrow(/model output \[12, 5\] has 5 columns but the data has c = 3 classes/);
  });

  it('labels outside [0, c)', async () => {
    const data = tinyData();
    const bad = Object.assign(Object.create(Object.getPrototypeOf(data)), data, { c: 2 });
    await expect(new Runner().fit(1, tinyLearner(bad, { out: 2 }))).rejects.toThrow(/^train labels must be integer class indices in \[0, 2\) for c = 2 classes, found labels from 0 to 2$/);
  });

  it('epochs must be a positive integer', async () => {
    await expect(new Runner().fit(0, tinyLearner())).rejects.toThrow('Runner.fit: epochs must be an integer >= 1, got 0');
  });

  it('Learner rejects a negative or NaN lr', () => {
    expect(() => tinyLearner(tinyData(), { lr: -1 })).toThrow(/lr must be a finite number >= 0, got -1/);
    expect(() => tinyLearner(tinyData(), { lr: NaN })).toThrow(/lr must be a finite number >= 0, got NaN/);
  });

  it('ParamScheduler names the parameter when a schedule gives a negative value (at beginFit)', async () => {
    const run = new Runner({ cbs: [new ParamScheduler('lr', schedLin(0.1, -0.1))] });
    await expect(run.fit(1, tinyLearner())).rejects.toThrow(/ParamScheduler\('lr'\): the schedule for group 0 gives -0\.0\d+ at position 0\.5050 of training: hyperparameter 'lr' must be a finite number >= 0/);
  });

  it('ParamScheduler on an unknown hyperparameter lists the known ones', async () => {
    const run = new Runner({ cbs: [new ParamScheduler('beta1', schedLin(0.1, 0.1))] });
    await expect(run.fit(1, tinyLearner())).rejects.toThrow(/SGD has no hyperparameter 'beta1' \(it has: lr, mom, wd\)/);
  });
});
