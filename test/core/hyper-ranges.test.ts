/**
 * Hyperparameters out of their range are refused where they are set — the optimizer's constructor,
 * `setHyper`, a schedule (at `beginFit`, before any batch) — naming the hyperparameter and its
 * range, instead of a NaN loss from the first step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Callback, ParamScheduler, SGD, Adam, sgd, adam, cosOneCycle, schedLin, fitOneCycle } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const params = (): tf.Variable[][] => [[tf.variable(tf.zeros([2]))]];

describe('optimizer hyperparameter ranges', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['Adam beta1 = 1', () => new Adam(params(), 0.1, { beta1: 1 }), /Adam: hyperparameter 'beta1' must be in \[0, 1\), got 1/],
    ['Adam beta2 = 1.5', () => new Adam(params(), 0.1, { beta2: 1.5 }), /Adam: hyperparameter 'beta2' must be in \[0, 1\), got 1\.5/],
    ['Adam beta1 = -0.1', () => new Adam(params(), 0.1, { beta1: -0.1 }), /'beta1' must be in \[0, 1\), got -0\.1/],
    ['Adam eps = 0', () => new Adam(params(), 0.1, { eps: 0 }), /Adam: hyperparameter 'eps' must be a finite number > 0, got 0/],
    ['Adam wd = -1', () => new Adam(params(), 0.1, { wd: -1 }), /Adam: hyperparameter 'wd' must be a finite number >= 0, got -1/],
    ['SGD momentum = 1.5', () => new SGD(params(), 0.1, { mom: 1.5 }), /SGD: hyperparameter 'mom' must be in \[0, 1\), got 1\.5/],
    ['SGD momentum = 1', () => new SGD(params(), 0.1, { mom: 1 }), /'mom' must be in \[0, 1\), got 1/],
    ['SGD lr = -5', () => new SGD(params(), -5), /SGD: hyperparameter 'lr' must be a finite number >= 0, got -5/],
    ['SGD lr = NaN', () => new SGD(params(), NaN), /'lr' must be a finite number >= 0, got NaN/],
    ['SGD lr = "abc"', () => new SGD(params(), 'abc' as unknown as number), /'lr' must be a finite number >= 0, got "abc"/],
  ];
  for (const [what, make, msg] of cases) it(`constructor refuses ${what}`, () => expect(make).toThrow(msg));

  it('setHyper refuses the same, naming range and group, and changes nothing', () => {
    const opt = new Adam([...params(), ...params()], 0.1);
    expect(() => opt.setHyper('beta2', [0.99, 1])).toThrow(/Adam\.setHyper\('beta2'\): group 1: hyperparameter 'beta2' must be in \[0, 1\), got 1/);
    expect(opt.getHyper('beta2')).toEqual([0.999, 0.999]);
    const s = new SGD(params(), 0.1, { mom: 0.9 });
    expect(() => s.setHyper('mom', 2)).toThrow(/'mom' must be in \[0, 1\)/);
    expect(() => s.setHyper('lr', Infinity)).toThrow(/'lr' must be a finite number >= 0, got Infinity/);
    s.setHyper('mom', 0);
    expect(s.getHyper('mom')).toEqual([0]);
  });

  it('edges that are allowed: beta 0, momentum 0.999, lr 0, wd 0, tiny eps', () => {
    expect(() => new Adam(params(), 0, { beta1: 0, beta2: 0.999999, eps: 1e-30, wd: 0 })).not.toThrow();
    expect(() => new SGD(params(), 0, { mom: 0.999 })).not.toThrow();
  });
});

/** Counts training batches (a failure at beginFit comes before any). */
class Batches extends Callback {
  n = 0;
  override afterBatch(): void {
    if (this.run.inTrain) this.n++;
  }
}

describe('a schedule that leaves the range is refused at beginFit', () => {
  it('ParamScheduler: momentum rising to 1.5 — before the first batch, naming where', async () => {
    const b = new Batches();
    const run = new Runner({ cbs: [b, new ParamScheduler('mom', schedLin(0.9, 1.5))], handleInterrupts: false, log: () => {} });
    await expect(run.fit(2, tinyLearner(undefined, { optFunc: sgd({ mom: 0.9 }) }))).rejects.toThrow(
      /ParamScheduler\('mom'\): the schedule for group 0 gives 1\.0\d* at position 0\.\d+ of training: hyperparameter 'mom' must be in \[0, 1\)/,
    );
    expect(b.n).toBe(0);
  });

  it('fitOneCycle with moms beyond 1 on Adam (beta1) — before the first batch', async () => {
    const b = new Batches();
    const run = new Runner({ cbs: [b], handleInterrupts: false, log: () => {} });
    await expect(fitOneCycle(1, 0.01, { run, learn: tinyLearner(undefined, { optFunc: adam() }), moms: [0.95, 1.2, 0.95] })).rejects.toThrow(/ParamScheduler\('beta1'\).*'beta1' must be in \[0, 1\)/);
    expect(b.n).toBe(0);
  });

  it('a schedule within the range trains as before', async () => {
    await new Runner({ cbs: [new ParamScheduler('mom', cosOneCycle(0.95, 0.85, 0.95))], handleInterrupts: false, log: () => {} }).fit(1, tinyLearner(undefined, { optFunc: sgd({ mom: 0.9 }) }));
  });
});
