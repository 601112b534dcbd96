import { beforeAll, describe, expect, it } from 'vitest';
import { tf, noGrad, detach, Module, Learner, Runner, DataBunch, DataLoader, TensorDataset, crossEntropy, sgd, Linear } from '../../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('detach', () => {
  it('passes values through and stops the gradient: d/dx sum(detach(x)·x) = x, not 2x', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const d = detach(x);
    expect(vals(d)).toEqual([1, -2, 3]);
    expect(d).not.toBe(x);
    const g = tf.grad((a: tf.Tensor) => detach(a).mul(a).sum())(x);
    expect(vals(g)).toEqual([1, -2, 3]);
    const plain = tf.grad((a: tf.Tensor) => a.clone().mul(a).sum())(x);
    expect(vals(plain)).toEqual([2, -4, 6]);
    tf.dispose([x, d, g, plain]);
  });

  it('rejects what is not a tensor, naming it', () => {
    expect(() => detach(null as unknown as tf.Tensor)).toThrow('detach: expected a tensor, got null');
  });
});

describe('noGrad', () => {
  it('ops inside are constants to backprop: d/dx sum(x · noGrad(x²)) = x², not 3x²', () => {
    const x = tf.tensor1d([1, 2, -3]);
    const g = tf.grad((a: tf.Tensor) => a.mul(noGrad(() => a.square())).sum())(x);
    expect(vals(g)).toEqual([1, 4, 9]);
    const g2 = tf.grad((a: tf.Tensor) => a.mul(noGrad(() => noGrad(() => a.square()).add(1))).sum())(x);
    expect(vals(g2)).toEqual([2, 5, 10]); // nested
    tf.dispose([x, g, g2]);
  });

  it('returns fn’s value, and recording resumes after fn throws', () => {
    expect(noGrad(() => 42)).toBe(42);
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    const x = tf.tensor1d([2]);
    const g = tf.grad((a: tf.Tensor) => a.square().sum())(x);
    expect(vals(g)).toEqual([4]);
    expect(tf.engine().state.kernelDepth).toBe(0);
    tf.dispose([x, g]);
  });

  it('an async fn is rejected with a clear error and recording resumes', async () => {
    expect(() => noGrad(async () => 1)).toThrow(/noGrad: fn returned a promise/);
    expect(tf.engine().state.kernelDepth).toBe(0);
  });

  it('no gradient can be taken inside it (as under torch.no_grad)', () => {
    const x = tf.tensor1d([1]);
    expect(() => noGrad(() => tf.grad((a: tf.Tensor) => a.square().sum())(x))).toThrow(/Cannot compute gradient/);
    x.dispose();
  });

  it('the notebook’s BatchNorm: running stats updated under no_grad in a training step, gradients as for constants, no tensor kept', async () => {
    /** `x - mean(x)` per feature, with the mean both used and stored under noGrad. */
    class Center extends Module {
      readonly means: tf.Variable;
      constructor(nf: number) {
        super();
        this.means = this.registerBuffer('means', tf.zeros([nf]));
      }
      forward(x: tf.Tensor): tf.Tensor {
        return tf.tidy(() => {
          const m = noGrad(() => {
            const batchMean = x.mean(0);
            this.means.assign(this.means.mul(0.9).add(batchMean.mul(0.1)));
            return batchMean;
          });
          return x.sub(m);
        });
      }
    }
    class Net extends Module {
      readonly lin = this.registerModule('lin', new Linear(2, 2));
      readonly center = this.registerModule('center', new Center(2));
      forward(x: tf.Tensor): tf.Tensor {
        return tf.tidy(() => this.center.forward(this.lin.forward(x)));
      }
    }
    const model = new Net();
    const xs = tf.tensor2d([[1, 2], [3, -1], [0, 1], [-2, 0]]);
    const ys = tf.tensor1d([0, 1, 0, 1], 'int32');
    const [w, b] = [model.lin.weight, model.lin.bias!];
    const flat = (g: tf.NamedTensorMap): number[] => [...vals(g[w.name]), ...vals(g[b.name])];
    // the batch mean as a constant: computed before the step, so it is a leaf of the tape
    const mConst = tf.tidy(() => model.lin.forward(xs).mean(0));
    const asConst = tf.variableGrads(() => crossEntropy(model.lin.forward(xs).sub(mConst), ys), [w, b]);
    // the batch mean with its gradient (what the step would compute without noGrad)
    const through = tf.variableGrads(() => tf.tidy(() => { const z = model.lin.forward(xs); return crossEntropy(z.sub(z.mean(0)), ys); }), [w, b]);
    const got = tf.variableGrads(() => crossEntropy(model.forward(xs), ys), [w, b]);
    expect(vals(got.value)).toEqual(vals(asConst.value));
    expect(flat(got.grads)).toEqual(flat(asConst.grads));
    expect(flat(got.grads)).not.toEqual(flat(through.grads));
    tf.dispose([mConst, asConst.value, through.value, got.value, ...Object.values(asConst.grads), ...Object.values(through.grads), ...Object.values(got.grads)]);
    expect(vals(model.center.means).some((v) => v !== 0)).toBe(true);

    // in the Runner: tensors stay flat from epoch to epoch
    const ds = new TensorDataset(xs, ys);
    const data = new DataBunch(new DataLoader(ds, { bs: 2 }), new DataLoader(ds, { bs: 4 }), 2);
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.1 });
    const run = new Runner();
    await run.fit(1, learn);
    const after1 = tf.memory().numTensors;
    await run.fit(2, learn);
    expect(tf.memory().numTensors).toBe(after1);
  });
});
