/** learn.freeze / unfreeze / freezeTo: frozen groups keep their weights and optimizer state; norm layers train. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  tf, setSeed, Sequential, Linear, ReLU, Lambda, Flatten, BatchNorm2d, Learner, Runner, DataLoader, DataBunch, TensorDataset,
  crossEntropy, adam, Callback,
} from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function data(): DataBunch {
  setSeed(3);
  const x = tf.randomNormal([48, 4], 0, 1, 'float32', 7);
  const y = tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 3), 'int32');
  return new DataBunch(new DataLoader(new TensorDataset(x, y), { bs: 16, shuffle: true, seed: 1 }), new DataLoader(new TensorDataset(x.clone(), y.clone()), { bs: 48 }), 3);
}

/** body: Linear → BatchNorm2d (as [N,1,1,8]) → ReLU; head: Linear. Groups [body, head]. */
function learner(opts: { trainBN?: boolean } = {}): { learn: Learner; body: Sequential; head: Linear; bn: BatchNorm2d } {
  setSeed(11);
  const bn = new BatchNorm2d(8);
  const body = new Sequential(new Linear(4, 8), new Lambda((x) => tf.reshape(x, [-1, 1, 1, 8])), bn, new Flatten(), new ReLU());
  const head = new Linear(8, 3);
  const model = new Sequential(body, head);
  const learn = new Learner({ model, data: data(), lossFunc: crossEntropy, optFunc: adam(), lr: 0.01, splitter: () => [body.parameters(), head.parameters()], ...opts });
  return { learn, body, head, bn };
}

const read = (vs: tf.Variable[]): Promise<Float32Array[]> => Promise.all(vs.map(async (v) => (await v.data()) as Float32Array));
const same = (a: Float32Array[], b: Float32Array[]): boolean => a.every((x, i) => x.every((v, j) => v === b[i][j]));

describe('freeze / unfreeze', () => {
  it('freeze trains the head and the norm layers only; the body keeps its weights and its optimizer state', async () => {
    const { learn, body, head, bn } = learner();
    const linear0 = body.parameters()[0]; // the body's first weight
    const run = new Runner({ handleInterrupts: false });
    await run.fit(1, learn); // every parameter has Adam state now
    const key = '0.0'; // group 0, parameter 0
    const state0 = learn.opt.stateDict();
    const steps0 = state0.paramSteps[key];
    const avg0 = (await state0.state[`${key}.exp_avg`].data()).slice();
    expect(steps0).toBe(3);

    learn.freeze();
    expect(learn.opt.frozenIdx).toBe(1);
    expect(learn.trainableVars).toEqual([bn.weight, bn.bias, ...head.parameters()]);
    const bodyNotBN = body.parameters().filter((p) => p !== bn.weight && p !== bn.bias);
    const [b0, bn0, h0] = [await read(bodyNotBN), await read([bn.weight, bn.bias]), await read(head.parameters())];
    const n0 = tf.memory().numTensors;
    await run.fit(2, learn);
    expect(tf.memory().numTensors).toBe(n0);
    expect(same(await read(bodyNotBN), b0)).toBe(true);
    expect(same(await read([bn.weight, bn.bias]), bn0)).toBe(false);
    expect(same(await read(head.parameters()), h0)).toBe(false);
    const state1 = learn.opt.stateDict();
    expect(state1.paramSteps[key]).toBe(steps0);
    expect(Array.from(await state1.state[`${key}.exp_avg`].data())).toEqual(Array.from(avg0));
    expect(state1.paramSteps['1.0']).toBe(3 + 6); // the head trained 6 more batches

    // unfreeze: the body's next Adam update continues from the kept moments: m = β1·m + (1-β1)·g
    learn.unfreeze();
    expect(learn.trainableVars).toHaveLength(learn.opt.paramGroups.flatMap((g) => g.params).length);
    let g: Float32Array | null = null;
    class Grad extends Callback {
      override async afterBackward(): Promise<void> {
        g = (await this.run.grads[linear0.name].data()) as Float32Array;
      }
      override afterStep(): void {
        throw new (class extends Error {})('stop');
      }
    }
    await expect(new Runner({ cbs: [new Grad()], handleInterrupts: false }).fit(1, learn)).rejects.toThrow('stop');
    const state2 = learn.opt.stateDict();
    expect(state2.paramSteps[key]).toBe(steps0 + 1);
    const avg2 = await state2.state[`${key}.exp_avg`].data();
    avg2.forEach((v, i) => expect(v).toBeCloseTo(0.9 * avg0[i] + 0.1 * g![i], 6));
  });

  it('trainBN: false freezes norm layers too; freezeTo counts from the end with a negative n', () => {
    const { learn, head } = learner({ trainBN: false });
    learn.freeze();
    expect(learn.trainableVars).toEqual(head.parameters());
    learn.freezeTo(-2);
    expect(learn.opt.frozenIdx).toBe(0);
    expect(() => learn.freezeTo(2)).toThrow(/every parameter would be frozen/);
    const withBN = learner().learn;
    withBN.freezeTo(2); // both groups frozen: the norm layers still train
    expect(withBN.trainableVars).toHaveLength(2);
  });

  it('errors name the problem', () => {
    const { learn } = learner({ trainBN: false });
    expect(() => learn.freezeTo(3)).toThrow(/freezeTo: n must be an integer in \[-2, 2\] \(the optimizer has 2 parameter groups\), got 3/);
    const one = new Learner({ model: new Sequential(new Linear(4, 3)), data: data(), lossFunc: crossEntropy });
    expect(() => one.freeze()).toThrow(/Learner.freeze: the optimizer has 1 parameter group; give the Learner a splitter/);
    expect(learn.opt.frozenIdx).toBe(0); // a failed freezeTo changes nothing
    expect(() => one.freezeTo(1)).toThrow(/freezeTo\(1\): every parameter would be frozen/);
  });
});
