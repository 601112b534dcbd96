/**
 * What the runner says by itself, once per fit, without reading the device every batch:
 * - a non-finite training loss (no TerminateOnNaNCallback): one warning naming the epoch and batch
 *   of the first one, and training goes on;
 * - tensors that leak every epoch (a callback that makes tensors and never frees them): one warning
 *   with the growth per epoch and the callbacks present; the shipped callbacks, hooks recording
 *   activation statistics and a callback allocating once lazily give none.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  tf, Runner, Callback, TerminateOnNaNCallback, LRFinder, CheckpointCallback, ProgressCallback, EarlyStoppingCallback, Hooks, appendStats, type Module,
} from '../../src/index.js';
import { convData, convLearner, trackingCbs } from '../fixtures/tiny-conv.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-warn-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Make the training loss NaN from training batch `iter` of epoch `epoch` on (through the input). */
class PoisonFrom extends Callback {
  constructor(private readonly epoch: number, private readonly iter: number) {
    super();
  }
  override beginBatch(): void {
    const r = this.run;
    if (r.inTrain && (r.epoch > this.epoch || (r.epoch === this.epoch && r.iter >= this.iter))) r.xb = tf.mul(r.xb, NaN);
  }
}

describe('non-finite training loss', () => {
  it('warns once, naming the first NaN batch, keeps training, and reads nothing synchronously', async () => {
    const log: string[] = [];
    const { rec, cbs } = trackingCbs();
    const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
    try {
      await new Runner({ cbs: [...cbs, new PoisonFrom(1, 2)], log: (l) => log.push(l) }).fit(3, convLearner());
      expect(dataSync).not.toHaveBeenCalled();
      expect(arraySync).not.toHaveBeenCalled();
    } finally {
      dataSync.mockRestore();
      arraySync.mockRestore();
    }
    expect(rec.losses).toHaveLength(12); // all three epochs ran
    expect(rec.losses.slice(0, 6).every(Number.isFinite)).toBe(true);
    expect(rec.losses[6]).toBeNaN();
    const warnings = log.filter((l) => l.includes('warning'));
    expect(warnings).toEqual([expect.stringMatching(/^tfai: warning: the training loss is NaN at training batch 2 of epoch 1 \(0-based\), the first non-finite loss of this fit; training goes on \(add a TerminateOnNaNCallback/)]);
  });

  it('an interrupted fit still reports the NaN of its last, unfinished epoch', async () => {
    const log: string[] = [];
    class StopAt3 extends Callback {
      override afterBatch(): void {
        if (this.run.inTrain && this.run.iter === 2) this.run.requestInterrupt();
      }
    }
    await new Runner({ cbs: [new PoisonFrom(0, 1), new StopAt3()], log: (l) => log.push(l) }).fit(2, convLearner());
    expect(log.filter((l) => l.includes('warning'))).toEqual([expect.stringMatching(/loss is NaN at training batch 1 of epoch 0 /)]);
  });

  it('with TerminateOnNaNCallback only its own message is given', async () => {
    const log: string[] = [];
    const nanLog: string[] = [];
    await new Runner({ cbs: [new PoisonFrom(0, 1), new TerminateOnNaNCallback({ log: (l) => nanLog.push(l) })], log: (l) => log.push(l) }).fit(2, convLearner());
    expect(nanLog).toHaveLength(1);
    expect(log.filter((l) => l.includes('warning'))).toEqual([]);
  });

  it('an LR finder sweeping into NaN ends its sweep without the warning', async () => {
    const log: string[] = [];
    const finder = new LRFinder({ maxIter: 50 });
    await new Runner({ cbs: [finder, new PoisonFrom(1, 1)], log: (l) => log.push(l) }).fit(20, convLearner());
    expect(finder.stopReason).toBe('nonFinite');
    expect(log.filter((l) => l.includes('warning'))).toEqual([]);
  });

  it('finite losses give no warning', async () => {
    const log: string[] = [];
    await new Runner({ cbs: trackingCbs().cbs, log: (l) => log.push(l) }).fit(2, convLearner());
    expect(log).toEqual([]);
  });
});

/** A fastai/Keras-style callback that keeps a tensor per batch and never frees it. */
class KeepsActivations extends Callback {
  kept: tf.Tensor[] = [];
  override afterBatch(): void {
    this.kept.push(tf.mul(this.run.pred, 2));
  }
}

describe('tensors leaking epoch after epoch', () => {
  it('warns once with the growth per epoch and the callbacks present', async () => {
    const log: string[] = [];
    const leak = new KeepsActivations();
    await new Runner({ cbs: [...trackingCbs().cbs, leak], log: (l) => log.push(l) }).fit(6, convLearner());
    const warnings = log.filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    // 4 training + 2 validation batches an epoch: 6 tensors of [12, 3] floats (144 bytes) each
    expect(warnings[0]).toMatch(/^tfai: warning: tensors are leaking: tf\.memory\(\)\.numTensors grew by 6 \(864 B\) in epoch 1 and by 6 \(864 B\) in epoch 2 \(0-based\), now \d+ tensors\. /);
    expect(warnings[0]).toMatch(/this fit's: TrainEvalCallback, AvgStatsCallback, KeepsActivations, ParamScheduler, Recorder\)/);
    expect(warnings[0]).toMatch(/tf\.tidy/);
    tf.dispose(leak.kept);
  });

  it('no warning with the shipped callbacks, activation-statistics hooks, or a lazy one-time allocation', async () => {
    const log: string[] = [];
    class Lazy extends Callback {
      private t: tf.Tensor | null = null;
      override afterEpoch(): void {
        if (this.run.epoch === 1) this.t = tf.ones([4]);
      }
      override afterFit(): void {
        this.t?.dispose();
      }
    }
    const learn = convLearner({ data: convData({ nTrain: 48 }) });
    using hooks = new Hooks((learn.model as unknown as { children(): Module[] }).children(), appendStats);
    const cbs = [
      ...trackingCbs().cbs, new CheckpointCallback({ dir: path.join(root, 'ck') }), new ProgressCallback({ stream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream }),
      new EarlyStoppingCallback({ monitor: 'valid_loss', patience: 100 }), new TerminateOnNaNCallback(), new Lazy(),
    ];
    await new Runner({ cbs, log: (l) => log.push(l) }).fit(6, learn);
    expect(hooks[0].stats!.length).toBe(24);
    expect(log.filter((l) => l.includes('warning'))).toEqual([]);
  });
});
