/**
 * Class labels of every dtype are checked alike: float labels that are out of [0, c), not integers
 * or NaN fail before training with the same message as int32 ones (dataset-wide with
 * `crossEntropy`, at the first batch with any loss), and `crossEntropy` turns a bad target into a
 * NaN loss instead of truncating it. Float targets of a regression are left alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, TensorDataset, DataLoader, DataBunch, Learner, Sequential, Linear, crossEntropy, sgd, setSeed, type LossFunc } from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 24 train / 12 valid points in 4-D, labels `i % 3` except train item 7 (set to `bad`), in `dtype`. */
function data(bad: number | null, dtype: 'int32' | 'float32', c = 3): DataBunch {
  const mk = (n: number, poison: boolean): TensorDataset => {
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    if (poison && bad !== null) labels[7] = bad;
    const x = tf.tidy(() => tf.add(tf.oneHot(tf.tensor1d(labels.map((l) => (Number.isInteger(l) && l >= 0 && l < 4 ? l : 0)), 'int32'), 4), tf.randomNormal([n, 4], 0, 0.1, 'float32', 3)));
    return new TensorDataset(x, tf.tensor1d(labels, dtype));
  };
  return new DataBunch(new DataLoader(mk(24, true), { bs: 12 }), new DataLoader(mk(12, false), { bs: 12 }), c);
}

function learner(d: DataBunch, lossFunc: LossFunc = crossEntropy, out = d.c): Learner {
  setSeed(1);
  return new Learner({ model: new Sequential(new Linear(4, out)), data: d, lossFunc, optFunc: sgd(), lr: 0.1 });
}

const fit = (l: Learner): Promise<void> => new Runner({ log: () => {}, handleInterrupts: false }).fit(1, l);
const rule = 'labels must be integer class indices in \\[0, 3\\) for c = 3 classes';

describe('dataset labels, before the first batch (crossEntropy)', () => {
  const cases: [string, number, string][] = [
    ['out of range (3)', 3, 'found labels from 0 to 3'],
    ['negative', -1, 'found labels from -1 to 2'],
    ['not an integer (0.5)', 0.5, 'found 1 non-integer label \\(the first, at index 7, is 0.5\\)'],
    ['NaN', NaN, 'found 1 NaN label'],
  ];
  for (const [name, bad, found] of cases) {
    it(`float32 labels: ${name}`, async () => {
      await expect(fit(learner(data(bad, 'float32')))).rejects.toThrow(new RegExp(`^train ${rule}, ${found}$`));
    });
  }

  it('int32 labels give the same message', async () => {
    await expect(fit(learner(data(3, 'int32')))).rejects.toThrow(new RegExp(`^train ${rule}, found labels from 0 to 3$`));
  });

  it('valid float labels train, and to the same losses as the same labels in int32', async () => {
    const losses = async (dtype: 'int32' | 'float32'): Promise<number> => {
      const l = learner(data(null, dtype));
      await fit(l);
      const d = l.data.validDl as DataLoader;
      const ds = d.dataset as TensorDataset;
      return tf.tidy(() => crossEntropy(l.model.forward(ds.x), ds.y).dataSync()[0]);
    };
    expect(await losses('float32')).toBe(await losses('int32'));
  });
});

describe('first-batch labels, for any loss', () => {
  /** A loss that uses the labels as class indices without being `crossEntropy` itself. */
  const myLoss: LossFunc = (p, y) => tf.tidy(() => tf.mul(crossEntropy(p, y), 1));

  it('float labels against [N, c] outputs are class indices: 0.5 is refused at the first batch', async () => {
    await expect(fit(learner(data(0.5, 'float32'), myLoss))).rejects.toThrow(new RegExp(`^${rule}, the first batch has 1 non-integer label \\(the first, at index 7, is 0.5\\)$`));
  });

  it('out-of-range float labels from a loader that is not a TensorDataset', async () => {
    const d = data(7, 'float32');
    const wrap = (dl: DataLoader): DataBunch['trainDl'] => ({ length: dl.length, [Symbol.asyncIterator]: () => dl[Symbol.asyncIterator]() }) as unknown as DataBunch['trainDl'];
    const bunch = { trainDl: wrap(d.trainDl), validDl: wrap(d.validDl), c: 3 } as unknown as DataBunch;
    await expect(fit(learner(bunch))).rejects.toThrow(new RegExp(`^${rule}, the first batch has labels from 0 to 7$`));
  });

  it('a regression with float targets is not mistaken for labels', async () => {
    const x = tf.randomNormal([24, 4], 0, 1, 'float32', 5);
    const y = tf.tidy(() => tf.add(tf.sum(x, 1, true), 0.25)); // [24, 1], non-integers
    const d = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs: 12 }), new DataLoader(new TensorDataset(x.clone(), y.clone()), { bs: 12 }), 1);
    const mse: LossFunc = (p, t) => tf.losses.meanSquaredError(t, p) as tf.Scalar;
    await expect(fit(learner(d, mse, 1))).resolves.toBeUndefined();
  });
});

describe('crossEntropy on bad targets', () => {
  it('gives NaN (not a truncated or zero loss) for out-of-range, negative, fractional and NaN targets, of either dtype', () => {
    const logits = tf.tensor2d([[1, 2, 3], [3, 2, 1]]);
    const ce = (t: number[], dtype: 'int32' | 'float32'): number => tf.tidy(() => crossEntropy(logits, tf.tensor1d(t, dtype)).dataSync()[0]);
    expect(Number.isFinite(ce([2, 0], 'int32'))).toBe(true);
    expect(ce([2, 0], 'float32')).toBe(ce([2, 0], 'int32'));
    for (const t of [[2, 3], [-1, 0]]) {
      expect(ce(t, 'int32')).toBeNaN();
      expect(ce(t, 'float32')).toBeNaN();
    }
    expect(ce([2, 0.5], 'float32')).toBeNaN();
    expect(ce([2, NaN], 'float32')).toBeNaN();
    logits.dispose();
  });
});
