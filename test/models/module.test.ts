import { beforeAll, describe, expect, it } from 'vitest';
import {
  tf, Module, Sequential, Conv2d, Linear, ReLU, Flatten, AdaptiveAvgPool2d, BatchNorm2d, GeneralRelu, Dropout,
  ModuleError, Learner, Runner, DataBunch, DataLoader, TensorDataset, crossEntropy, setSeed,
} from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Module', () => {
  const net = (): Sequential => new Sequential(new Sequential(new Conv2d(1, 4, 3, { bias: false }), new BatchNorm2d(4)), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(4, 2));

  it('names parameters and buffers with PyTorch keys', () => {
    const m = net();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['0.0.weight', '0.1.weight', '0.1.bias', '4.weight', '4.bias']);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['0.1.running_mean', '0.1.running_var', '0.1.num_batches_tracked']);
    expect(Object.keys(m.stateDict())).toHaveLength(8);
  });

  it('prints the tree like PyTorch', () => {
    expect(net().toString()).toBe(
      [
        'Sequential(',
        '  (0): Sequential(',
        '    (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)',
        '    (1): BatchNorm2d(4, eps=0.00001, momentum=0.1)',
        '  )',
        '  (1): ReLU()',
        '  (2): AdaptiveAvgPool2d(output_size=1)',
        '  (3): Flatten()',
        '  (4): Linear(in_features=4, out_features=2, bias=True)',
        ')',
      ].join('\n'),
    );
  });

  it('train()/eval() reach every descendant', () => {
    const m = net().eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
  });

  it('loadStateDict copies values, and rejects missing / unexpected keys and shape mismatches without writing', () => {
    const a = net();
    const b = net();
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.parameters()[0].dataSync())).toEqual(Array.from(a.parameters()[0].dataSync()));
    const before = Array.from(b.parameters()[0].dataSync());
    const sd = { ...a.stateDict() };
    const w = tf.zeros([4, 3]);
    expect(() => b.loadStateDict({ ...sd, '4.weight': w })).toThrow("loadStateDict: shape mismatch for '4.weight': model has [4, 2], state dict has [4, 3]");
    const { ['4.bias']: _, ...missing } = sd;
    expect(() => b.loadStateDict(missing)).toThrow("loadStateDict: missing key '4.bias'");
    expect(() => b.loadStateDict({ ...sd, extra: w })).toThrow("loadStateDict: unexpected key 'extra'");
    expect(Array.from(b.parameters()[0].dataSync())).toEqual(before);
  });

  it('forward hooks fire on every call until removed', () => {
    const m = new ReLU();
    const seen: number[][] = [];
    const off = m.onForward(({ output }) => seen.push(output.shape));
    m.forward(tf.zeros([2, 3]));
    off();
    m.forward(tf.zeros([2, 3]));
    expect(seen).toEqual([[2, 3]]);
  });

  it('a subclass writes forward() as in PyTorch and gets hooks and error context for free', () => {
    class Twice extends Module {
      forward(x: tf.Tensor): tf.Tensor {
        return tf.mul(x, tf.zeros([7]));
      }
    }
    expect(() => new Twice().forward(tf.zeros([2, 3]))).toThrow(/Twice\(\) failed on input \[2, 3\]: /);
  });

  it('Dropout is seeded and off in eval mode', () => {
    const d = new Dropout(0.5);
    setSeed(3);
    const a = d.forward(tf.ones([100])).dataSync();
    setSeed(3);
    const b = d.forward(tf.ones([100])).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new Set(a)).toEqual(new Set([0, 2]));
    d.eval();
    expect(Array.from(d.forward(tf.ones([3])).dataSync())).toEqual([1, 1, 1]);
  });
});

describe('a model that does not fit the data', () => {
  it('names the layer, the expected and received shape, and the layer that produced the input', async () => {
    setSeed(0);
    const x = tf.randomNormal([8, 8, 8, 1]);
    const y = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32');
    const dl = new DataLoader(new TensorDataset(x, y), { bs: 4 });
    // The conv stack ends with 16 channels flattened from 4×4 maps (256 values), not 64.
    const model = new Sequential(new Conv2d(1, 16, 3, { stride: 2, padding: 1 }), new GeneralRelu(), new Flatten(), new Linear(64, 2));
    const learn = new Learner({ model, data: new DataBunch(dl, dl, 2), lossFunc: crossEntropy });
    const err = await new Runner().fit(1, learn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleError);
    expect((err as Error).message).toBe('Linear(64 → 2) expected input [N, 64], got [4, 256] from Flatten()');
  });
});
