/**
 * `loadStateDict` with the module's own tensors in the dict — what PyTorch users do to copy weights
 * or update part of a model: `m.loadStateDict(m.stateDict())` changes nothing, `{ ...sd, weight: w }`
 * writes only `weight`, swapping two of the module's tensors swaps their values. On every layer and
 * norm type (parameters and every kind of buffer), on the cpu and wasm backends, with the tensor
 * count flat. (Before the fix these overflowed the stack in `Variable.assign`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  tf, Module, Sequential, Conv2d, Linear, BatchNorm2d, BatchNorm, LayerNorm, InstanceNorm, GroupNorm, RunningBatchNorm,
  ReLU, Flatten, CNN, ResNet, BasicBlock, ladder, setSeed,
} from '../../src/index.js';
import { useBackend } from '../helpers/backend.js';

type Case = { name: string; make: () => Module; input: number[] };

const CASES: Case[] = [
  { name: 'Conv2d', make: () => new Conv2d(3, 4, 3), input: [2, 5, 5, 3] },
  { name: 'Conv2d without bias', make: () => new Conv2d(3, 4, 3, { bias: false }), input: [2, 5, 5, 3] },
  { name: 'Linear', make: () => new Linear(6, 3), input: [4, 6] },
  { name: 'BatchNorm2d (int32 num_batches_tracked)', make: () => new BatchNorm2d(3), input: [4, 2, 2, 3] },
  { name: 'BatchNorm (course)', make: () => new BatchNorm(3), input: [4, 2, 2, 3] },
  { name: 'LayerNorm (scalar parameters)', make: () => new LayerNorm(), input: [4, 2, 2, 3] },
  { name: 'InstanceNorm', make: () => new InstanceNorm(3), input: [4, 2, 2, 3] },
  { name: 'GroupNorm', make: () => new GroupNorm(1, 3), input: [4, 2, 2, 3] },
  { name: 'RunningBatchNorm (scalar buffers)', make: () => new RunningBatchNorm(3), input: [4, 2, 2, 3] },
  { name: 'ladder.BnLayer', make: () => new ladder.BnLayer(3, 4), input: [4, 6, 6, 3] },
  { name: 'Sequential of conv, BN, ReLU, linear', make: () => new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 2)), input: [2, 4, 4, 3] },
  { name: 'CNN with BN', make: () => new CNN({ bn: true, size: 8 }), input: [2, 8, 8, 3] },
  { name: 'ResNet', make: () => new ResNet(BasicBlock, [1, 1], { widths: [4, 8], cIn: 3, numClasses: 2 }), input: [2, 8, 8, 3] },
];

/** The state dict's values, read from the device. */
const values = (m: Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync())]));

/** Move every buffer away from its initial value (a training step), so a copy bug would show. */
function trainStep(c: Case, m: Module): void {
  m.train();
  tf.tidy(() => {
    m.forward(tf.randomNormal(c.input, 0, 1, 'float32', 3));
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`loadStateDict with the module's own tensors (${backend})`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      setSeed(1);
    });
    afterAll(async () => {
      await useBackend('cpu');
    });

    for (const c of CASES) {
      it(`${c.name}: m.loadStateDict(m.stateDict()) changes nothing, and the model still runs`, () => {
        const m = c.make();
        trainStep(c, m);
        const before = values(m);
        const n = tf.memory().numTensors;
        m.loadStateDict(m.stateDict());
        m.loadStateDict({ ...m.stateDict() }, { strict: false });
        expect(values(m)).toEqual(before);
        expect(tf.memory().numTensors).toBe(n);
        trainStep(c, m); // the variables are still live and writable
        m.dispose();
      });

      it(`${c.name}: a dict mixing the module's tensors with new ones writes only the new ones`, () => {
        const m = c.make();
        trainStep(c, m);
        const before = values(m);
        const sd = m.stateDict();
        const key = Object.keys(sd).find((k) => sd[k].dtype === 'float32')!;
        const w = tf.fill(sd[key].shape, 0.25);
        const n = tf.memory().numTensors;
        m.loadStateDict({ ...sd, [key]: w });
        expect(tf.memory().numTensors).toBe(n);
        w.dispose(); // the caller's tensor: the module keeps its own copy
        const after = values(m);
        expect(after[key].every((v) => v === 0.25)).toBe(true);
        for (const k of Object.keys(before)) if (k !== key) expect(after[k]).toEqual(before[k]);
        trainStep(c, m);
        m.dispose();
      });
    }

    it('swapping two of the module\'s tensors swaps their values (sources are read before any write)', () => {
      const bn = new BatchNorm2d(3);
      trainStep({ name: 'bn', make: () => bn, input: [4, 2, 2, 3] }, bn);
      const before = values(bn);
      const sd = bn.stateDict();
      bn.loadStateDict({ ...sd, running_mean: sd.running_var, running_var: sd.running_mean, weight: sd.bias, bias: sd.weight });
      const after = values(bn);
      expect(after.running_mean).toEqual(before.running_var);
      expect(after.running_var).toEqual(before.running_mean);
      expect(after.weight).toEqual(before.bias);
      expect(after.bias).toEqual(before.weight);
      bn.dispose();
    });

    it('a clone of the module\'s own tensor, and another dtype (cast), are written and leak nothing', () => {
      const bn = new BatchNorm2d(2);
      const sd = bn.stateDict();
      const copy = tf.clone(sd.running_var); // shares data with the variable on the cpu backend
      const count = tf.scalar(7, 'float32'); // num_batches_tracked is int32
      const n = tf.memory().numTensors;
      bn.loadStateDict({ ...sd, running_var: copy, num_batches_tracked: count });
      expect(tf.memory().numTensors).toBe(n);
      tf.dispose([copy, count]);
      expect(Array.from(bn.stateDict().running_var.dataSync())).toEqual([1, 1]);
      expect(bn.stateDict().num_batches_tracked.dtype).toBe('int32');
      expect(bn.stateDict().num_batches_tracked.dataSync()[0]).toBe(7);
      bn.dispose();
    });

    it('refuses a disposed tensor or a value that is not a tensor, naming the key, before writing anything', () => {
      const lin = new Linear(2, 2);
      const before = values(lin);
      const gone = tf.zeros([2]);
      gone.dispose();
      expect(() => lin.loadStateDict({ weight: tf.zeros([2, 2]), bias: gone })).toThrow("loadStateDict: 'bias' has been disposed");
      expect(() => lin.loadStateDict({ weight: tf.zeros([2, 2]), bias: [0, 0] as unknown as tf.Tensor })).toThrow("loadStateDict: 'bias' is not a tensor (got a Array)");
      expect(values(lin)).toEqual(before);
    });
  });
}
