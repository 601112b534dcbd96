/** ReduceLROnPlateau: Keras semantics on a scripted metric, every group, minLr, schedules, checkpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  tf, Runner, Callback, ReduceLROnPlateau, CheckpointCallback, Learner, Sequential, Linear, ReLU, crossEntropy, sgd, setSeed,
  fitOneCycle, cosOneCycle,
} from '../../src/index.js';
import { tinyData } from '../helpers/tiny.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-plateau-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Publishes `valid_score` = values[epoch] (order 1: before ReduceLROnPlateau's afterEpoch). */
class Script extends Callback {
  override order = 1;
  constructor(readonly values: number[]) {
    super();
  }
  override epochMetricNames(): string[] {
    return ['valid_score'];
  }
  override afterEpoch(): void {
    this.run.epochMetrics.valid_score = this.values[this.run.epoch];
  }
}

/** Each group's lr after every epoch, and each training batch's (order 3: after the reduction). */
class LrLog extends Callback {
  override order = 3;
  epochs: number[][] = [];
  batches: number[][] = [];
  override beginBatch(): void {
    if (this.run.inTrain) this.batches.push(this.run.learn.opt.getHyper('lr'));
  }
  override afterEpoch(): void {
    this.epochs.push(this.run.learn.opt.getHyper('lr'));
  }
}

/** Two parameter groups with lrs 0.1 and 0.01. */
function twoGroups(): Learner {
  setSeed(1);
  const a = new Linear(4, 8);
  const b = new Linear(8, 3);
  const learn = new Learner({ model: new Sequential(a, new ReLU(), b), data: tinyData(), lossFunc: crossEntropy, optFunc: sgd(), splitter: () => [a.parameters(), b.parameters()] });
  learn.opt.setHyper('lr', [0.1, 0.01]);
  return learn;
}

// Keras' algorithm traced by hand (patience 2, factor 0.5, cooldown 1, minDelta 0, mode min):
// e0 1.0 best · e1 .9 best · e2 .95 wait 1 · e3 .95 wait 2 → reduce, cooldown 1 · e4 .95 cooldown ends, wait 1
// e5 .8 best · e6 .85 wait 1 · e7 .85 wait 2 → reduce · e8 .85 cooldown ends, wait 1 · e9 .85 wait 2 → reduce
const scores = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85];
const g0 = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02]; // the last reduction stops at minLr 0.02

describe('ReduceLROnPlateau', () => {
  it('follows Keras: patience, cooldown, factor, minLr, every parameter group', async () => {
    const log = new LrLog();
    const lines: string[] = [];
    const cb = new ReduceLROnPlateau({ monitor: 'valid_score', mode: 'min', factor: 0.5, patience: 2, cooldown: 1, minDelta: 0, minLr: 0.02, log: (l) => lines.push(l) });
    await new Runner({ cbs: [new Script(scores), cb, log], handleInterrupts: false }).fit(10, twoGroups());
    expect(log.epochs.map((l) => l[0])).toEqual(g0.map((v) => expect.closeTo(v, 12)));
    expect(log.epochs.every((l) => l[1] === 0.01)).toBe(true); // group 1 starts below minLr: never reduced
    expect(cb.reductions).toBe(3);
    expect(cb.best).toBe(0.8);
    expect(lines[0]).toMatch(/ReduceLROnPlateau: no improvement in valid_score for 2 epoch\(s\) \(best 0.9\); reducing lr to 0.05000, 0.01000 after epoch 3/);
  });

  it('minDelta: a change smaller than minDelta is no improvement', async () => {
    const log = new LrLog();
    const cb = new ReduceLROnPlateau({ monitor: 'valid_score', mode: 'min', factor: 0.5, patience: 1, minDelta: 0.1, log: () => {} });
    await new Runner({ cbs: [new Script([1, 0.95, 0.8]), cb, log], handleInterrupts: false }).fit(3, twoGroups());
    expect(log.epochs.map((l) => l[0])).toEqual([0.1, 0.05, 0.05]); // .95 is not better than 1 - 0.1; .8 is
  });

  it('with a schedule, a reduction scales the scheduled values', async () => {
    const log = new LrLog();
    const cb = new ReduceLROnPlateau({ monitor: 'valid_score', mode: 'min', factor: 0.1, patience: 1, log: () => {} });
    const learn = twoGroups();
    await fitOneCycle(3, 0.1, { learn, cbs: [new Script([1, 2, 3]), cb, log], moms: null, runner: { handleInterrupts: false } });
    const sched = cosOneCycle(0.1 / 25, 0.1, 0.1 / 1e5, 0.25);
    const n = log.batches.length; // 12: 4 per epoch
    log.batches.forEach((lrs, i) => {
      const factor = i < 8 ? 1 : 0.1; // e0 best, e1 worse → reduction after epoch 1 (e2's is after the last batch)
      expect(lrs[0]).toBeCloseTo(sched(i / n) * factor, 12);
    });
  });

  it('keeps its state in checkpoints: a resumed fit reduces exactly as an uninterrupted one', async () => {
    const make = (): Callback[] => [new Script(scores), new ReduceLROnPlateau({ monitor: 'valid_score', mode: 'min', factor: 0.5, patience: 2, cooldown: 1, minDelta: 0, minLr: 0.02, log: () => {} })];
    const dir = path.join(root, 'resume');
    const full = new LrLog();
    await new Runner({ cbs: [...make(), full, new CheckpointCallback({ dir, keep: 20 })], handleInterrupts: false, log: () => {} }).fit(10, twoGroups());
    const state = JSON.parse(await fs.readFile(path.join(dir, 'epoch-0003', 'state.json'), 'utf8')) as { callbacks: Record<string, unknown> };
    expect(state.callbacks.ReduceLROnPlateau).toMatchObject({ best: 0.9, wait: 1, cooldownCounter: 0, reductions: 0 });
    const resumed = new LrLog();
    await new Runner({ cbs: [...make(), resumed], handleInterrupts: false, log: () => {} }).fit(10, twoGroups(), { resume: path.join(dir, 'epoch-0003') });
    expect(resumed.epochs).toEqual(full.epochs.slice(3));
  });

  it('rejects bad options and unknown metrics', async () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be in \(0, 1\)/);
    expect(() => new ReduceLROnPlateau({ patience: -1 })).toThrow(/patience must be an integer >= 0/);
    const run = new Runner({ cbs: [new ReduceLROnPlateau({ monitor: 'valid_nothing' })], handleInterrupts: false });
    await expect(run.fit(1, twoGroups())).rejects.toThrow(/ReduceLROnPlateau: cannot monitor 'valid_nothing'/);
  });
});
