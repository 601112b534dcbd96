/**
 * A callback that breaks the rules of the batch's tensors — disposes `run.xb`, `run.pred` or
 * `run.loss` (the runner owns them), or replaces `run.loss` where the gradient tape cannot see it
 * (after an `await` in `afterLoss`, or with a tensor that does not depend on the parameters) — is
 * named with the rule it broke, instead of TF.js internals ("reading 'backend'", "Cannot find a
 * connection between any variable and the result of the loss function").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Runner, Callback, Learner, type CallbackRunner } from '../../src/index.js';
import type { EventName } from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A callback that runs `fn` in `event` (in `phase`). */
function rogue(name: string, event: EventName, fn: (run: CallbackRunner) => void | Promise<void>, phase: 'train' | 'valid' | 'both' = 'both'): Callback {
  const cb = new (class extends Callback {
    override get name(): string {
      return name;
    }
  })();
  (cb as unknown as Record<string, () => unknown>)[event] = function (this: Callback) {
    if (phase === 'both' || (phase === 'train') === this.run.inTrain) return fn(this.run);
  };
  return cb;
}

async function fitFails(cb: Callback, msg: RegExp): Promise<void> {
  const learn = tinyLearner();
  await new Runner({ handleInterrupts: false, log: () => {} }).fit(1, learn); // the optimizer's state exists from here on
  const before = tf.memory().numTensors;
  await expect(new Runner({ cbs: [cb], handleInterrupts: false, log: () => {} }).fit(1, learn)).rejects.toThrow(msg);
  expect(tf.memory().numTensors).toBe(before); // the batch's tensors were freed
}

describe('a callback that disposes a tensor the runner owns is named', () => {
  it('run.pred in afterPred (training)', async () => {
    await fitFails(rogue('DisposePred', 'afterPred', (r) => r.pred.dispose(), 'train'), /DisposePred\.afterPred disposed run\.pred: the runner owns the batch's tensors .* never dispose them/);
  });

  it('run.pred in afterPred (validation)', async () => {
    await fitFails(rogue('DisposePred', 'afterPred', (r) => r.pred.dispose(), 'valid'), /DisposePred\.afterPred disposed run\.pred/);
  });

  it('run.loss in afterLoss', async () => {
    await fitFails(rogue('DisposeLoss', 'afterLoss', (r) => r.loss.dispose(), 'train'), /DisposeLoss\.afterLoss disposed run\.loss/);
  });

  it('run.xb in beginBatch', async () => {
    await fitFails(rogue('DisposeX', 'beginBatch', (r) => r.xb.dispose()), /DisposeX\.beginBatch disposed run\.xb/);
  });

  it('run.pred in an async afterPred, after an await', async () => {
    await fitFails(
      rogue('LateDispose', 'afterPred', async (r) => {
        await Promise.resolve();
        r.pred.dispose();
      }, 'valid'),
      /LateDispose\.afterPred disposed run\.pred/,
    );
  });
});

describe('a callback that replaces run.loss where the tape cannot see it is named', () => {
  it('after an await in afterLoss (after the backward pass)', async () => {
    await fitFails(
      rogue('LateLoss', 'afterLoss', async (r) => {
        await Promise.resolve();
        r.loss = tf.scalar(0);
      }, 'train'),
      /LateLoss\.afterLoss replaced run\.loss after the backward pass .* synchronously/,
    );
  });

  it('with a tensor that does not depend on the parameters', async () => {
    await fitFails(rogue('ConstLoss', 'afterLoss', (r) => void (r.loss = tf.scalar(1)), 'train'), /ConstLoss\.afterLoss replaced run\.loss with a tensor that does not depend on the model's trainable parameters/);
  });

  it('a replacement computed from run.pred inside afterLoss is fine', async () => {
    const scaled = rogue('Scale', 'afterLoss', (r) => void (r.loss = tf.mul(r.loss, 0.5) as tf.Scalar), 'train');
    await new Runner({ cbs: [scaled], handleInterrupts: false, log: () => {} }).fit(1, tinyLearner());
  });
});

describe('a loss function that ignores the model', () => {
  it('is named, not "Cannot find a connection between any variable"', async () => {
    const learn = tinyLearner();
    const constant = new Learner({ model: learn.model, data: tinyData(), lossFunc: () => tf.scalar(2) });
    await expect(new Runner({ handleInterrupts: false, log: () => {} }).fit(1, constant)).rejects.toThrow(
      /the loss function's value does not depend on the model's trainable parameters/,
    );
  });
});
