import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { BatchNorm2d } from '../../src/models/norms/batch-norm-2d.js';
import { Conv2d } from '../../src/models/layers/conv2d.js';
import { GeneralRelu } from '../../src/models/layers/activations.js';
import { expectClose, ref, toTensor } from '../helpers/reference.js';
import { useBackend } from '../helpers/backend.js';

const backends = ['cpu', 'wasm'] as const;

describe.each(backends)('layers match PyTorch on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('BatchNorm2d: train output, gradients, running stats, eval output', async () => {
    const c = ref.cases.BatchNorm2d;
    const bn = new BatchNorm2d(6);
    bn.weight.assign(tf.linspace(0.5, 1.5, 6));
    bn.bias.assign(tf.linspace(-0.2, 0.3, 6));
    const x = toTensor(ref.x);
    const dy = toTensor(ref.dy);
    const out = bn.forward(x);
    await expectClose(out, c.train_out);
    // Reset the stats the forward above moved, then take the gradient step (which moves them once).
    bn.runningMean.assign(tf.zeros([6]));
    bn.runningVar.assign(tf.ones([6]));
    bn.numBatchesTracked.assign(tf.scalar(0, 'int32'));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), dy)) as tf.Scalar, [bn.weight, bn.bias]);
    await expectClose(grads[bn.weight.name], c.param_grads.weight);
    await expectClose(grads[bn.bias.name], c.param_grads.bias);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(bn.eval().train().forward(xx), dy)))(x);
    await expectClose(dx, c.dx);
    bn.runningMean.assign(tf.zeros([6]));
    bn.runningVar.assign(tf.ones([6]));
    bn.forward(x);
    await expectClose(bn.runningMean, c.buffers_after_one_train_step.running_mean);
    await expectClose(bn.runningVar, c.buffers_after_one_train_step.running_var);
    bn.eval();
    await expectClose(bn.forward(x), c.eval_out_after_step);
  });

  for (const name of ['Conv2d_k3_s2', 'Conv2d_k3_s1', 'Conv2d_k5_s2', 'Conv2d_k1_s2']) {
    it(`${name}: output and gradients`, async () => {
      const c = ref.cases[name];
      const [ks, , ni, nf] = c.weight.shape as number[];
      const stride = Number(name.split('_s')[1]);
      const conv = new Conv2d(ni, nf, ks, { stride, padding: Math.floor(ks / 2) });
      conv.weight.assign(toTensor(c.weight));
      conv.bias!.assign(toTensor(c.bias));
      const x = toTensor(ref.x);
      await expectClose(conv.forward(x), c.out);
      const dy = toTensor(c.dy);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(conv.forward(x), dy)) as tf.Scalar, [conv.weight, conv.bias!]);
      await expectClose(grads[conv.weight.name], c.dweight);
      await expectClose(grads[conv.bias!.name], c.dbias);
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(conv.forward(xx), dy)))(x);
      await expectClose(dx, c.dx);
    });
  }

  it('GeneralRelu(leak 0.1, sub 0.4, maxv 6)', async () => {
    const c = ref.cases.GeneralRelu;
    const out = new GeneralRelu({ leak: 0.1, sub: 0.4, maxv: 6 }).forward(toTensor(c.in));
    await expectClose(out, c.out);
  });
});

describe('Conv2d input checks', () => {
  it('names the layer and both shapes', () => {
    const conv = new Conv2d(3, 8, 3);
    expect(() => conv.forward(tf.zeros([2, 5, 5, 1]))).toThrow(/Conv2d\(3, 8, kernel_size=\(3, 3\).*expected input \[N, H, W, 3\].*got \[2, 5, 5, 1\]/);
  });
});
