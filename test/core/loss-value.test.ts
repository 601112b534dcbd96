/**
 * A loss function that does not return a scalar tensor (a JS number, per-sample losses) fails with
 * an error saying so, in training and in validation, and leaks nothing; nor does a forward pass
 * or loss that throws (TF.js would keep the gradient tape's saved tensors).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Learner, Callback, CancelBatchError, type LossFunc } from '../../src/index.js';
import { convLearner } from '../fixtures/tiny-conv.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `convLearner` with another loss function. */
function withLoss(lossFunc: LossFunc): Learner {
  const l = convLearner();
  return new Learner({ model: l.model, data: l.data, lossFunc, optFunc: l.optFunc, lr: 0.1 });
}

/** Fit once and return the error and the number of tensors the failed fit left behind. */
async function failedFit(learn: Learner, cbs: Callback[] = []): Promise<{ message: string; leaked: number }> {
  const before = tf.memory().numTensors;
  let message = '(no error)';
  try {
    await new Runner({ cbs, log: () => {}, handleInterrupts: false }).fit(1, learn);
  } catch (e) {
    message = (e as Error).message;
  }
  return { message, leaked: tf.memory().numTensors - before };
}

describe('a loss that is not a scalar tensor', () => {
  it('a JS number: "the loss must return a scalar tensor", nothing leaked', async () => {
    const learn = withLoss((() => 0.5) as unknown as LossFunc);
    const r = await failedFit(learn);
    expect(r.message).toBe('the loss must return a scalar tensor: lossFunc returned the JS number 0.5 (compute the loss with tf ops on pred and target, so that gradients flow, and return the tensor)');
    expect(r.leaked).toBe(0);
  });

  it('a per-sample [N] tensor', async () => {
    const r = await failedFit(withLoss((p) => tf.sum(p, 1) as unknown as tf.Scalar));
    expect(r.message).toMatch(/^the loss must return a scalar tensor: lossFunc returned a \[12\] tensor \(reduce it/);
    expect(r.leaked).toBe(0);
  });

  it('a number in validation (training batches cancelled) is caught too', async () => {
    class NoTrain extends Callback {
      override beginBatch(): void {
        if (this.run.inTrain) throw new CancelBatchError();
      }
    }
    const r = await failedFit(withLoss((() => 1) as unknown as LossFunc), [new NoTrain()]);
    expect(r.message).toMatch(/^the loss must return a scalar tensor: lossFunc returned the JS number 1 /);
    expect(r.leaked).toBe(0);
  });

  it('an afterLoss callback that sets run.loss to a number', async () => {
    class Bad extends Callback {
      override afterLoss(): void {
        (this.run as unknown as { loss: number }).loss = 2;
      }
    }
    const r = await failedFit(convLearner(), [new Bad()]);
    expect(r.message).toMatch(/^run\.loss must be a scalar tensor: an afterLoss callback set it to the JS number 2 /);
    expect(r.leaked).toBe(0);
  });
});

describe('errors inside the gradient tape free the tape', () => {
  it('a loss that throws after computing on pred leaks nothing', async () => {
    const r = await failedFit(withLoss((p) => {
      tf.mul(p, 2);
      throw new Error('my loss failed');
    }));
    expect(r.message).toBe('my loss failed');
    expect(r.leaked).toBe(0);
  });

  it('a loss that does not depend on the weights leaks nothing', async () => {
    const r = await failedFit(withLoss(() => tf.scalar(1)));
    expect(r.message).toMatch(/the loss function's value does not depend on the model's trainable parameters/);
    expect(r.leaked).toBe(0);
  });
});
