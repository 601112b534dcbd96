import { describe, expect, it } from 'vitest';
import { tf, crossEntropy, labelSmoothingCrossEntropy } from '../../src/index.js';
import { useBackend } from '../helpers/backend.js';

const logitsRows = [[2.0, -1.0, 0.5, 0.0], [-0.3, 0.8, 1.7, -2.2], [0.0, 0.0, 0.0, 3.0]];
const targetIdx = [0, 2, 1];

/** PyTorch's `F.cross_entropy(x, t, label_smoothing=eps)`, in float64 on the host. */
function reference(eps: number): { loss: number; grad: number[][] } {
  const n = logitsRows.length, c = logitsRows[0].length;
  let loss = 0;
  const grad = logitsRows.map((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const q = row.map((_, j) => (j === targetIdx[i] ? 1 - eps : 0) + eps / c);
    loss -= logp.reduce((s, lp, j) => s + q[j] * lp, 0) / n;
    return logp.map((lp, j) => (Math.exp(lp) - q[j]) / n);
  });
  return { loss, grad };
}

// wasm: crossEntropy's fused kernels inside; cpu: the plain ops
describe.each(['cpu', 'wasm'] as const)('labelSmoothingCrossEntropy (%s)', (backend) => {
  it('matches the smoothed-target cross-entropy (value and gradient) for eps 0.1 and 0.3', async () => {
    await useBackend(backend);
    for (const eps of [0.1, 0.3]) {
      const { loss, grad } = reference(eps);
      const x = tf.tensor2d(logitsRows);
      const t = tf.tensor1d(targetIdx, 'int32');
      const f = labelSmoothingCrossEntropy(eps);
      const l = f(x, t);
      expect((await l.data())[0]).toBeCloseTo(loss, 5);
      const g = tf.grad((v: tf.Tensor) => f(v, t))(x);
      const gv = (await g.array()) as number[][];
      gv.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(grad[i][j], 5)));
      tf.dispose([x, t, l, g]);
    }
  });

  it('is crossEntropy at eps 0, frees its temporaries, and rejects eps outside [0, 1)', async () => {
    await useBackend(backend);
    const x = tf.tensor2d(logitsRows);
    const t = tf.tensor1d(targetIdx, 'int32');
    const a = crossEntropy(x, t), b = labelSmoothingCrossEntropy(0)(x, t);
    expect((await b.data())[0]).toBe((await a.data())[0]);
    const before = tf.memory().numTensors;
    labelSmoothingCrossEntropy(0.1)(x, t).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t, a, b]);
    expect(() => labelSmoothingCrossEntropy(1)).toThrow('labelSmoothingCrossEntropy: eps must be in [0, 1), got 1');
    expect(() => labelSmoothingCrossEntropy(-0.1)).toThrow(/eps must be in \[0, 1\)/);
  });

  it('still names both shapes when the targets do not fit', async () => {
    await useBackend(backend);
    expect(() => labelSmoothingCrossEntropy(0.1)(tf.zeros([4, 10]), tf.zeros([5], 'int32'))).toThrow('crossEntropy: targets must be [4] class indices');
  });
});
