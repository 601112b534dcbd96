/**
 * The baseline: the notebooks' MNIST BatchNorm convnet and its SGD step written as a bare TF.js
 * loop, with no framework — what tfai's overhead is measured against. It uses the same ops as the
 * tfai model (including tfai's `batchNormTrain` op, so the ratio measures the framework — modules,
 * runner, callbacks, loader — not a different BatchNorm formulation); `--naive-bn` uses TF.js's
 * `moments` + `batchNorm` instead, what a plain TF.js user would write.
 */
import { tf } from '../src/index.js';
import { batchNormTrain } from '../src/models/norms/batch-norm-op.js';

const SPECS = [
  { ni: 1, nf: 8, ks: 5 },
  { ni: 8, nf: 16, ks: 3 },
  { ni: 16, nf: 32, ks: 3 },
  { ni: 32, nf: 64, ks: 3 },
  { ni: 64, nf: 64, ks: 3 },
];

/** A bare model: variables plus a forward function with the same math as tfai's model. */
export function makeBareModel(opts: { naiveBn?: boolean } = {}): { vars: tf.Variable[]; step: (x: tf.Tensor4D, y: tf.Tensor1D, lr: number) => tf.Scalar; dispose: () => void } {
  const convs = SPECS.map((s, i) => tf.variable(tf.randomNormal([s.ks, s.ks, s.ni, s.nf], 0, Math.sqrt(2 / (s.ks * s.ks * s.ni)), 'float32', i + 1)));
  const gammas = SPECS.map((s) => tf.variable(tf.ones([s.nf])));
  const betas = SPECS.map((s) => tf.variable(tf.zeros([s.nf])));
  const w = tf.variable(tf.randomNormal([64, 10], 0, 0.1, 'float32', 99));
  const b = tf.variable(tf.zeros([10]));
  const vars = [...convs, ...gammas, ...betas, w, b];

  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let h: tf.Tensor4D = x;
    SPECS.forEach((s, i) => {
      const p = Math.floor(s.ks / 2);
      h = tf.conv2d(h, convs[i] as tf.Tensor4D, 2, [[0, 0], [p, p], [p, p], [0, 0]]);
      h = tf.minimum(tf.sub(tf.leakyRelu(h, 0.1), 0.4), 6) as tf.Tensor4D;
      if (opts.naiveBn) {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.batchNorm(h, mean, variance, betas[i], gammas[i], 1e-5) as tf.Tensor4D;
      } else h = batchNormTrain(h, gammas[i] as tf.Tensor1D, betas[i] as tf.Tensor1D, 1e-5);
    });
    return tf.add(tf.matMul(tf.reshape(tf.mean(h, [1, 2]), [-1, 64]), w), b);
  };

  const step = (x: tf.Tensor4D, y: tf.Tensor1D, lr: number): tf.Scalar => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = forward(x);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, 10), tf.logSoftmax(logits)), -1))) as tf.Scalar;
    }, vars);
    tf.tidy(() => {
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
    });
    tf.dispose(grads);
    return value;
  };

  return { vars, step, dispose: () => tf.dispose(vars) };
}
