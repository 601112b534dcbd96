import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/register-kernels.js';
import { setFilterGradBlocking, setFilterGradStrategy, type FilterGradStrategy } from '../../src/backend/wasm/conv2d-backprop-filter.js';
import { setInputGradStrategy, type InputGradStrategy } from '../../src/backend/wasm/conv2d-backprop-input.js';
import { setParallelThreshold } from '../../src/backend/wasm/pool.js';
import { setDirectConvLimits } from '../../src/backend/wasm/conv2d-forward.js';
import { initBackend, wasmThreads } from '../../src/backend/init-backend.js';

type Pad = 'same' | 'valid' | number;
type Shape4 = [number, number, number, number];

/** Deterministic values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2;
  }
  return a;
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** max |a - b| / max(max |b|, 1e-6) */
function relErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return diff / Math.max(scale, 1e-6);
}

/** Runs `f` on a backend and returns the data of its outputs as plain arrays. */
async function on(
  backend: 'cpu' | 'wasm',
  f: () => tf.Tensor | tf.Tensor[],
): Promise<{ shapes: number[][]; data: Array<Float32Array | Int32Array | Uint8Array> }> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map((t) => t.data() as Promise<Float32Array | Int32Array | Uint8Array>));
  const shapes = list.map((t) => t.shape);
  tf.dispose(list);
  return { shapes, data };
}

/** Compares `f` on cpu vs wasm (shapes exactly, values to `tol` relative). */
async function expectSameOnBoth(f: () => tf.Tensor | tf.Tensor[], tol = 1e-5): Promise<void> {
  const ref = await on('cpu', f);
  const got = await on('wasm', f);
  expect(got.shapes).toEqual(ref.shapes);
  ref.data.forEach((r, i) => {
    expect(relErr(got.data[i]!, r)).toBeLessThan(tol);
  });
}

interface ConvCase {
  x: Shape4;
  cout: number;
  k: number;
  stride: number;
  pad: Pad;
}

/** d/dx and d/dw of sum(conv2d(x, w) * dy) on the current backend, then conv2d(x, w) itself. */
function convGrads(c: ConvCase): tf.Tensor[] {
  const cin = c.x[3];
  const x = tf.tensor4d(rand(prod(c.x), 1), c.x);
  const w = tf.tensor4d(rand(c.k * c.k * cin * c.cout, 2), [c.k, c.k, cin, c.cout]);
  const yShape = tf.conv2d(x, w, c.stride, c.pad).shape;
  const dy = tf.tensor(rand(prod(yShape), 3), yShape);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad).mul(dy).sum(),
  );
  return [...g([x, w]), tf.conv2d(x, w, c.stride, c.pad)];
}

const CONV_CASES: ConvCase[] = [];
for (const stride of [1, 2]) {
  for (const k of [1, 3, 5]) {
    for (const pad of [0, 1, 2, 'same', 'valid'] as Pad[]) {
      if (typeof pad === 'number' && pad > k) continue;
      CONV_CASES.push({ x: [2, 7, 9, 3], cout: 4, k, stride, pad });
    }
  }
}
CONV_CASES.push(
  { x: [1, 7, 9, 3], cout: 4, k: 3, stride: 2, pad: 1 }, // batch 1, H/W not divisible by 2
  { x: [3, 8, 6, 2], cout: 5, k: 3, stride: 2, pad: 'same' }, // batch 3
  { x: [3, 11, 10, 3], cout: 4, k: 5, stride: 3, pad: 'same' }, // stride 3, asymmetric 'same' pad
  { x: [2, 10, 9, 2], cout: 3, k: 2, stride: 3, pad: 'valid' }, // unread trailing rows (negative pads)
  { x: [1, 12, 12, 2], cout: 3, k: 4, stride: 2, pad: 'same' }, // even kernel
  { x: [2, 6, 5, 3], cout: 4, k: 3, stride: 2, pad: 3 }, // pad larger than the kernel reach
  { x: [2, 6, 7, 3], cout: 2, k: 1, stride: 3, pad: 0 }, // phases that receive no gradient
  { x: [2, 7, 9, 3], cout: 8, k: 3, stride: 2, pad: 1 }, // 8 output channels (two SIMD vectors)
  { x: [2, 7, 9, 5], cout: 12, k: 3, stride: 1, pad: 'same' }, // 12 = 4-wide blocks only
  { x: [4, 28, 28, 1], cout: 8, k: 5, stride: 2, pad: 2 }, // the MNIST layers
  { x: [4, 14, 14, 8], cout: 16, k: 3, stride: 2, pad: 1 },
  { x: [4, 7, 7, 16], cout: 32, k: 3, stride: 2, pad: 1 },
  { x: [4, 4, 4, 32], cout: 64, k: 3, stride: 2, pad: 1 },
  { x: [4, 2, 2, 64], cout: 64, k: 3, stride: 2, pad: 1 },
);

describe('wasm training kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels(); // before the wasm backend initialises
    // threads from TFAI_THREADS (default: all cores), so the suite runs threaded and not
    await initBackend('wasm', { log: () => {} });
    registerWasmTrainingKernels(); // and again after: idempotent
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('tfjs-backend-wasm kernels are replaced', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).toBe(before);
  });

  describe('conv2d gradients match the cpu backend (every formulation)', () => {
    const strategies: Array<[FilterGradStrategy, InputGradStrategy]> = [
      ['auto', 'auto'],
      ['outer', 'col2im'],
      ['conv', 'subpixel'],
      ['outer', 'direct'],
    ];
    afterAll(() => {
      setFilterGradStrategy('auto');
      setInputGradStrategy('auto');
    });
    for (const c of CONV_CASES) {
      const name = `x=[${c.x.join(',')}] cout=${c.cout} k=${c.k} stride=${c.stride} pad=${c.pad}`;
      it(name, async () => {
        const ref = await on('cpu', () => convGrads(c));
        for (const [fs, is] of strategies) {
          setFilterGradStrategy(fs);
          setInputGradStrategy(is);
          const got = await on('wasm', () => convGrads(c));
          expect(got.shapes).toEqual(ref.shapes);
          expect(relErr(got.data[0]!, ref.data[0]!), `dx via ${is}`).toBeLessThan(1e-4);
          expect(relErr(got.data[1]!, ref.data[1]!), `dw via ${fs}`).toBeLessThan(1e-4);
        }
      });
    }
  });

  describe('SIMD conv-gradient kernels on odd shapes, split into units across the pool', () => {
    // channel counts that are multiples of 4 or 8 (the kernels' blocks), odd spatial sizes, output
    // widths not a multiple of 4, strides 1-3, phases without taps, even kernels, big pads
    const cases: ConvCase[] = [
      { x: [3, 9, 11, 8], cout: 12, k: 3, stride: 1, pad: 1 },
      { x: [2, 10, 7, 4], cout: 8, k: 3, stride: 2, pad: 'same' },
      { x: [2, 11, 13, 12], cout: 16, k: 5, stride: 3, pad: 2 },
      { x: [1, 6, 5, 16], cout: 4, k: 1, stride: 2, pad: 0 },
      { x: [2, 9, 9, 8], cout: 8, k: 2, stride: 2, pad: 'valid' },
      { x: [2, 5, 7, 8], cout: 8, k: 3, stride: 1, pad: 'valid' },
      { x: [2, 8, 8, 12], cout: 24, k: 3, stride: 2, pad: 1 },
      { x: [5, 3, 3, 4], cout: 4, k: 3, stride: 1, pad: 2 },
      { x: [2, 7, 9, 3], cout: 8, k: 3, stride: 2, pad: 1 },
      { x: [2, 12, 10, 8], cout: 16, k: 3, stride: 2, pad: 1 },
    ];
    beforeAll(() => {
      setDirectConvLimits({ minChannels: 0, minOutWidth: 0, minWork: 0 }); // the direct forward kernel on every case
    });
    afterAll(() => {
      setDirectConvLimits();
      setFilterGradStrategy('auto');
      setInputGradStrategy('auto');
      setParallelThreshold();
      setFilterGradBlocking();
    });
    it('the suite runs with the thread count asked for (TFAI_THREADS or all cores)', () => {
      const env = Number(process.env.TFAI_THREADS ?? NaN);
      const report = wasmThreads();
      expect(report).not.toBeNull();
      if (Number.isInteger(env)) expect(report!.requested).toBe(Math.min(env, 8));
      expect(report!.threads).toBeGreaterThanOrEqual(1);
    });
    for (const c of cases) {
      const name = `x=[${c.x.join(',')}] cout=${c.cout} k=${c.k} stride=${c.stride} pad=${c.pad}`;
      it(name, async () => {
        const ref = await on('cpu', () => convGrads(c));
        setFilterGradStrategy('outer');
        setInputGradStrategy('direct');
        const results: Array<Array<Float32Array | Int32Array | Uint8Array>> = [];
        // one thread / every call split; big cache blocks / tiny ones (many accumulating calls);
        // the filter gradient's rows cut into parts (these filters have few units) or not
        for (const [threshold, block, minUnits] of [[Infinity, 256, 16], [0, 256, 16], [0, 4, 16], [Infinity, 4, 16], [0, 4, 1], [Infinity, 4, 1]] as const) {
          setParallelThreshold(threshold);
          setFilterGradBlocking({ pixelsPerBlock: block, bytesPerCall: block === 4 ? 1 : 2 << 20, minUnits });
          const got = await on('wasm', () => convGrads(c));
          expect(got.shapes).toEqual(ref.shapes);
          expect(relErr(got.data[0]!, ref.data[0]!), `dx, threshold ${threshold}`).toBeLessThan(1e-5);
          expect(relErr(got.data[1]!, ref.data[1]!), `dw, threshold ${threshold}, block ${block}, minUnits ${minUnits}`).toBeLessThan(1e-5);
          expect(relErr(got.data[2]!, ref.data[2]!), `y, threshold ${threshold}`).toBeLessThan(1e-5);
          results.push(got.data);
        }
        // splitting across threads changes nothing, bit for bit
        expect(Array.from(results[1]![0]!)).toEqual(Array.from(results[0]![0]!));
        expect(Array.from(results[1]![1]!)).toEqual(Array.from(results[0]![1]!));
        expect(Array.from(results[2]![1]!)).toEqual(Array.from(results[3]![1]!));
        expect(Array.from(results[4]![1]!)).toEqual(Array.from(results[5]![1]!));
        expect(Array.from(results[1]![2]!)).toEqual(Array.from(results[0]![2]!));
      });
    }
  });

  it('kernels called directly honour explicit padding and dimRoundingMode', async () => {
    const explicit: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ];
    const run = (): tf.Tensor[] => {
      const x = tf.tensor4d(rand(2 * 7 * 8 * 3, 4), [2, 7, 8, 3]);
      const w = tf.tensor4d(rand(3 * 3 * 3 * 4, 5), [3, 3, 3, 4]);
      const out: tf.Tensor[] = [];
      for (const [pad, mode] of [
        [explicit, undefined],
        [1, 'ceil'],
        [1, 'round'],
      ] as Array<[tf.backend_util.ExplicitPadding | number, 'ceil' | 'round' | undefined]>) {
        const y = tf.conv2d(x, w, 2, pad, 'NHWC', 1, mode);
        const dy = tf.tensor(rand(y.size, 6), y.shape);
        const attrs = { strides: 2, pad, dataFormat: 'NHWC', dimRoundingMode: mode } as unknown as tf.NamedAttrMap;
        out.push(
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
        );
      }
      return out;
    };
    await expectSameOnBoth(run, 1e-4);
  });

  it('rejects NCHW and dilations other than 1 with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    const w = tf.zeros([3, 3, 2, 3]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
    ).toThrow(/NCHW/);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2, inputShape: [1, 4, 4, 2] }),
    ).toThrow(/dilations/);
    tf.dispose([x, dy, w]);
  });

  it('does not leak tensors across repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(2 * 9 * 9 * 3, 7), [2, 9, 9, 3]);
    const w1 = tf.variable(tf.tensor4d(rand(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]));
    const w2 = tf.variable(tf.tensor4d(rand(3 * 3 * 4 * 5, 9), [3, 3, 4, 5]));
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const h = tf.leakyRelu(tf.conv2d(x, w1 as tf.Tensor4D, 2, 1), 0.1);
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        const n = h.sub(mean).div(variance.add(1e-5).sqrt());
        return tf.conv2d(n as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same').square().mean() as tf.Scalar;
      });
    const step = (): void => {
      const { value, grads } = tf.variableGrads(loss, [w1, w2]);
      const g = tf.grads((a: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'valid').sum())([x]);
      tf.dispose([value, ...Object.values(grads), ...g]);
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, w1, w2]);
  });

  describe('fast element-wise / reduction / copy kernels match the cpu backend', () => {
    const t = (shape: number[], seed: number): tf.Tensor => tf.tensor(rand(prod(shape), seed), shape);
    const shapePairs: Array<[number[], number[]]> = [
      [[2, 3, 5, 8], [2, 3, 5, 8]], // same shape
      [[3, 7], [3, 7]], // same shape, not a multiple of 4
      [[2, 3, 5, 8], []], // scalar
      [[2, 3, 5, 8], [8]], // trailing block (channels)
      [[2, 3, 5, 8], [1, 1, 1, 8]],
      [[2, 3, 5, 6], [5, 6]], // trailing block, odd size
      [[2, 3, 5, 7], [7]],
      [[8], [2, 3, 5, 8]], // broadcast operand first
      [[1, 1, 1, 6], [4, 2, 3, 6]],
      [[2, 3, 1], [1, 1, 4]], // general broadcast -> original kernel
      [[4, 1], [4, 5]],
      // big enough to run in row blocks (the last one short): same shape, trailing block, first, scalar
      [[40003], [40003]],
      [[300, 257], [257]],
      [[257], [300, 257]],
      [[70001], []],
    ];
    const binaryOps: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
      ['add', tf.add],
      ['sub', tf.sub],
      ['mul', tf.mul],
      ['div', tf.div],
      ['maximum', tf.maximum],
      ['minimum', tf.minimum],
      ['squaredDifference', tf.squaredDifference],
      ['greater', tf.greater],
      ['greaterEqual', tf.greaterEqual],
      ['less', tf.less],
      ['lessEqual', tf.lessEqual],
      ['equal', tf.equal],
      ['notEqual', tf.notEqual],
    ];
    for (const [name, op] of binaryOps) {
      it(`${name}, also with every big call split across the kernel pool`, async () => {
        for (const threshold of [1e6, 0]) {
          setParallelThreshold(threshold);
          await expectSameOnBoth(() =>
            shapePairs.map(([sa, sb], i) => {
              // quantised values so comparisons see ties
              const a = t(sa, 10 + i).mul(4).round().div(2);
              const b = t(sb, 20 + i).mul(4).round().div(2).add(name === 'div' ? 3 : 0);
              return op(a, b);
            }),
          );
        }
        setParallelThreshold();
      });
    }

    it('comparisons and max/min handle NaN like the cpu backend', async () => {
      await expectSameOnBoth(() => {
        const a = tf.tensor1d([NaN, 1, -2, 0, NaN, 3, -0, 5, 1]);
        const b = tf.tensor1d([1, NaN, -2, -0, NaN, 2, 0, 7, 1]);
        return [tf.greater(a, b), tf.lessEqual(a, b), tf.equal(a, b), tf.notEqual(a, b), tf.maximum(a, b), tf.minimum(a, b)];
      });
    });

    it('select (where)', async () => {
      await expectSameOnBoth(() =>
        [[2, 3, 5, 8], [7], [3, 3, 3]].map((s, i) => {
          const cond = tf.greater(t(s, 30 + i), 0);
          return tf.where(cond, t(s, 40 + i), t(s, 50 + i));
        }),
      );
    });

    it('leakyRelu', async () => {
      await expectSameOnBoth(() =>
        [[2, 3, 5, 8], [7], [1, 1, 1, 1]].flatMap((s, i) => [tf.leakyRelu(t(s, 60 + i), 0.1), tf.leakyRelu(t(s, 70 + i), 0.3)]),
      );
    });

    it('relu: the cpu backend\'s bits (NaN stays NaN, −0 and −∞ give +0), split across the kernel pool or not', async () => {
      const n = 40003; // three blocks of the kernel, the last one ending in a scalar tail
      const special = [NaN, -0, 0, Infinity, -Infinity, 1e-30, -1e-30];
      const relus = (): tf.Tensor[] => {
        const vals = Array.from(rand(n, 80));
        vals.splice(n - special.length, special.length, ...special);
        vals.splice(16380, special.length, ...special); // across the first block's end
        return [tf.relu(tf.tensor1d(vals)), tf.relu(tf.tensor3d(special.concat(special), [2, 7, 1])), tf.relu(tf.tensor1d([-3, 2, 5]))];
      };
      const want = await on('cpu', relus);
      for (const threshold of [Infinity, 0]) {
        setParallelThreshold(threshold);
        const got = await on('wasm', relus);
        expect(got.shapes).toEqual(want.shapes);
        got.data.forEach((g, i) => {
          const w = want.data[i]!;
          const differing = Array.from(g).findIndex((v, j) => !Object.is(v, w[j]));
          const show = (v: number | undefined): string => (Object.is(v, -0) ? '-0' : String(v));
          expect(differing, `tensor ${i}, threshold ${threshold}: element ${differing} is ${show(g[differing])}, cpu ${show(w[differing])}`).toBe(-1);
        });
      }
      setParallelThreshold();
    });

    it('sum and mean over contiguous and non-contiguous axes', async () => {
      const cases: Array<[number[], number | number[] | undefined, boolean]> = [
        [[4, 5, 6, 8], [0, 1, 2], false],
        [[4, 5, 6, 8], [0, 1, 2], true],
        [[4, 5, 6, 8], [1, 2], false],
        [[4, 5, 6, 7], [1, 2], true],
        [[4, 5, 6, 7], -1, false],
        [[4, 5, 6, 7], [3], true],
        [[4, 5, 6, 7], undefined, false],
        [[3, 333], 1, false],
        [[333, 12], 0, false],
        [[4, 5, 6, 7], [0, 2], false], // non-contiguous -> original kernel
        [[64, 1, 1, 64], [1, 2], false],
      ];
      await expectSameOnBoth(() =>
        cases.flatMap(([s, axis, keep], i) => {
          const x = t(s, 80 + i);
          return [tf.sum(x, axis, keep), tf.mean(x, axis, keep)];
        }),
      );
      // a large reduction stays accurate (float64 accumulation)
      await expectSameOnBoth(() => {
        const x = tf.tensor(rand(512 * 14 * 14 * 8, 99), [512, 14, 14, 8]).add(3);
        return [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2]), tf.moments(x, [0, 1, 2]).variance];
      }, 1e-5);
    });

    it('pad and slice', async () => {
      await expectSameOnBoth(() => {
        const x = t([2, 5, 6, 3], 90);
        const i = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
        return [
          tf.pad(x, [
            [0, 0],
            [1, 2],
            [2, 1],
            [0, 0],
          ]),
          tf.pad(x, [
            [1, 0],
            [0, 0],
            [0, 0],
            [2, 3],
          ], 1.5),
          tf.pad(x, [
            [0, 0],
            [1, 1],
            [0, 2],
            [0, 0],
          ], 2), // an image pad with a value: not the zero-pad kernel
          tf.pad(t([7], 91), [[3, 2]]),
          tf.pad(i, [
            [1, 1],
            [0, 2],
          ], 9),
          tf.slice(x, [0, 1, 1, 0], [2, 3, 4, 3]),
          tf.slice(x, [1, 0, 0, 1], [1, 5, 6, 2]),
          tf.slice(x, [0, 2, 0, 0], [2, 2, 6, 3]),
          tf.slice(t([10], 92), [3], [4]),
          tf.slice(i, [1, 1], [1, 2]),
        ];
      });
    });

    it('max pool gradient (first maximum of each window, overlapping windows, padding, ties)', async () => {
      const cases: Array<[number[], number, number, 'valid' | 'same' | number]> = [
        [[2, 8, 8, 3], 2, 2, 'valid'], // the lab's 2x2 pool
        [[2, 7, 9, 5], 3, 1, 'same'], // overlapping windows: gradients add up
        [[1, 6, 7, 4], 3, 2, 'same'], // odd sizes, asymmetric padding
        [[3, 5, 5, 16], 2, 2, 'valid'], // a trailing row and column no window reads
        [[1, 4, 4, 2], 2, 1, 1], // explicit padding
      ];
      await expectSameOnBoth(() =>
        cases.map(([shape, k, s, pad], i) => {
          // quantised values, so windows hold ties (the first maximum must get the gradient)
          const x = t(shape, 100 + i).mul(3).round();
          const yShape = tf.maxPool(x as tf.Tensor4D, k, s, pad).shape;
          const dy = t(yShape, 200 + i);
          return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, pad).mul(dy).sum())(x);
        }),
      );
    });

    it('gather', async () => {
      await expectSameOnBoth(() => {
        const x = t([5, 4, 6], 94);
        const i1 = tf.tensor1d([4, 0, 2, 2, 1], 'int32');
        const i2 = tf.tensor2d([3, 1, 0, 5], [2, 2], 'int32');
        const xi = tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
        const bi = tf.tensor2d([0, 3, 2, 1, 1, 1, 0, 0, 3, 2], [5, 2], 'int32');
        return [tf.gather(x, i1), tf.gather(x, i2, 2), tf.gather(x, tf.tensor1d([3, 0], 'int32'), 1), tf.gather(xi, tf.tensor1d([2, 0], 'int32')), tf.gather(x, bi, 1, 1)];
      });
      await tf.setBackend('wasm');
      expect(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], 'int32'))).toThrow(/index value 3/);
    });

    it('identity and cast (zero-copy; numeric -> bool is x != 0, fixing the wasm truncation)', async () => {
      await expectSameOnBoth(() => {
        const x = t([3, 4], 93);
        const xi = tf.tensor([0, 3, -1, 0, 2147483647, -2147483648], [6], 'int32');
        return [tf.clone(x), tf.cast(x, 'float32'), tf.cast(x, 'int32'), tf.cast(x, 'bool'), tf.cast(x.mul(0), 'bool'), tf.cast(xi, 'bool')];
      });
      await tf.setBackend('wasm');
      const x = tf.tensor([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose();
      expect(Array.from(await y.data())).toEqual([1, 2, 3]);
      y.dispose();
    });
  });
});
