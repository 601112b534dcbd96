import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tf, setSeed, getCnnModel, convLayer, initCnn, crossEntropy, SGD, BatchNorm2d, GeneralRelu, RunningBatchNorm } from '../../src/index.js';
import { fusedKernelsReady, setFusedKernels } from '../../src/backend/fused-ops.js';
import { setParallelThreshold } from '../../src/backend/wasm/pool.js';
import { useBackend } from '../helpers/backend.js';
import { rand } from '../helpers/rand.js';

/** Runs `f` with the fused kernels on or off and returns its outputs' data. */
async function run(fused: boolean, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  setFusedKernels(fused);
  const before = tf.memory().numTensors;
  const out = f();
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
  return data;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let s = 1e-6;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

describe('fused wasm training kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => setFusedKernels(true));

  it('are active on wasm, and off on cpu', async () => {
    expect(fusedKernelsReady()).toBe(true);
    await useBackend('cpu');
    expect(fusedKernelsReady()).toBe(false);
    await useBackend('wasm');
    setFusedKernels(false);
    expect(fusedKernelsReady()).toBe(false);
  });

  describe('SGD step: bit-identical to the unfused ops', () => {
    for (const [mom, wd] of [[0.9, 5e-4], [0.9, 0], [0, 1e-2], [0, 0]] as const) {
      for (const shape of [[1], [3], [7], [5, 3], [3, 3, 2, 9]]) {
        it(`mom ${mom}, wd ${wd}, shape [${shape}]`, async () => {
          const n = shape.reduce((a, b) => a * b, 1);
          const steps = (): tf.Tensor[] => {
            const p = tf.tidy(() => tf.variable(tf.tensor(rand(n, 1), shape), true, `p${Math.random()}`));
            const opt = new SGD([[p]], 0.1, { mom, wd });
            for (let i = 0; i < 3; i++) {
              opt.setHyper('lr', 0.1 + 0.07 * i);
              const g = tf.tensor(rand(n, 10 + i), shape);
              opt.step({ [p.name]: g });
              g.dispose();
            }
            const out = [tf.clone(p), ...Object.values(opt.stateDict().state).map((t) => tf.clone(t))];
            opt.dispose();
            p.dispose();
            return out;
          };
          const fused = await run(true, steps);
          const plain = await run(false, steps);
          expect(fused.length).toBe(plain.length);
          fused.forEach((f, i) => expect(Array.from(f)).toEqual(Array.from(plain[i]!)));
        });
      }
    }
  });

  describe('BatchNorm2d training step (output, gradients, running statistics) matches the unfused ops', () => {
    // the last two are split into row blocks (13 and 11 units, the last one short)
    for (const shape of [[2, 3, 3, 5], [4, 5, 7, 8], [3, 1, 1, 3], [8, 6, 6, 16], [4, 20, 20, 8], [3, 17, 13, 12]] as const) {
      it(`input [${shape}]`, async () => {
        const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
        const c = shape[3];
        const step = (): tf.Tensor[] => {
          const bn = new BatchNorm2d(c, { momentum: 0.3 });
          tf.tidy(() => {
            bn.weight.assign(tf.tensor1d(rand(c, 3, 2)));
            bn.bias.assign(tf.tensor1d(rand(c, 4)));
          });
          const x = tf.tensor4d(rand(n, 5, 3), [...shape]);
          const dy = tf.tensor4d(rand(n, 6), [...shape]);
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), dy)) as tf.Scalar, [bn.weight, bn.bias]);
          const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(bn.forward(xi), dy)))(x);
          const out = [value, grads[bn.weight.name]!, grads[bn.bias.name]!, dx, tf.clone(bn.runningMean), tf.clone(bn.runningVar), tf.cast(bn.numBatchesTracked, 'float32')];
          tf.dispose([x, dy]);
          bn.dispose();
          return out;
        };
        const fused = await run(true, step);
        const plain = await run(false, step);
        fused.forEach((f, i) => expect(maxRelDiff(f, plain[i]!), `output ${i}`).toBeLessThan(2e-6));
      });
    }
  });

  it('BatchNorm2d split across the kernel pool gives the one-thread bits', async () => {
    const shape = [4, 20, 20, 12] as const;
    const n = shape.reduce((a, b) => a * b, 1);
    const step = (): tf.Tensor[] => {
      const bn = new BatchNorm2d(12);
      const x = tf.tensor4d(rand(n, 9, 3), [...shape]);
      const dy = tf.tensor4d(rand(n, 10), [...shape]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), dy)) as tf.Scalar, [bn.weight, bn.bias]);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(bn.forward(xi), dy)))(x);
      const out = [value, grads[bn.weight.name]!, grads[bn.bias.name]!, dx, tf.clone(bn.runningVar)];
      tf.dispose([x, dy]);
      bn.dispose();
      return out;
    };
    try {
      setParallelThreshold(Infinity);
      const one = await run(true, step);
      setParallelThreshold(0);
      const split = await run(true, step);
      split.forEach((s, i) => expect(Array.from(s), `output ${i}`).toEqual(Array.from(one[i]!)));
    } finally {
      setParallelThreshold();
    }
  });

  it('BatchNorm2d fused on wasm matches the cpu backend', async () => {
    const shape = [3, 5, 7, 6] as const;
    const n = shape.reduce((a, b) => a * b, 1);
    const step = (): tf.Tensor[] => {
      const bn = new BatchNorm2d(6);
      const x = tf.tensor4d(rand(n, 7, 4), [...shape]);
      const dy = tf.tensor4d(rand(n, 8), [...shape]);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(bn.forward(xi), dy)))(x);
      const y = bn.forward(x);
      const out = [y, dx, tf.clone(bn.runningVar)];
      tf.dispose([x, dy]);
      bn.dispose();
      return out;
    };
    const wasm = await run(true, step);
    await useBackend('cpu');
    const cpu = await run(false, step);
    await useBackend('wasm');
    wasm.forEach((w, i) => expect(maxRelDiff(w, cpu[i]!), `output ${i}`).toBeLessThan(1e-5));
  });

  describe('RunningBatchNorm training steps (outputs, gradients, every buffer) match the unfused ops', () => {
    // batch sizes 2 and 7: the variance floor (fewer than 20 samples seen) is on, then off
    for (const shape of [[2, 3, 3, 5], [7, 4, 5, 8]] as const) {
      it(`6 steps on [${shape}]`, async () => {
        const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
        const c = shape[3];
        const steps = (): tf.Tensor[] => {
          const rbn = new RunningBatchNorm(c, { mom: 0.2 });
          tf.tidy(() => rbn.mults.assign(tf.tensor1d(rand(c, 2, 2))));
          const out: tf.Tensor[] = [];
          for (let i = 0; i < 6; i++) {
            const x = tf.tensor4d(rand(n, 20 + i, 2 + i), [...shape]);
            const dy = tf.tensor4d(rand(n, 40 + i), [...shape]);
            let y: tf.Tensor | undefined;
            const { value, grads } = tf.variableGrads(() => {
              y = tf.keep(rbn.forward(x));
              return tf.sum(tf.mul(y, dy)) as tf.Scalar;
            }, [rbn.mults, rbn.adds]);
            value.dispose();
            out.push(y!, grads[rbn.mults.name]!, grads[rbn.adds.name]!);
            tf.dispose([x, dy]);
          }
          const x = tf.tensor4d(rand(n, 60, 3), [...shape]);
          const dy = tf.tensor4d(rand(n, 61), [...shape]);
          out.push(tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(rbn.forward(xi), dy)))(x));
          out.push(...[rbn.sums, rbn.sqrs, rbn.count, rbn.dbias, rbn.batch, rbn.step].map((b) => tf.clone(b)));
          tf.dispose([x, dy]);
          rbn.dispose();
          return out;
        };
        const fused = await run(true, steps);
        const plain = await run(false, steps);
        expect(fused.length).toBe(plain.length);
        fused.forEach((f, i) => expect(maxRelDiff(f, plain[i]!), `output ${i}`).toBeLessThan(1e-5));
      });
    }
  });

  describe('GeneralRelu forward and gradient are bit-identical to the unfused ops', () => {
    const cases: Array<[string, ConstructorParameters<typeof GeneralRelu>[0]]> = [
      ['leak 0.1, sub 0.4, maxv 6', { leak: 0.1, sub: 0.4, maxv: 6 }],
      ['relu, sub 0.5', { sub: 0.5 }],
      ['leak 0.2 only', { leak: 0.2 }],
      ['relu, maxv 1', { maxv: 1 }],
    ];
    for (const [name, opts] of cases) {
      it(name, async () => {
        const values = rand(37, 9, 8);
        // exact boundaries: 0, the clamp value before and after sub, and NaN
        values.set([0, 6.4, 6, 1, 1.5, -0, Number.NaN], 0);
        const step = (): tf.Tensor[] => {
          const act = new GeneralRelu(opts);
          const x = tf.tensor1d(values);
          const dy = tf.tensor1d(rand(37, 11));
          const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(act.forward(xi), dy)))(x);
          const out = [act.forward(x), dx];
          tf.dispose([x, dy]);
          return out;
        };
        const fused = await run(true, step);
        const plain = await run(false, step);
        // equal up to the sign of zeros (the tf ops give dy·0 = −0 for negative dy; relu gives +0 at x = −0);
        // the gradient at the NaN input is 0 fused, NaN·0 = NaN unfused
        const norm = (a: Float32Array): number[] => Array.from(a, (v) => (v === 0 ? 0 : v));
        expect(norm(fused[0]!)).toEqual(norm(plain[0]!));
        expect(norm(fused[1]!.slice(0, 6))).toEqual(norm(plain[1]!.slice(0, 6)));
        expect(norm(fused[1]!.slice(7))).toEqual(norm(plain[1]!.slice(7)));
      });
    }
  });

  describe('cross-entropy: loss and gradient match the unfused ops; invalid targets give NaN', () => {
    for (const [n, c, dtype] of [[1, 2, 'int32'], [7, 10, 'int32'], [5, 3, 'float32'], [33, 17, 'int32']] as const) {
      it(`[${n}, ${c}] logits, ${dtype} targets`, async () => {
        const f = (): tf.Tensor[] => {
          const logits = tf.tensor2d(rand(n * c, 70 + n, 6), [n, c]);
          const targets = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 5) % c), dtype);
          const grad = tf.grad((l: tf.Tensor) => tf.mul(crossEntropy(l, targets), 1.5))(logits);
          const out = [crossEntropy(logits, targets), grad];
          tf.dispose([logits, targets]);
          return out;
        };
        const fused = await run(true, f);
        const plain = await run(false, f);
        fused.forEach((v, i) => expect(maxRelDiff(v, plain[i]!), `output ${i}`).toBeLessThan(2e-6));
      });
    }
    for (const [what, bad, dtype] of [['5 of 3 classes', 5, 'int32'], ['-1', -1, 'int32'], ['0.5', 0.5, 'float32'], ['NaN', Number.NaN, 'float32']] as const) {
      it(`a target of ${what} gives a NaN loss`, async () => {
        const [loss] = await run(true, () => tf.tidy(() => [crossEntropy(tf.tensor2d([[1, 2, 3], [0, 1, 0]]), tf.tensor1d([0, bad], dtype))]));
        expect(loss![0]).toBeNaN();
      });
    }
  });

  it('the course convnet trains to the same losses with and without them (wasm, 6 SGD steps)', async () => {
    const losses = async (fused: boolean): Promise<number[]> => {
      setFusedKernels(fused);
      setSeed(3);
      const start = tf.memory().numTensors;
      const model = getCnnModel({ c: 10 }, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
      initCnn(model);
      const vars = model.parameters().filter((p) => p.trainable);
      const opt = new SGD([vars], 0.2, { mom: 0.9, wd: 1e-3 });
      const x = tf.tensor4d(rand(32 * 28 * 28, 12), [32, 28, 28, 1]);
      const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => (i * 7) % 10), 'int32');
      const out: tf.Scalar[] = [];
      for (let i = 0; i < 6; i++) {
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y) as tf.Scalar, vars);
        opt.step(grads);
        tf.dispose(grads);
        out.push(value);
      }
      const vals = await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
      return vals.map((v) => v[0]!);
    };
    const fused = await losses(true);
    const plain = await losses(false);
    expect(fused[5]).toBeLessThan(fused[0]!);
    fused.forEach((l, i) => expect(Math.abs(l - plain[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(plain[i]!))));
  });
});
