/**
 * tfai's `Conv2DBackpropInput` accepts what tfjs-backend-wasm's accepts and gives its result: a
 * `conv2dTranspose` whose input (the kernel's dy) is larger than the conv output its attributes
 * imply (input 8×8, output 4×4, stride 1, 'same') reads dy's top-left window, as the stock kernel
 * and TF.js's cpu backend do — found by TF.js's own op tests (test/conformance).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/register-kernels.js';
import { setInputGradStrategy, type InputGradStrategy } from '../../src/backend/wasm/conv2d-backprop-input.js';
import { useBackend } from '../helpers/backend.js';

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.13 + i * 0.37));

async function transposeOn(backend: 'cpu' | 'wasm', x: number[], w: number[]): Promise<Float32Array> {
  if (backend === 'cpu') await tf.setBackend('cpu');
  else await useBackend('wasm');
  return tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(x, [1, 8, 8, 8]), tf.tensor4d(w, [8, 8, 8, 8]), [1, 4, 4, 8], 1, 'same')).data() as Promise<Float32Array>;
}

describe('Conv2DBackpropInput with a dy larger than the conv output (conv2dTranspose 8×8 → 4×4, same)', () => {
  beforeAll(() => registerWasmTrainingKernels());

  for (const strategy of ['auto', 'direct', 'subpixel', 'col2im'] as InputGradStrategy[]) {
    it(`gives the stock result (${strategy})`, async () => {
      const x = values(8 * 8 * 8, 1);
      const w = values(8 * 8 * 8 * 8, 2);
      const want = await transposeOn('cpu', x, w);
      setInputGradStrategy(strategy);
      try {
        const got = await transposeOn('wasm', x, w);
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 3));
      } finally {
        setInputGradStrategy('auto');
      }
    });
  }

  it('a dy smaller than the conv output is still refused, naming both shapes', async () => {
    await useBackend('wasm');
    const dy = tf.zeros([1, 3, 4, 8]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 8, 8]) as tf.Tensor4D;
    expect(() => tf.conv2dTranspose(dy, w, [1, 4, 4, 8], 1, 'same')).toThrow(/dy shape \[1,3,4,8\] does not match the conv output \[1,4,4,8\]/);
    tf.dispose([dy, w]);
  });
});
