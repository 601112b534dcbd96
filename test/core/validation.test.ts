/**
 * Opt-in input checks: `new Runner({ checkInputs: true })` refuses a batch holding NaN or ±Inf,
 * naming the phase, batch, epoch and which of x / y; without the option nothing is read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, TensorDataset, DataLoader, DataBunch, BatchTransformXCallback } from '../../src/index.js';
import { convLearner } from '../fixtures/tiny-conv.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 24 train items whose item `bad` holds `value` in x; 12 clean valid items; bs 6, in order. */
function dataWith(bad: number, value: number, where: 'train' | 'valid' = 'train'): DataBunch {
  const mk = (n: number, poison: boolean): TensorDataset => {
    const x = tf.buffer([n, 4, 4, 1]);
    for (let i = 0; i < n; i++) for (let j = 0; j < 16; j++) x.values[i * 16 + j] = Math.sin(i + j);
    if (poison) x.values[bad * 16 + 5] = value;
    return new TensorDataset(x.toTensor(), tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32'));
  };
  return new DataBunch(new DataLoader(mk(24, where === 'train'), { bs: 6 }), new DataLoader(mk(12, where === 'valid'), { bs: 6 }), 3);
}

describe('checkInputs', () => {
  it('names the training batch, the epoch and x when a batch holds NaN', async () => {
    const run = new Runner({ checkInputs: true, log: () => {} });
    await expect(run.fit(1, convLearner({ data: dataWith(14, NaN) }))).rejects.toThrow(
      'Runner (checkInputs): training batch 2 of epoch 0 (0-based): x [6, 4, 4, 1] has 1 NaN and 0 infinite values',
    );
  });

  it('catches ±Inf in validation batches too', async () => {
    const run = new Runner({ checkInputs: true, log: () => {} });
    await expect(run.fit(1, convLearner({ data: dataWith(7, -Infinity, 'valid') }))).rejects.toThrow(/validation batch 1 of epoch 0 \(0-based\): x \[6, 4, 4, 1\] has 0 NaN and 1 infinite values/);
  });

  it('checks the batch a transform produced (after beginBatch callbacks)', async () => {
    const poison = new BatchTransformXCallback((x) => tf.div(x, tf.scalar(0)));
    const run = new Runner({ checkInputs: true, cbs: [poison], log: () => {} });
    await expect(run.fit(1, convLearner())).rejects.toThrow(/training batch 0 of epoch 0 \(0-based\): x \[12, 4, 4, 1\] has \d+ NaN and \d+ infinite values/);
  });

  it('is off by default, and clean data passes with it on', async () => {
    await expect(new Runner({ checkInputs: true, log: () => {} }).fit(1, convLearner())).resolves.toBeUndefined();
    const learn = convLearner({ data: dataWith(3, NaN) });
    await expect(new Runner({ log: () => {} }).fit(1, learn)).resolves.toBeUndefined();
  });
});
