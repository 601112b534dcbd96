/** Tiny synthetic problems for fast loop tests on the cpu backend. */
import { tf, TensorDataset, DataLoader, DataBunch, Sequential, Linear, ReLU, Learner, crossEntropy, sgd, setSeed } from '../../src/index.js';
import type { OptFunc } from '../../src/index.js';

/** A linearly separable 3-class problem: 48 train / 16 valid points in 4-D, bs 12 → 4 + 2 batches. */
export function tinyData(opts: { n?: number; bs?: number; c?: number } = {}): DataBunch {
  const n = opts.n ?? 64;
  const c = opts.c ?? 3;
  const bs = opts.bs ?? 12;
  setSeed(0);
  const { x, y } = tf.tidy(() => {
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % c), 'int32');
    const centers = tf.randomNormal([c, 4], 0, 3, 'float32', 1);
    const x = tf.add(tf.gather(centers, y), tf.randomNormal([n, 4], 0, 0.5, 'float32', 2));
    return { x, y };
  });
  const nt = Math.floor(n * 0.75);
  const [xt, xv] = tf.split(x, [nt, n - nt]);
  const [yt, yv] = tf.split(y, [nt, n - nt]);
  x.dispose();
  y.dispose();
  return new DataBunch(new DataLoader(new TensorDataset(xt, yt), { bs, shuffle: true, seed: 1 }), new DataLoader(new TensorDataset(xv, yv), { bs }), c);
}

/** An MLP learner on `tinyData`. */
export function tinyLearner(data = tinyData(), opts: { lr?: number; optFunc?: OptFunc; out?: number } = {}): Learner {
  setSeed(1);
  const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, opts.out ?? data.c));
  return new Learner({ model, data, lossFunc: crossEntropy, optFunc: opts.optFunc ?? sgd(), lr: opts.lr ?? 0.1 });
}
