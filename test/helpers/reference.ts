/** Loads the PyTorch reference vectors (../shared/reference/pytorch-vectors.json) for numeric tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { expect } from 'vitest';
import { tf } from '../../src/backend/tf.js';

export type RefTensor = { shape: number[]; data: number[] };

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [resolve(here, '../../../shared/reference/pytorch-vectors.json'), resolve(here, '../fixtures/pytorch-vectors.json')];

/** The parsed reference file (a copy lives in test/fixtures so a clean clone has it too). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ref: any = JSON.parse(readFileSync(candidates.find((p) => { try { readFileSync(p); return true; } catch { return false; } })!, 'utf8'));

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
