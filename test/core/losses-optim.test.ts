import { beforeAll, describe, expect, it } from 'vitest';
import { tf, crossEntropy, accuracy, SGD, Adam, Learner, Runner, ParamScheduler, schedNo, Sequential, Linear, sgd } from '../../src/index.js';
import { expectClose, ref, toTensor } from '../helpers/reference.js';
import { tinyData } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('crossEntropy and accuracy', () => {
  it('match PyTorch F.cross_entropy (value and gradient)', async () => {
    const c = ref.cases.CrossEntropy;
    const logits = toTensor(c.logits);
    const targets = tf.tensor1d(c.targets as number[], 'int32');
    const loss = crossEntropy(logits, targets);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const g = tf.grad((l: tf.Tensor) => crossEntropy(l, targets))(logits);
    await expectClose(g, c.dlogits);
  });
  it('names both shapes when they do not fit', () => {
    expect(() => crossEntropy(tf.zeros([4, 10]), tf.zeros([5], 'int32'))).toThrow('crossEntropy: targets must be [4] class indices to match logits [4, 10], got [5]');
    expect(() => crossEntropy(tf.zeros([4, 2, 2, 10]), tf.zeros([4], 'int32'))).toThrow(/logits must be \[N, C\], got \[4, 2, 2, 10\]/);
  });
  it('accuracy is the fraction of correct arg-maxes', () => {
    const acc = accuracy(tf.tensor2d([[1, 0], [0, 1], [1, 0], [0, 1]]), tf.tensor1d([0, 1, 1, 1], 'int32'));
    expect(acc.dataSync()[0]).toBeCloseTo(0.75, 6);
  });
});

describe('optimizers', () => {
  it('SGD with momentum follows PyTorch: buf = mom·buf + g; p -= lr·buf', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new SGD([[p]], 0.1, { mom: 0.9 });
    opt.step({ [p.name]: tf.tensor1d([0.5, 1]) });
    expect(Array.from(p.dataSync())).toEqual([1 - 0.05, -2 - 0.1].map((v) => Math.fround(v)));
    opt.step({ [p.name]: tf.tensor1d([0.5, 1]) });
    // buf = 0.9·[0.5, 1] + [0.5, 1] = [0.95, 1.9]
    const got = Array.from(p.dataSync());
    expect(got[0]).toBeCloseTo(0.95 - 0.095, 6);
    expect(got[1]).toBeCloseTo(-2.1 - 0.19, 6);
  });

  it('SGD decoupled weight decay shrinks weights by lr·wd before the step', () => {
    const p = tf.variable(tf.tensor1d([2]));
    new SGD([[p]], 0.1, { wd: 0.5 }).step({ [p.name]: tf.tensor1d([1]) });
    expect(p.dataSync()[0]).toBeCloseTo(2 * (1 - 0.05) - 0.1, 6);
  });

  it('Adam matches the bias-corrected update over three steps', () => {
    const p = tf.variable(tf.tensor1d([1]));
    const opt = new Adam([[p]], 0.01);
    let m = 0, v = 0, w = 1;
    const gs = [0.3, -0.2, 0.5];
    gs.forEach((g, i) => {
      opt.step({ [p.name]: tf.tensor1d([g]) });
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      const t = i + 1;
      w -= (0.01 / (1 - 0.9 ** t)) * (m / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8));
    });
    expect(p.dataSync()[0]).toBeCloseTo(w, 6);
  });

  it('hyperparameters are readable and settable between steps, per group, with range checks', () => {
    const a = tf.variable(tf.zeros([1]));
    const b = tf.variable(tf.zeros([1]));
    const opt = new SGD([[a], [b]], 0.1, { mom: 0.9 });
    expect(opt.getHyper('lr')).toEqual([0.1, 0.1]);
    opt.setHyper('lr', [0.01, 0.1]);
    expect(opt.getHyper('lr')).toEqual([0.01, 0.1]);
    expect(() => opt.setHyper('lr', NaN)).toThrow("SGD.setHyper('lr'): group 0: hyperparameter 'lr' must be a finite number >= 0, got NaN");
    expect(() => opt.setHyper('lr', [1, 2, 3])).toThrow(/got 3 values for 2 parameter groups/);
    expect(() => opt.getHyper('beta1')).toThrow(/no hyperparameter 'beta1'/);
  });

  it('state dict round-trips (hypers, momentum buffers, step counts)', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Adam([[p]], 0.01);
    opt.step({ [p.name]: tf.tensor1d([1, 1]) });
    const sd = opt.stateDict();
    expect(Object.keys(sd.state).sort()).toEqual(['0.0.exp_avg', '0.0.exp_avg_sq']);
    expect(sd.paramSteps).toEqual({ '0.0': 1 });
    const q = tf.variable(p.clone());
    const opt2 = new Adam([[q]], 0.5);
    const before = tf.memory().numTensors;
    opt2.loadStateDict(sd);
    // Two state tensors, no stray copies.
    expect(tf.memory().numTensors - before).toBe(2);
    expect(opt2.getHyper('lr')).toEqual([0.01]);
    // The same next step from the same state gives the same weights.
    opt.step({ [p.name]: tf.tensor1d([0.2, -0.3]) });
    opt2.step({ [q.name]: tf.tensor1d([0.2, -0.3]) });
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
  });
});

describe('parameter groups (discriminative learning rates)', () => {
  it('ParamScheduler sets one value per group, and a count mismatch is an error', async () => {
    const data = tinyData();
    const body = new Linear(4, 8);
    const head = new Linear(8, 3);
    const model = new Sequential(body, head);
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.1, splitter: () => [body.parameters(), head.parameters()] });
    await new Runner({ cbs: [new ParamScheduler('lr', [schedNo(0.01), schedNo(0.2)])] }).fit(1, learn);
    expect(learn.opt.getHyper('lr')).toEqual([0.01, 0.2]);
    const bad = new Runner({ cbs: [new ParamScheduler('lr', [schedNo(0.01), schedNo(0.2), schedNo(1)])] });
    await expect(bad.fit(1, learn)).rejects.toThrow("ParamScheduler('lr'): got 3 schedules for 2 parameter groups (give 1 or 2)");
  });
});
