/** fitOneCycle: fastai v2's schedule, equal to cosOneCycle + ParamScheduler by hand. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, fitOneCycle, cosOneCycle, ParamScheduler, Recorder, Runner, Callback, adam, sgd, setSeed, Learner, crossEntropy, Sequential, Linear, ReLU } from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Records a hyperparameter of every group at every training batch (after the schedulers ran). */
class Hyper extends Callback {
  override order = 5;
  values: number[][] = [];
  constructor(readonly hname: string) {
    super();
  }
  override beginBatch(): void {
    if (this.run.inTrain) this.values.push(this.run.learn.opt.getHyper(this.hname));
  }
}

const weights = (l: Learner): Promise<number[]> => Promise.all(l.trainableVars.map((v) => v.data())).then((ds) => ds.flatMap((d) => Array.from(d)));

describe('fitOneCycle', () => {
  it('follows fastai v2: lr from lrMax/25 up to lrMax at 25% (cosine), down towards lrMax/1e5; mom 0.95 → 0.85 → 0.95', async () => {
    const lr = new Hyper('lr');
    const mom = new Hyper('mom');
    const run = await fitOneCycle(4, 0.2, { learn: tinyLearner(), cbs: [lr, mom], runner: { handleInterrupts: false } });
    const lrs = lr.values.map((v) => v[0]);
    const moms = mom.values.map((v) => v[0]);
    expect(lrs).toHaveLength(16); // 4 epochs × 4 batches
    expect(lrs[0]).toBeCloseTo(0.2 / 25, 10);
    expect(moms[0]).toBeCloseTo(0.95, 10);
    // batch 4 of 16 is at position 0.25: the peak
    expect(lrs[4]).toBeCloseTo(0.2, 10);
    expect(moms[4]).toBeCloseTo(0.85, 10);
    expect(Math.max(...lrs)).toBeCloseTo(0.2, 10);
    // batch 2 is halfway up the warm-up cosine: (start + peak) / 2
    expect(lrs[2]).toBeCloseTo((0.2 / 25 + 0.2) / 2, 10);
    // batch 10: position 10/16, halfway down: (peak + end) / 2
    expect(lrs[10]).toBeCloseTo((0.2 + 0.2 / 1e5) / 2, 10);
    expect(moms[10]).toBeCloseTo(0.9, 10);
    // last batch at position 15/16 of the cosine from 0.2 to 2e-6
    const p = (15 / 16 - 0.25) / 0.75;
    expect(lrs[15]).toBeCloseTo(0.2 / 1e5 + ((1 + Math.cos(Math.PI * p)) * (0.2 - 0.2 / 1e5)) / 2, 10);
    expect(run.cbs.some((c) => c instanceof ParamScheduler)).toBe(false); // the schedulers are removed after the fit
  });

  it('equals ParamScheduler(cosOneCycle) by hand: same lrs, same momentum, same weights', async () => {
    const a = tinyLearner(tinyData(), { optFunc: sgd() });
    const recA = new Recorder();
    await fitOneCycle(3, 0.3, { learn: a, cbs: [recA], pctStart: 0.3, divFactor: 10, moms: [0.9, 0.8, 0.9], runner: { handleInterrupts: false } });
    const b = tinyLearner(tinyData(), { optFunc: sgd() });
    const recB = new Recorder();
    await new Runner({
      cbs: [recB, new ParamScheduler('lr', cosOneCycle(0.03, 0.3, 0.3 / 1e5, 0.3)), new ParamScheduler('mom', cosOneCycle(0.9, 0.8, 0.9, 0.3))],
      handleInterrupts: false,
    }).fit(3, b);
    expect(recA.lrs).toEqual(recB.lrs);
    expect(await weights(a)).toEqual(await weights(b));
    expect(a.opt.getHyper('mom')).toEqual(b.opt.getHyper('mom'));
  });

  it('with Adam the momentum schedule goes to beta1; lrMax per parameter group', async () => {
    const data = tinyData();
    setSeed(1);
    const l1 = new Linear(4, 8);
    const l2 = new Linear(8, 3);
    const learn = new Learner({ model: new Sequential(l1, new ReLU(), l2), data, lossFunc: crossEntropy, optFunc: adam(), splitter: () => [l1.parameters(), l2.parameters()] });
    const lr = new Hyper('lr');
    const b1 = new Hyper('beta1');
    await fitOneCycle(1, [0.001, 0.01], { learn, cbs: [lr, b1], runner: { handleInterrupts: false } });
    expect(lr.values[0][0]).toBeCloseTo(0.001 / 25, 12);
    expect(lr.values[0][1]).toBeCloseTo(0.01 / 25, 12);
    expect(lr.values[1][1]).toBeCloseTo(0.01, 12); // batch 1 of 4: the peak
    expect(b1.values[0]).toEqual([0.95, 0.95]);
    expect(b1.values[1][0]).toBeCloseTo(0.85, 12);
    await expect(fitOneCycle(1, [0.1, 0.1, 0.1], { learn })).rejects.toThrow(/fitOneCycle: got 3 lrMax values for 2 parameter groups/);
    await expect(fitOneCycle(1, 0, { learn })).rejects.toThrow(/fitOneCycle: lrMax\[0\] must be a finite number > 0, got 0/);
    await expect(fitOneCycle(1, 0.1, { learn, run: new Runner(), cbs: [] })).rejects.toThrow(/fitOneCycle: give either run \(an existing runner\) or cbs/);
  });

  it("'mom' is the momentum of any optimizer: Adam's beta1 answers to it (ParamScheduler, getHyper, setHyper)", async () => {
    const data = tinyData();
    setSeed(1);
    const learn = new Learner({ model: new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)), data, lossFunc: crossEntropy, optFunc: adam() });
    expect(learn.opt.hasHyper('mom')).toBe(true);
    expect(learn.opt.hyperNames).toEqual(['lr', 'beta1', 'beta2', 'eps', 'wd']);
    learn.opt.setHyper('mom', 0.8);
    expect(learn.opt.getHyper('beta1')).toEqual([0.8]);
    expect(learn.opt.getHyper('mom')).toEqual([0.8]);
    const b1 = new Hyper('beta1');
    await new Runner({ cbs: [new ParamScheduler('mom', cosOneCycle(0.9, 0.7, 0.9, 0.5)), b1], handleInterrupts: false }).fit(1, learn);
    expect(b1.values[0]).toEqual([0.9]);
    expect(b1.values[2]![0]).toBeCloseTo(0.7, 12); // batch 2 of 4: the middle
    expect(() => learn.opt.getHyper('momentum')).toThrow(/Adam has no hyperparameter 'momentum' \(it has: lr, beta1, beta2, eps, wd; mom = beta1\)/);
  });
});
