/**
 * The wasm pad kernel (`pad_nhwc`, used by every convolution kernel to pad its input): the same
 * values and shape as the cpu backend's `tf.pad`, on odd shapes and one-sided pads, on one thread
 * and with every call split across the kernel pool (bit for bit), and no tensor left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { padOrCrop4D } from '../../src/backend/wasm/conv-geometry.js';
import { setParallelThreshold } from '../../src/backend/wasm/pool.js';
import { useBackend } from '../helpers/backend.js';
import { rand } from '../helpers/rand.js';

type Shape4 = [number, number, number, number];
const cases: Array<{ x: Shape4; pads: [number, number, number, number] }> = [
  { x: [3, 5, 7, 3], pads: [1, 1, 1, 1] },
  { x: [2, 4, 3, 5], pads: [0, 2, 1, 0] },
  { x: [5, 1, 1, 1], pads: [2, 0, 0, 3] },
  { x: [1, 6, 6, 8], pads: [3, 1, 0, 0] },
  { x: [4, 9, 2, 7], pads: [0, 0, 2, 1] },
  { x: [2, 3, 4, 2], pads: [-1, 2, 1, -2] }, // crop on one side, pad on the other
];

describe('pad_nhwc (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => setParallelThreshold());

  for (const { x: shape, pads } of cases) {
    it(`x [${shape}], pads top/bottom/left/right [${pads}]`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = rand(n, n + pads[0], 3);
      const [t, b, l, r] = pads;
      await useBackend('cpu');
      const x0 = tf.tensor4d(values, shape);
      const ref = tf.pad(tf.slice(x0, [0, Math.max(0, -t), Math.max(0, -l), 0], [shape[0], shape[1] - Math.max(0, -t) - Math.max(0, -b), shape[2] - Math.max(0, -l) - Math.max(0, -r), shape[3]]),
        [[0, 0], [Math.max(0, t), Math.max(0, b)], [Math.max(0, l), Math.max(0, r)], [0, 0]]);
      const want = { shape: ref.shape, data: Array.from(await ref.data()) };
      tf.dispose([x0, ref]);
      await useBackend('wasm');
      const x = tf.tensor4d(values, shape);
      const before = tf.memory().numTensors;
      for (const threshold of [Infinity, 0]) {
        setParallelThreshold(threshold);
        const y = tf.tidy(() => padOrCrop4D(x, t, b, l, r)); // a crop leaves its slice to the tidy
        expect(y.shape, `threshold ${threshold}`).toEqual(want.shape);
        expect(Array.from(await y.data()), `threshold ${threshold}`).toEqual(want.data);
        y.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }
});
