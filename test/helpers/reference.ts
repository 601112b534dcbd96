/** Loads the PyTorch reference vectors (../shared/reference/pytorch-vectors.json) for numeric tests. */
import { expect } from 'vitest';
import { tf } from '../../src/backend/tf.js';

export { ref } from './reference-vectors.js';

export type RefTensor = { shape: number[]; data: number[] };

/** A reference tensor as a TF.js tensor. */
export function toTensor(t: RefTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}

/** Assert `actual` matches the reference to `tol` relative to the reference's scale (max |x|, at least 1). */
export async function expectClose(actual: tf.Tensor, expected: RefTensor, tol = 1e-4): Promise<void> {
  expect(actual.shape).toEqual(expected.shape);
  const a = await actual.data();
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - expected.data[i]));
  expect(worst / scale).toBeLessThan(tol);
}
