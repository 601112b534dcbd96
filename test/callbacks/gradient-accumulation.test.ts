/** GradientAccumulation: n micro-batches then one step equals one step on the large batch. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  tf, setSeed, Sequential, Linear, ReLU, Lambda, Flatten, BatchNorm2d, Learner, Runner, DataLoader, DataBunch, TensorDataset,
  crossEntropy, sgd, GradientAccumulation, GradientClipping, Callback, type Module, type OptFunc,
} from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `n` points of a 3-class problem in 4-D (fixed by the seed), as train loader of batch size `bs`. */
function data(n: number, bs: number, shuffle: boolean): DataBunch {
  setSeed(3);
  const x = tf.randomNormal([n, 4], 0, 1, 'float32', 7);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % 3), 'int32');
  const train = new DataLoader(new TensorDataset(x, y), { bs, shuffle, seed: 5 });
  const valid = new DataLoader(new TensorDataset(x.clone(), y.clone()), { bs: n });
  return new DataBunch(train, valid, 3);
}

function mlp(): Module {
  setSeed(11);
  return new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
}

function bnNet(): Module {
  setSeed(11);
  return new Sequential(new Linear(4, 8), new Lambda((x) => tf.reshape(x, [-1, 1, 1, 8])), new BatchNorm2d(8), new Flatten(), new ReLU(), new Linear(8, 3));
}

/** Train and return the weights after `epochs` epochs, and the optimizer's step count. */
async function train(model: Module, d: DataBunch, epochs: number, optFunc: OptFunc, cbs: Callback[] = []): Promise<{ weights: Float32Array[]; steps: number }> {
  const learn = new Learner({ model, data: d, lossFunc: crossEntropy, optFunc, lr: 0.1 });
  await new Runner({ cbs, handleInterrupts: false }).fit(epochs, learn);
  const weights = await Promise.all(model.parameters().map(async (p) => (await p.data()) as Float32Array));
  return { weights, steps: learn.opt.stepCount };
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

describe('GradientAccumulation', () => {
  it('bs 16 × 4 accumulated equals bs 64 (SGD with momentum and weight decay, 3 steps, shuffled micro-batches) to 1e-5', async () => {
    const opt = sgd({ mom: 0.9, wd: 0.01 });
    const big = await train(mlp(), data(64, 64, false), 3, opt);
    const acc = await train(mlp(), data(64, 16, true), 3, opt, [new GradientAccumulation({ steps: 4 })]);
    expect(big.steps).toBe(3);
    expect(acc.steps).toBe(3);
    expect(maxDiff(big.weights, acc.weights)).toBeLessThan(1e-5);
    // and the weights did move (the comparison is not between two untrained models)
    const init = await Promise.all(mlp().parameters().map(async (p) => (await p.data()) as Float32Array));
    expect(maxDiff(init, acc.weights)).toBeGreaterThan(1e-2);
  });

  it('a ragged last micro-batch is weighted by its size: 16+16+16+16+6 with steps 5 equals bs 70', async () => {
    const big = await train(mlp(), data(70, 70, false), 2, sgd({ mom: 0.9 }));
    const acc = await train(mlp(), data(70, 16, false), 2, sgd({ mom: 0.9 }), [new GradientAccumulation({ steps: 5 })]);
    expect(acc.steps).toBe(2);
    expect(maxDiff(big.weights, acc.weights)).toBeLessThan(1e-5);
  });

  it('steps at every `steps` batches and at the end of each epoch; tensors stay flat; clipping sees the accumulated gradient', async () => {
    const d = data(80, 16, true); // 5 batches per epoch, steps 2 → steps after batches 2, 4, 5
    const learn = new Learner({ model: mlp(), data: d, lossFunc: crossEntropy, lr: 0.1 });
    const seen: number[] = [];
    class Norms extends Callback {
      override order = 12;
      override async afterBackward(): Promise<void> {
        const g = Object.values(this.run.grads);
        const n = tf.tidy(() => tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t))))));
        seen.push((await n.data())[0]);
        n.dispose();
      }
    }
    const run = new Runner({ cbs: [new GradientAccumulation({ steps: 2 }), new GradientClipping({ maxNorm: 0.05 }), new Norms()], handleInterrupts: false });
    await run.fit(1, learn);
    const n0 = tf.memory().numTensors;
    await run.fit(2, learn);
    expect(tf.memory().numTensors).toBe(n0);
    expect(learn.opt.stepCount).toBe(3 * 3);
    expect(seen).toHaveLength(9); // later afterBackward handlers run only on steps
    for (const n of seen) expect(n).toBeLessThanOrEqual(0.05 + 1e-6);
  });

  it('with BatchNorm, accumulation is close to but not equal to the large batch (per-micro-batch statistics)', async () => {
    const big = await train(bnNet(), data(64, 64, false), 1, sgd());
    const acc = await train(bnNet(), data(64, 16, false), 1, sgd(), [new GradientAccumulation({ steps: 4 })]);
    const d = maxDiff(big.weights, acc.weights);
    expect(d).toBeGreaterThan(1e-4);
    expect(d).toBeLessThan(0.1);
  });

  it('rejects a bad step count', () => {
    expect(() => new GradientAccumulation({ steps: 0 })).toThrow(/GradientAccumulation: steps must be an integer >= 1, got 0/);
  });
});
