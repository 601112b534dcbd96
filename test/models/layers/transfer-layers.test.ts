/**
 * The layers torchvision's and fastai's models need: grouped and depthwise `Conv2d` (whose wasm
 * gradient tfai writes itself, checked against TF.js's own kernels on cpu), `ReLU6` with PyTorch's
 * gradient, `BatchNorm1d`, `AdaptiveConcatPool2d`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf, Conv2d, ReLU6, BatchNorm1d, BatchNorm2d, AdaptiveConcatPool2d, setSeed } from '../../../src/index.js';
import { useBackend } from '../../helpers/backend.js';

type Grads = { out: Float32Array; dx: Float32Array; dw: Float32Array; db: Float32Array };

/** Output and gradients of a conv (weights from a fixed seed) on `backend`, for `sum(out · dy)`. */
async function convGrads(backend: 'cpu' | 'wasm', ni: number, nf: number, opts: { stride: number; groups: number; ks?: number; hw?: number }): Promise<Grads> {
  await useBackend(backend);
  setSeed(5);
  const ks = opts.ks ?? 3;
  const hw = opts.hw ?? 9;
  const conv = new Conv2d(ni, nf, ks, { stride: opts.stride, padding: (ks - 1) / 2, groups: opts.groups });
  const x = tf.variable(tf.randomNormal([2, hw, hw, ni], 0, 1, 'float32', 11));
  const ho = Math.floor((hw + ks - 1 - ks) / opts.stride) + 1;
  const dy = tf.randomNormal([2, ho, ho, nf], 0, 1, 'float32', 12);
  const out = conv.forward(x);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(conv.forward(x), dy)) as tf.Scalar, [x, conv.weight, conv.bias!]);
  const r = {
    out: (await out.data()) as Float32Array,
    dx: (await grads[x.name].data()) as Float32Array,
    dw: (await grads[conv.weight.name].data()) as Float32Array,
    db: (await grads[conv.bias!.name].data()) as Float32Array,
  };
  tf.dispose([out, x, dy, ...Object.values(grads)]);
  conv.dispose();
  return r;
}

function close(a: Float32Array, b: Float32Array, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(worst / scale).toBeLessThan(tol);
}

describe('grouped and depthwise Conv2d', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each([
    ['depthwise, stride 1', 8, 8, 1, 8],
    ['depthwise, stride 2', 8, 8, 2, 8],
    ['depthwise with channel multiplier 3, stride 2', 4, 12, 2, 4],
    ['depthwise 5×5 on an even size, stride 2', 6, 6, 2, 6, 5, 10],
    ['2 groups', 8, 6, 1, 2],
  ] as const)('%s: wasm (tfai\'s own depthwise gradient) equals cpu (TF.js\'s kernels)', async (_, ni, nf, stride, groups, ks?: number, hw?: number) => {
    const want = await convGrads('cpu', ni, nf, { stride, groups, ks, hw });
    const got = await convGrads('wasm', ni, nf, { stride, groups, ks, hw });
    close(got.out, want.out);
    close(got.dx, want.dx);
    close(got.dw, want.dw);
    close(got.db, want.db);
  });

  it('a depthwise conv is the per-channel conv PyTorch computes: output channel c·m + j is filter j of channel c', async () => {
    await useBackend('cpu');
    // 2 channels, multiplier 2, 1×1 kernels: output = [x0·w0, x0·w1, x1·w2, x1·w3]
    const conv = new Conv2d(2, 4, 1, { groups: 2, bias: false });
    conv.weight.assign(tf.tensor4d([2, 3, 5, 7], [1, 1, 1, 4]));
    const y = conv.forward(tf.tensor4d([10, 100], [1, 1, 1, 2]));
    expect(Array.from(await y.data())).toEqual([20, 30, 500, 700]);
    expect(conv.weight.shape).toEqual([1, 1, 1, 4]);
    expect(conv.toString()).toContain('groups=2');
  });

  it('rejects groups that do not divide the channels, naming both', () => {
    expect(() => new Conv2d(6, 4, 3, { groups: 3 })).toThrow(/groups \(3\) must divide both ni \(6\) and nf \(4\)/);
  });
});

describe('ReLU6, BatchNorm1d, AdaptiveConcatPool2d', () => {
  it('ReLU6 clamps to [0, 6] and passes the gradient only strictly inside, as PyTorch (hardtanh)', async () => {
    await useBackend('cpu');
    const x = tf.tensor1d([-1, 0, 3, 6, 7]);
    const r = new ReLU6();
    expect(Array.from(await r.forward(x).data())).toEqual([0, 0, 3, 6, 6]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(r.forward(t)))(x);
    expect(Array.from(await g.data())).toEqual([0, 0, 1, 0, 0]);
  });

  it('BatchNorm1d is BatchNorm2d on [N, C] features, with the same keys and PyTorch semantics', async () => {
    await useBackend('cpu');
    const bn1 = new BatchNorm1d(3);
    const bn2 = new BatchNorm2d(3);
    expect(Object.keys(bn1.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    const x = tf.tensor2d([1, 2, 3, 4, 6, 9, -1, 0, 2, 5, 5, 5], [4, 3]);
    const a = await bn1.forward(x).data();
    const b = await bn2.forward(tf.reshape(x, [4, 1, 1, 3])).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(await bn1.runningVar.data())).toEqual(Array.from(await bn2.runningVar.data()));
    expect(() => bn1.forward(tf.zeros([4, 2]))).toThrow(/BatchNorm1d\(3.*expected input \[N, 3\], got \[4, 2\]/);
    expect(() => bn1.forward(tf.zeros([1, 3]))).toThrow(/more than 1 value per channel/);
  });

  it('AdaptiveConcatPool2d puts the max before the mean, as fastai', async () => {
    await useBackend('cpu');
    const x = tf.tensor4d([1, 5, 3, 7], [1, 2, 2, 1]);
    const y = new AdaptiveConcatPool2d().forward(x);
    expect(y.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(await y.data())).toEqual([7, 4]);
  });
});
