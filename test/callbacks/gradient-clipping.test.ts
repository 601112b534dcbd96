/** GradientClipping against hand computations (PyTorch's clip_grad_norm_ / clip_grad_value_). */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, clipGradNorm, clipGradValue, GradientClipping, Runner, sgd, Callback } from '../../src/index.js';
import { tinyData, tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clipGradNorm / clipGradValue', () => {
  it('scales by maxNorm / (total + 1e-6) when the global norm is larger, as torch', async () => {
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) }; // global L2 norm = sqrt(9 + 16 + 144) = 13
    const { grads: out, totalNorm } = clipGradNorm(grads, 6.5);
    expect((await totalNorm.data())[0]).toBeCloseTo(13, 5);
    const coef = 6.5 / (13 + 1e-6);
    expect(Array.from(await out.a.data())).toEqual([3 * coef, 4 * coef].map((v) => expect.closeTo(v, 6)));
    expect((await out.b.data())[0]).toBeCloseTo(12 * coef, 5);
    expect(out.b.shape).toEqual([1, 1]);
    // below the limit: unchanged (coef clamped to 1)
    const same = clipGradNorm(grads, 100);
    expect(Array.from(await same.grads.a.data())).toEqual([3, 4]);
    // inf norm: largest absolute element, 12
    const inf = clipGradNorm(grads, 6, 'inf');
    expect((await inf.totalNorm.data())[0]).toBe(12);
    expect((await inf.grads.a.data())[1]).toBeCloseTo((4 * 6) / (12 + 1e-6), 6);
    // inputs are left alone
    expect(Array.from(await grads.a.data())).toEqual([3, 4]);
    tf.dispose([grads.a, grads.b, out.a, out.b, totalNorm, same.grads.a, same.grads.b, same.totalNorm, inf.grads.a, inf.grads.b, inf.totalNorm]);
  });

  it('clipGradValue clamps each element', async () => {
    const g = { a: tf.tensor1d([-3, 0.5, 2]) };
    const out = clipGradValue(g, 1);
    expect(Array.from(await out.a.data())).toEqual([-1, 0.5, 1]);
    tf.dispose([g.a, out.a]);
    expect(() => clipGradValue(g, 0)).toThrow(/clipGradValue: clipValue must be a finite number > 0, got 0/);
  });
});

describe('GradientClipping', () => {
  it('the SGD step uses the clipped gradient: Δw = -lr · g · maxNorm / ‖g‖', async () => {
    const learn = tinyLearner(tinyData({ n: 16, bs: 12 }), { lr: 0.5, optFunc: sgd() }); // one training batch of 12
    const maxNorm = 0.01;
    let raw: Float32Array[] = [];
    let norm = 0;
    class Capture extends Callback {
      override order = 7; // before the clipping (11): the raw gradient
      override async afterBackward(): Promise<void> {
        const vars = this.run.learn.trainableVars;
        raw = await Promise.all(vars.map(async (v) => (await this.run.grads[v.name].data()) as Float32Array));
        norm = Math.sqrt(raw.reduce((a, g) => a + g.reduce((s, x) => s + x * x, 0), 0));
      }
    }
    const before = await Promise.all(learn.trainableVars.map(async (v) => (await v.data()) as Float32Array));
    const run = new Runner({ cbs: [new Capture(), new GradientClipping({ maxNorm })], handleInterrupts: false });
    const n0 = tf.memory().numTensors;
    await run.fit(1, learn);
    expect(norm).toBeGreaterThan(maxNorm * 10); // clipping is active
    const after = await Promise.all(learn.trainableVars.map(async (v) => (await v.data()) as Float32Array));
    const coef = maxNorm / (norm + 1e-6);
    after.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(before[i][j] - 0.5 * raw[i][j] * coef, 6)));
    expect(tf.memory().numTensors).toBeLessThanOrEqual(n0 + 3); // the optimizer's cached lr / mom / wd scalars
  });

  it('rejects missing or bad limits', () => {
    expect(() => new GradientClipping({})).toThrow(/GradientClipping: give maxNorm \(global norm\) and\/or clipValue/);
    expect(() => new GradientClipping({ maxNorm: -1 })).toThrow(/maxNorm must be a finite number > 0, got -1/);
  });
});
