/**
 * Every layer, norm and architecture tfai ships runs on webgpu (Dawn) — each kernel it needs,
 * forward and backward, is there — and gives cpu's numbers: the output, the gradient of a fixed
 * random projection of it with respect to the input and to every parameter, and the buffers a
 * training step updates, within 1e-4 (relative to the tensor's largest value). Also the loss,
 * the metric, both optimizers' steps, `histc`, the TTA views and the augmentations. The `lavapipe`
 * system suite (a WebGPU adapter from Dawn: Mesa's lavapipe in CI).
 */
import { afterAll, expect, it } from 'vitest';
import {
  tf, initBackend, setSeed, Module, Sequential, Conv2d, Linear, ReLU, GeneralRelu, Flatten, Dropout, MaxPool2d,
  AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm2d, BatchNorm, LayerNorm, InstanceNorm, GroupNorm, RunningBatchNorm,
  CNN, ResNet, BasicBlock, ladder, convLayer, crossEntropy, accuracy, sgd, adam, padCrop, randomFlip, compose,
} from '../../src/index.js';
import { histc } from '../../src/hooks/activation-stats.js';
import { ttaView } from '../../src/core/predict.js';
import { gpuStatus } from '../../src/backend/index.js';
import { describeSuite } from '../helpers/suites.js';

type Host = Record<string, Float32Array>;
type Case = { name: string; make: () => Module; shape: number[]; train?: boolean };

const CASES: Case[] = [
  { name: 'Conv2d 3×3 pad 1, bias', make: () => new Conv2d(3, 5, 3, { padding: 1 }), shape: [2, 7, 7, 3] },
  { name: 'Conv2d 3×3 stride 2 pad 1, no bias', make: () => new Conv2d(3, 4, 3, { stride: 2, padding: 1, bias: false }), shape: [2, 8, 8, 3] },
  { name: 'Conv2d 1×1 stride 2', make: () => new Conv2d(4, 6, 1, { stride: 2 }), shape: [2, 6, 6, 4] },
  { name: 'Conv2d 5×5 pad 2', make: () => new Conv2d(1, 8, 5, { padding: 2 }), shape: [3, 9, 9, 1] },
  { name: 'Linear', make: () => new Linear(12, 7), shape: [5, 12] },
  { name: 'ReLU, GeneralRelu(leak, sub, maxv)', make: () => new Sequential(new ReLU(), new GeneralRelu({ leak: 0.1, sub: 0.4, maxv: 0.8 })), shape: [4, 10] },
  { name: 'MaxPool2d(2), MaxPool2d(3, stride 2, pad 1)', make: () => new Sequential(new MaxPool2d(2), new MaxPool2d(3, { stride: 2, padding: 1 })), shape: [2, 8, 8, 3] },
  { name: 'AdaptiveAvgPool2d, Flatten', make: () => new Sequential(new AdaptiveAvgPool2d(1), new Flatten()), shape: [2, 5, 5, 4] },
  { name: 'AdaptiveMaxPool2d', make: () => new AdaptiveMaxPool2d(1), shape: [2, 5, 5, 4] },
  { name: 'Dropout (seeded mask)', make: () => new Dropout(0.3), shape: [4, 16], train: true },
  { name: 'BatchNorm2d, training (batch statistics, running buffers)', make: () => new BatchNorm2d(4), shape: [3, 5, 5, 4], train: true },
  { name: 'BatchNorm2d, eval', make: () => new BatchNorm2d(4), shape: [3, 5, 5, 4] },
  { name: 'BatchNorm (the course\'s, from scratch), training', make: () => new BatchNorm(4), shape: [3, 5, 5, 4], train: true },
  { name: 'LayerNorm', make: () => new LayerNorm(), shape: [3, 5, 5, 4], train: true },
  { name: 'InstanceNorm', make: () => new InstanceNorm(4), shape: [3, 5, 5, 4], train: true },
  { name: 'GroupNorm(2 groups)', make: () => new GroupNorm(2, 4), shape: [3, 5, 5, 4], train: true },
  { name: 'RunningBatchNorm, training', make: () => new RunningBatchNorm(4), shape: [3, 5, 5, 4], train: true },
  { name: 'conv_layer (conv, BatchNorm2d, GeneralRelu)', make: () => convLayer(3, 6, 3, 2, { leak: 0.1, sub: 0.4, maxv: 6 }), shape: [2, 8, 8, 3], train: true },
  { name: 'the lab\'s CNN with BN (16×16 input)', make: () => new CNN({ bn: true, size: 16 }), shape: [2, 16, 16, 3], train: true },
  { name: 'ResNet with BasicBlock [1, 1, 1, 1] (narrow)', make: () => new ResNet(BasicBlock, [1, 1, 1, 1], { widths: [4, 8, 8, 8] }), shape: [2, 16, 16, 3], train: true },
  { name: 'ladder ResNet (old fastai)', make: () => new ladder.ResNet([4, 8, 8], 10), shape: [2, 16, 16, 3], train: true },
];

/** On the active backend: output, gradients (input and parameters) and buffers, as host arrays. */
async function measure(c: Case, weights?: Host): Promise<Host> {
  setSeed(7);
  const m = c.make();
  if (weights) {
    const sd = m.stateDict();
    const ts = Object.fromEntries(Object.keys(sd).map((k) => [k, tf.tensor(weights[`w:${k}`], sd[k].shape, sd[k].dtype)]));
    m.loadStateDict(ts);
    tf.dispose(Object.values(ts));
  }
  m.train(c.train ?? false);
  const host: Host = {};
  if (!weights) for (const [k, v] of Object.entries(m.stateDict())) host[`w:${k}`] = Float32Array.from(await v.data());
  const x = tf.variable(tf.randomNormal(c.shape, 0.3, 1, 'float32', 3));
  const named = new Map<string, string>([[x.name, 'x'], ...m.namedParameters().map(([k, v]) => [v.name, k] as [string, string])]);
  const params = [x, ...m.parameters()];
  setSeed(11); // the dropout mask
  const out = tf.tidy(() => m.forward(x));
  const proj = tf.randomNormal(out.shape, 0, 1, 'float32', 5);
  out.dispose();
  setSeed(11);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.forward(x), proj)) as tf.Scalar, params);
  host.value = Float32Array.from(await value.data());
  for (const [k, g] of Object.entries(grads)) host[`d:${named.get(k)}`] = Float32Array.from(await g.data());
  for (const [k, v] of Object.entries(m.stateDict())) host[`s:${k}`] = Float32Array.from(await v.data());
  tf.dispose([value, proj, x, ...Object.values(grads)]);
  (m as Module).dispose();
  return host;
}

/** Largest |a - b| over the largest |b| (or 1 when that is below 1). */
function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

describeSuite('lavapipe', 'webgpu: every layer against cpu (forward, backward, buffers)', () => {
  afterAll(async () => {
    await initBackend('wasm', { log: () => {} });
  });

  it('has an adapter', async () => {
    if ((await initBackend('webgpu', { log: () => {} })) !== 'webgpu') expect.fail(`no WebGPU backend: ${gpuStatus()}`);
  });

  it.each(CASES)('$name', async (c) => {
    await initBackend('cpu', { log: () => {} });
    const ref = await measure(c);
    await initBackend('webgpu', { log: () => {} });
    const got = await measure(c, ref);
    const keys = Object.keys(ref).filter((k) => !k.startsWith('w:'));
    expect(Object.keys(got).sort()).toEqual(keys.sort());
    const errs = keys.map((k) => [k, relErr(got[k], ref[k])] as const);
    const worst = errs.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`webgpu vs cpu, ${c.name}: worst ${worst[0]} ${worst[1].toExponential(1)}`);
    const bad = errs.filter(([, e]) => !(e <= 1e-4));
    expect(bad.map(([k, e]) => `${k}: ${e.toExponential(2)} (${Array.from(ref[k].slice(0, 4), (v) => v.toPrecision(5)).join(' ')} vs ${Array.from(got[k].slice(0, 4), (v) => v.toPrecision(5)).join(' ')})`)).toEqual([]);
  });

  it('crossEntropy, accuracy, histc, the TTA views and the augmentations', async () => {
    const run = async (): Promise<Host> => {
      const keep: tf.Tensor[] = [];
      const t = <T extends tf.Tensor>(x: T): T => (keep.push(x), x);
      const logits = t(tf.randomNormal([16, 10], 0, 2, 'float32', 1));
      const y = t(tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i * 7) % 10), 'int32'));
      const img = t(tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 2));
      setSeed(4);
      const parts: Record<string, tf.Tensor> = {
        ce: t(crossEntropy(logits, y)),
        dce: t(tf.grad((l: tf.Tensor) => crossEntropy(l, y))(logits)),
        acc: t(accuracy(logits, y)),
        hist: t(histc(t(tf.mul(img, 3)), 12, -4, 4)),
        aug: t(compose(randomFlip(), padCrop({ pad: 2 }))(img)),
        ...Object.fromEntries([1, 2, 5].map((k) => [`view${k}`, t(ttaView(img, k, 2))])),
      };
      const out: Host = {};
      for (const [k, v] of Object.entries(parts)) out[k] = Float32Array.from(await v.data());
      tf.dispose(keep);
      return out;
    };
    await initBackend('cpu', { log: () => {} });
    const ref = await run();
    await initBackend('webgpu', { log: () => {} });
    const got = await run();
    const bad = Object.keys(ref).map((k) => [k, relErr(got[k], ref[k])] as const).filter(([, e]) => !(e <= 1e-5));
    expect(bad).toEqual([]);
  });

  it('SGD (momentum, weight decay) and Adam steps', async () => {
    const steps = async (optFunc: typeof sgd | typeof adam, opts: object): Promise<Float32Array> => {
      const w = tf.variable(tf.randomNormal([6, 4], 0, 1, 'float32', 8));
      const opt = (optFunc as (o: object) => ReturnType<typeof sgd>)(opts)([[w]], 0.05);
      for (let i = 0; i < 3; i++) {
        const g = tf.tidy(() => tf.mul(tf.sin(tf.mul(w, i + 1)), 2));
        opt.step({ [w.name]: g });
        g.dispose();
      }
      const v = Float32Array.from(await w.data());
      opt.dispose();
      w.dispose();
      return v;
    };
    for (const [f, o] of [[sgd, { mom: 0.9, wd: 0.01 }], [adam, { wd: 0.01 }]] as const) {
      await initBackend('cpu', { log: () => {} });
      const ref = await steps(f, o);
      await initBackend('webgpu', { log: () => {} });
      expect(relErr(await steps(f, o), ref)).toBeLessThanOrEqual(1e-5);
    }
  });
});
