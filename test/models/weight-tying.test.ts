/**
 * A module used twice in a model (weight tying) is one set of parameters, as in PyTorch: listed once
 * by `parameters()`, updated once per step, frozen once, yet present under each of its names in the
 * state dict (PyTorch's `state_dict()` keeps both keys).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf, Sequential, Linear, ReLU, BatchNorm, Learner, Runner, CheckpointCallback, SGD, sgd, adam, crossEntropy, setSeed } from '../../src/index.js';
import { decodeSafetensors } from '../../src/io/index.js';
import { tinyData } from '../helpers/tiny.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('tfai-tied-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tied(): { lin: Linear; model: Sequential } {
  setSeed(3);
  const lin = new Linear(4, 4);
  return { lin, model: new Sequential(lin, new ReLU(), lin, new Linear(4, 3)) };
}

describe('weight tying (one module used twice)', () => {
  it('lists the shared parameters once, under their first name, as PyTorch', () => {
    const { lin, model } = tied();
    expect(model.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    expect(model.parameters()).toHaveLength(4);
    expect(model.parameters().filter((p) => p === lin.weight)).toHaveLength(1);
    expect(model.namedModules().map(([k]) => k)).toEqual(['', '0', '1', '3']);
    expect(model.modules()).toHaveLength(4);
  });

  it('keeps every name in the state dict (as PyTorch state_dict) and loads into the one module', () => {
    const { lin, model } = tied();
    const keys = Object.keys(model.stateDict());
    expect(keys).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '3.weight', '3.bias']);
    expect(model.stateDict()['2.weight']).toBe(lin.weight);
    const sd = tf.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, tf.onesLike(v)])));
    model.loadStateDict(sd);
    expect(Array.from(lin.weight.dataSync())).toEqual(new Array(16).fill(1));
    tf.dispose(Object.values(sd));
  });

  it('a training step moves a tied weight once, by lr·(sum of its gradients), with SGD and Adam', () => {
    for (const optFunc of [sgd(), adam()]) {
      const { lin, model } = tied();
      const learn = new Learner({ model, data: tinyData(), lossFunc: crossEntropy, optFunc, lr: 0.1 });
      expect(learn.opt.paramGroups[0].params).toHaveLength(4);
      const x = tf.randomNormal([5, 4], 0, 1, 'float32', 7);
      const y = tf.tensor1d([0, 1, 2, 0, 1], 'int32');
      const before = lin.weight.clone();
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y) as tf.Scalar, learn.trainableVars);
      const g = grads[lin.weight.name];
      // SGD: w - lr·g; Adam's first step: w - lr·g/(|g| + eps) ≈ w - lr·sign(g)
      const expected = learn.opt instanceof SGD ? tf.sub(before, tf.mul(0.1, g)) : tf.sub(before, tf.mul(0.1, tf.div(g, tf.add(tf.abs(g), 1e-8))));
      learn.opt.step(grads);
      const diff = tf.max(tf.abs(tf.sub(lin.weight, expected))).dataSync()[0];
      expect(diff, learn.opt.constructor.name).toBeLessThan(1e-6);
      tf.dispose([x, y, before, value, expected, ...Object.values(grads)]);
      learn.opt.dispose();
    }
  });

  it('an optimizer given a parameter twice in one group updates it once; in two groups is refused naming it', () => {
    const { lin, model } = tied();
    const learn = new Learner({ model, data: tinyData(), lossFunc: crossEntropy, splitter: () => [[lin.weight, lin.bias!, lin.weight], model.parameters().slice(2)] });
    expect(learn.opt.paramGroups[0].params).toEqual([lin.weight, lin.bias]);
    expect(() => new Learner({ model, data: tinyData(), lossFunc: crossEntropy, splitter: () => [[lin.weight, lin.bias!], model.parameters()] })).toThrow(
      /parameter .* appears in parameter groups 0 and 1/,
    );
  });

  it('freezing keeps a tied norm layer training once', () => {
    setSeed(4);
    const bn = new BatchNorm(4);
    const body = new Sequential(new Linear(4, 4), bn, new ReLU(), new Linear(4, 4), bn);
    const head = new Linear(4, 3);
    const model = new Sequential(body, head);
    const learn = new Learner({ model, data: tinyData(), lossFunc: crossEntropy, splitter: () => [body.parameters(), head.parameters()] });
    expect(body.parameters()).toHaveLength(6);
    learn.freeze();
    expect(learn.trainableVars).toEqual([bn.mults, bn.adds, head.weight, head.bias]);
  });

  it('saves both keys in PyTorch layout and loads the file back into a fresh tied model', async () => {
    const dir = tempDir();
    const { model } = tied();
    const learn = new Learner({ model, data: tinyData(), lossFunc: crossEntropy });
    const file = path.join(dir, 'tied.safetensors');
    await learn.save(file);
    const f = decodeSafetensors(await fs.readFile(file), file);
    expect([...f.tensors.keys()].sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '3.bias', '3.weight']);
    expect(Array.from(f.tensors.get('2.weight')!.data)).toEqual(Array.from(f.tensors.get('0.weight')!.data));
    const copy = tied();
    tf.tidy(() => copy.lin.weight.assign(tf.zerosLike(copy.lin.weight)));
    await new Learner({ model: copy.model, data: tinyData(), lossFunc: crossEntropy }).load(file);
    expect(Array.from(copy.lin.weight.dataSync())).toEqual(Array.from((model.layers[0] as Linear).weight.dataSync()));
  });

  it('a tied model checkpoints and resumes exactly (2 epochs = 1 + resumed 1)', async () => {
    const dir = tempDir();
    const run = async (epochs: number, opts: { resume?: string } = {}): Promise<number[]> => {
      const { lin, model } = tied();
      const learn = new Learner({ model, data: tinyData(), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.05 });
      await new Runner({ cbs: [new CheckpointCallback({ dir, log: () => {} })], log: () => {}, handleInterrupts: false }).fit(epochs, learn, opts);
      return Array.from(await lin.weight.data());
    };
    const straight = await run(2);
    await fs.rm(dir, { recursive: true, force: true });
    await run(1);
    const resumed = await run(2, { resume: dir });
    resumed.forEach((v, i) => expect(v).toBeCloseTo(straight[i]!, 6));
  });
});
