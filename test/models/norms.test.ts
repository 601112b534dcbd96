import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/backend/tf.js';
import { Module } from '../../src/models/module.js';
import { ModuleError } from '../../src/models/module-error.js';
import {
  BatchNorm,
  BatchNorm2d,
  GroupNorm,
  InstanceNorm,
  LayerNorm,
  NORM_KINDS,
  RunningBatchNorm,
  defaultGroups,
  makeNorm,
} from '../../src/models/norms/index.js';
import { expectClose, ref, toTensor } from '../helpers/reference.js';

const backends = ['cpu', 'wasm'] as const;

// ---------------------------------------------------------------------------------------------
// Plain-JS references (float64 loops over NHWC data), independent of the code under test.

type Shape4 = [number, number, number, number];

/** Deterministic values in about [-1.5, 2.5): a small LCG, so tests need no RNG setup. */
function values(n: number, seed: number, scale = 2, offset = -1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * scale + offset);
  }
  return out;
}

const at = ([, H, W, C]: Shape4, n: number, h: number, w: number, c: number): number => ((n * H + h) * W + w) * C + c;

/** Mean and variance of `xs` (unbiased: divide by n - 1). */
function stats(xs: number[], unbiased: boolean): { m: number; v: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, b) => a + (b - m) ** 2, 0);
  return { m, v: ss / (unbiased ? xs.length - 1 : xs.length) };
}

/** Per-channel values over N, H, W. */
function channelValues(x: number[], shape: Shape4, c: number): number[] {
  const [N, H, W] = shape;
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out.push(x[at(shape, n, h, w, c)]);
  return out;
}

/** Apply `(x - m[n][c]) / sqrt(v[n][c] + eps) * mult[c] + add[c]` over NHWC. */
function normalise(x: number[], shape: Shape4, m: (n: number, c: number) => number, v: (n: number, c: number) => number, mult: (c: number) => number, add: (c: number) => number, eps: number): number[] {
  const [N, H, W, C] = shape;
  const out = new Array<number>(x.length);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) {
          const i = at(shape, n, h, w, c);
          out[i] = ((x[i] - m(n, c)) / Math.sqrt(v(n, c) + eps)) * mult(c) + add(c);
        }
  return out;
}

type RbnState = { sums: number[]; sqrs: number[]; batch: number; count: number; step: number; dbias: number };

const rbnInit = (nf: number): RbnState => ({ sums: new Array(nf).fill(0), sqrs: new Array(nf).fill(0), batch: 0, count: 0, step: 0, dbias: 0 });

/** One RunningBatchNorm training update, transcribed from the course notebook. */
function rbnUpdate(st: RbnState, x: number[], shape: Shape4, mom: number): RbnState {
  const [bs, H, W] = shape;
  const mom1 = 1 - (1 - mom) / Math.sqrt(bs - 1);
  const lerp = (a: number, b: number): number => a + mom1 * (b - a);
  const sums = st.sums.map((old, c) => lerp(old, channelValues(x, shape, c).reduce((a, b) => a + b, 0)));
  const sqrs = st.sqrs.map((old, c) => lerp(old, channelValues(x, shape, c).reduce((a, b) => a + b * b, 0)));
  return { sums, sqrs, count: lerp(st.count, bs * H * W), dbias: st.dbias * (1 - mom1) + mom1, batch: st.batch + bs, step: st.step + 1 };
}

/** RunningBatchNorm's output from state `st`. */
function rbnOut(st: RbnState, x: number[], shape: Shape4, mults: number[], adds: number[], eps: number): number[] {
  const d = st.step < 100 ? st.dbias : 1;
  const c = st.count / d;
  const means = st.sums.map((s) => s / d / c);
  const vars = st.sqrs.map((s, i) => {
    const v = s / d / c - means[i] ** 2;
    return st.batch < 20 ? Math.max(v, 0.01) : v;
  });
  return normalise(x, shape, (_n, ch) => means[ch], (_n, ch) => vars[ch], (ch) => mults[ch], (ch) => adds[ch], eps);
}

/** `max |a - e| / max(1, |e|)` elementwise. */
async function expectNear(actual: tf.Tensor, expected: number[], tol = 1e-4): Promise<void> {
  const a = await actual.data();
  expect(a.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

const sumOutDy = (m: Module, dy: tf.Tensor) => (xx: tf.Tensor): tf.Tensor => tf.sum(tf.mul(m.forward(xx), dy));

// ---------------------------------------------------------------------------------------------

describe.each(backends)('norms on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  for (const groups of [1, 2, 3, 6]) {
    it(`GroupNorm(${groups}, 6) matches PyTorch: train out, dx, weight/bias grads, eval out`, async () => {
      const c = ref.cases[`GroupNorm_${groups}`];
      const gn = new GroupNorm(groups, 6);
      gn.weight!.assign(tf.linspace(0.5, 1.5, 6));
      gn.bias!.assign(tf.linspace(-0.2, 0.3, 6));
      const x = toTensor(ref.x);
      const dy = toTensor(ref.dy);
      await expectClose(gn.forward(x), c.train_out);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(gn.forward(x), dy)) as tf.Scalar, [gn.weight!, gn.bias!]);
      await expectClose(grads[gn.weight!.name], c.param_grads.weight);
      await expectClose(grads[gn.bias!.name], c.param_grads.bias);
      await expectClose(tf.grad(sumOutDy(gn, dy))(x), c.dx);
      gn.eval();
      await expectClose(gn.forward(x), c.eval_out_after_step);
      expect(c.buffers_after_one_train_step).toEqual({});
      gn.dispose();
    });
  }

  it('GroupNorm(affine: false) has no parameters and is the un-scaled GroupNorm', async () => {
    const gn = new GroupNorm(2, 6, { affine: false });
    expect(gn.parameters()).toHaveLength(0);
    const shape: Shape4 = [2, 3, 3, 6];
    const xs = values(2 * 3 * 3 * 6, 5);
    const out = gn.forward(tf.tensor(xs, shape));
    // Per sample and group of 3 contiguous channels, biased variance.
    const m: number[][] = [];
    const v: number[][] = [];
    for (let n = 0; n < 2; n++) {
      m.push([]);
      v.push([]);
      for (let g = 0; g < 2; g++) {
        const vals: number[] = [];
        for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) for (let c = 3 * g; c < 3 * g + 3; c++) vals.push(xs[at(shape, n, h, w, c)]);
        const s = stats(vals, false);
        m[n].push(s.m);
        v[n].push(s.v);
      }
    }
    const expected = normalise(xs, shape, (n, c) => m[n][Math.floor(c / 3)], (n, c) => v[n][Math.floor(c / 3)], () => 1, () => 0, 1e-5);
    await expectNear(out, expected);
  });

  it('BatchNorm (scratch): train output, running stats after one step, eval output, detached-stats gradient', async () => {
    const shape: Shape4 = [3, 2, 2, 3];
    const xs = values(36, 1, 3, -1);
    const mults = [0.5, 1, 2];
    const adds = [-0.1, 0, 0.3];
    const bn = new BatchNorm(3);
    bn.mults.assign(tf.tensor1d(mults));
    bn.adds.assign(tf.tensor1d(adds));
    const x = tf.tensor(xs, shape);

    const st = [0, 1, 2].map((c) => stats(channelValues(xs, shape, c), true)); // torch's x.var: unbiased
    const trainExpected = normalise(xs, shape, (_n, c) => st[c].m, (_n, c) => st[c].v, (c) => mults[c], (c) => adds[c], 1e-5);
    await expectNear(bn.forward(x), trainExpected);
    const means = st.map((s) => 0.9 * 0 + 0.1 * s.m);
    const vars = st.map((s) => 0.9 * 1 + 0.1 * s.v);
    await expectNear(bn.means, means);
    await expectNear(bn.vars, vars);

    bn.eval();
    const evalExpected = normalise(xs, shape, (_n, c) => means[c], (_n, c) => vars[c], (c) => mults[c], (c) => adds[c], 1e-5);
    await expectNear(bn.forward(x), evalExpected);
    await expectNear(bn.means, means); // eval does not move the stats

    // The notebook computes the batch stats under no_grad: dx = dy * mults / sqrt(v + eps).
    bn.train();
    const dys = values(36, 2);
    const dx = tf.grad(sumOutDy(bn, tf.tensor(dys, shape)))(x);
    const dxExpected = xs.map((_, i) => (dys[i] * mults[i % 3]) / Math.sqrt(st[i % 3].v + 1e-5));
    await expectNear(dx, dxExpected);
    bn.dispose();
  });

  it('BatchNorm({ unbiased: false, detachStats: false }) matches PyTorch BatchNorm2d in training, dx included', async () => {
    const x = toTensor(ref.x);
    const dy = toTensor(ref.dy);
    const a = new BatchNorm(6, { unbiased: false, detachStats: false });
    a.mults.assign(tf.linspace(0.5, 1.5, 6));
    a.adds.assign(tf.linspace(-0.2, 0.3, 6));
    const c = ref.cases.BatchNorm2d;
    await expectClose(a.forward(x), c.train_out);
    await expectClose(tf.grad(sumOutDy(a, dy))(x), c.dx);
    a.dispose();
  });

  it('LayerNorm: per-sample stats over H, W, C with scalar mult/add; finite on a constant sample', async () => {
    const shape: Shape4 = [2, 2, 3, 2];
    const xs = values(24, 3, 4, -2);
    for (let i = 12; i < 24; i++) xs[i] = 0.7; // sample 1 is constant: the notebook's sqrt(v - eps) gives NaN
    const ln = new LayerNorm();
    ln.mult.assign(tf.scalar(1.5));
    ln.add.assign(tf.scalar(-0.25));
    const st = [0, 1].map((n) => stats(xs.slice(n * 12, n * 12 + 12), true));
    const expected = normalise(xs, shape, (n) => st[n].m, (n) => st[n].v, () => 1.5, () => -0.25, 1e-5);
    const out = ln.forward(tf.tensor(xs, shape));
    await expectNear(out, expected);
    expect(Array.from(await out.data()).every(Number.isFinite)).toBe(true);
    ln.eval();
    await expectNear(ln.forward(tf.tensor(xs, shape)), expected);
    ln.dispose();
  });

  it('InstanceNorm: per-sample, per-channel stats over H, W with per-channel mults/adds', async () => {
    const shape: Shape4 = [2, 3, 2, 3];
    const xs = values(36, 4, 3, -1);
    const mults = [2, 0.5, 1];
    const adds = [0, 0.1, -0.2];
    const inorm = new InstanceNorm(3);
    inorm.mults.assign(tf.tensor1d(mults));
    inorm.adds.assign(tf.tensor1d(adds));
    const st: { m: number; v: number }[][] = [];
    for (let n = 0; n < 2; n++) {
      st.push([]);
      for (let c = 0; c < 3; c++) {
        const vals: number[] = [];
        for (let h = 0; h < 3; h++) for (let w = 0; w < 2; w++) vals.push(xs[at(shape, n, h, w, c)]);
        st[n].push(stats(vals, true));
      }
    }
    const expected = normalise(xs, shape, (n, c) => st[n][c].m, (n, c) => st[n][c].v, (c) => mults[c], (c) => adds[c], 1e-5);
    await expectNear(inorm.forward(tf.tensor(xs, shape)), expected);
    inorm.eval();
    await expectNear(inorm.forward(tf.tensor(xs, shape)), expected);
    inorm.dispose();
  });

  it('RunningBatchNorm: outputs and buffers over successive batches (clamp while batch < 20), eval output', async () => {
    const nf = 3;
    const mults = [1.2, 0.8, 1];
    const adds = [0.1, -0.1, 0];
    const rbn = new RunningBatchNorm(nf);
    rbn.mults.assign(tf.tensor1d(mults));
    rbn.adds.assign(tf.tensor1d(adds));
    // Channel 2 spans ~0.06: its variance (~3e-4) is clamped to 0.01 while batch < 20.
    const batchOf = (shape: Shape4, seed: number): number[] => {
      const xs = values(shape.reduce((a, b) => a * b), seed, 3, -1);
      return xs.map((v, i) => (i % nf === 2 ? v * 0.02 : v));
    };
    const shapes: Shape4[] = [
      [2, 2, 2, nf], // bs 2: mom1 = mom; batch = 2 → clamp
      [3, 2, 2, nf], // bs 3: mom1 = 1 - 0.9 / sqrt(2); batch = 5 → clamp
      [16, 2, 2, nf], // batch = 21 → no clamp
    ];
    let st = rbnInit(nf);
    let lastX: number[] = [];
    for (const [i, shape] of shapes.entries()) {
      const xs = batchOf(shape, 10 + i);
      st = rbnUpdate(st, xs, shape, 0.1);
      const out = rbn.forward(tf.tensor(xs, shape));
      await expectNear(out, rbnOut(st, xs, shape, mults, adds, 1e-5));
      await expectNear(rbn.sums, st.sums);
      await expectNear(rbn.sqrs, st.sqrs);
      await expectNear(rbn.count, [st.count]);
      await expectNear(rbn.dbias, [st.dbias]);
      expect(rbn.batch.dataSync()[0]).toBe(st.batch);
      expect(rbn.step.dataSync()[0]).toBe(st.step);
      if (st.batch < 20) {
        // The clamp is what the output saw for channel 2: |out - add| stays small.
        const o = await out.data();
        for (let j = 2; j < o.length; j += nf) expect(Math.abs(o[j] - adds[2])).toBeLessThan(0.35);
      }
      lastX = xs;
    }
    // Unclamped after 21 samples: channel 2 is normalised to unit scale.
    const unclamped = rbnOut(st, lastX, shapes[2], mults, adds, 1e-5);
    expect(Math.max(...unclamped.filter((_, j) => j % nf === 2).map(Math.abs))).toBeGreaterThan(0.5);

    rbn.eval();
    const before = rbn.stateDict();
    const snap = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const evalX = batchOf([1, 2, 2, nf], 99); // eval accepts a batch of 1
    await expectNear(rbn.forward(tf.tensor(evalX, [1, 2, 2, nf])), rbnOut(st, evalX, [1, 2, 2, nf], mults, adds, 1e-5));
    for (const [k, v] of Object.entries(rbn.stateDict())) expect(Array.from(v.dataSync())).toEqual(snap[k]);
    rbn.dispose();
  });

  it('RunningBatchNorm: dx flows through this batch\'s sums (float64 finite differences of the notebook formulas)', async () => {
    const nf = 2;
    const shape1: Shape4 = [3, 2, 2, nf];
    const shape2: Shape4 = [2, 2, 2, nf];
    const x1 = values(24, 21, 3, -1);
    const x2 = values(16, 22, 3, -1);
    const dys = values(16, 23);
    const rbn = new RunningBatchNorm(nf, { mom: 0.2 });
    rbn.forward(tf.tensor(x1, shape1)).dispose();
    const st1 = rbnUpdate(rbnInit(nf), x1, shape1, 0.2);
    const f = (xs: number[]): number => {
      const out = rbnOut(rbnUpdate(st1, xs, shape2, 0.2), xs, shape2, [1, 1], [0, 0], 1e-5);
      return out.reduce((a, o, i) => a + o * dys[i], 0);
    };
    const h = 1e-6;
    const numeric = x2.map((_, i) => {
      const p = x2.slice();
      const q = x2.slice();
      p[i] += h;
      q[i] -= h;
      return (f(p) - f(q)) / (2 * h);
    });
    // Were the statistics treated as constants, dx would be dy / sqrt(vars + eps): check it is not.
    const st2 = rbnUpdate(st1, x2, shape2, 0.2);
    const vars = st2.sums.map((s, c) => Math.max(st2.sqrs[c] / st2.count - (s / st2.count) ** 2, 0.01));
    const detached = dys.map((d, i) => d / Math.sqrt(vars[i % nf] + 1e-5));
    expect(Math.max(...numeric.map((g, i) => Math.abs(g - detached[i])))).toBeGreaterThan(0.05);
    const dx = tf.grad(sumOutDy(rbn, tf.tensor(dys, shape2)))(tf.tensor(x2, shape2));
    await expectNear(dx, numeric, 1e-3);
    rbn.dispose();
  });

  it('RunningBatchNorm trains with batch size 2: finite outputs and gradients, also with a constant channel', async () => {
    const rbn = new RunningBatchNorm(4);
    for (let i = 0; i < 30; i++) {
      const xs = values(2 * 3 * 3 * 4, 100 + i, 4, -2).map((v, j) => (j % 4 === 3 ? 1 : v));
      const x = tf.tensor(xs, [2, 3, 3, 4]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(rbn.forward(x))) as tf.Scalar, rbn.parameters());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([x, value, grads]);
    }
    expect(rbn.batch.dataSync()[0]).toBe(60);
    const out = rbn.eval().forward(tf.ones([2, 3, 3, 4]));
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
    rbn.dispose();
  });

  it('no norm leaks tensors across repeated forward (and gradient) calls in train mode', () => {
    const norms: Module[] = [new BatchNorm2d(6), new BatchNorm(6), new LayerNorm(), new InstanceNorm(6), new GroupNorm(3, 6), new RunningBatchNorm(6)];
    const x = tf.tensor(values(2 * 4 * 4 * 6, 7), [2, 4, 4, 6]);
    for (const m of norms) {
      m.train();
      m.forward(x).dispose(); // warm-up (kernels may cache constants)
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) m.forward(x).dispose();
      expect(tf.memory().numTensors, m.describe()).toBe(before);
      for (let i = 0; i < 3; i++) {
        const { value, grads } = tf.variableGrads(() => tf.sum(m.forward(x)) as tf.Scalar, m.parameters());
        tf.dispose([value, grads]);
      }
      expect(tf.memory().numTensors, `${m.describe()} (gradients)`).toBe(before);
      m.eval();
      for (let i = 0; i < 3; i++) m.forward(x).dispose();
      expect(tf.memory().numTensors, `${m.describe()} (eval)`).toBe(before);
    }
    x.dispose();
    for (const m of norms) m.dispose();
  });
});

describe('norm state dicts, errors and factory', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('state dict keys and shapes', () => {
    const shapes = (m: Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
    expect(shapes(new BatchNorm(5))).toEqual({ mults: [5], adds: [5], vars: [5], means: [5] });
    expect(shapes(new LayerNorm())).toEqual({ mult: [], add: [] });
    expect(shapes(new InstanceNorm(5))).toEqual({ mults: [5], adds: [5] });
    expect(shapes(new GroupNorm(1, 5))).toEqual({ weight: [5], bias: [5] });
    expect(shapes(new GroupNorm(1, 5, { affine: false }))).toEqual({});
    expect(shapes(new RunningBatchNorm(5))).toEqual({ mults: [5], adds: [5], sums: [5], sqrs: [5], batch: [], count: [], step: [], dbias: [] });
    expect(Object.keys(new RunningBatchNorm(5).stateDict())).toEqual(['mults', 'adds', 'sums', 'sqrs', 'batch', 'count', 'step', 'dbias']);
    expect(new BatchNorm(5).parameters()).toHaveLength(2);
    expect(new RunningBatchNorm(5).buffers()).toHaveLength(6);
  });

  it('wrong rank or channel count names the layer and both shapes', () => {
    const cases: [Module, number[], RegExp][] = [
      [new BatchNorm(6), [2, 4, 4, 3], /BatchNorm\(6, mom=0.1, eps=0.00001\) expected input \[N, H, W, 6\] \(NHWC\), got \[2, 4, 4, 3\]/],
      [new BatchNorm(6), [2, 6], /BatchNorm\(6.*expected input \[N, H, W, 6\].*got \[2, 6\]/],
      [new LayerNorm(), [2, 6], /LayerNorm\(eps=0.00001\) expected input \[N, H, W, C\].*got \[2, 6\]/],
      [new InstanceNorm(6), [2, 4, 4, 5], /InstanceNorm\(6.*expected input \[N, H, W, 6\].*got \[2, 4, 4, 5\]/],
      [new GroupNorm(2, 6), [2, 4, 4, 4], /GroupNorm\(2, 6.*expected input \[N, H, W, 6\].*got \[2, 4, 4, 4\]/],
      [new RunningBatchNorm(6), [4, 4, 6], /RunningBatchNorm\(6.*expected input \[N, H, W, 6\].*got \[4, 4, 6\]/],
    ];
    for (const [m, shape, re] of cases) {
      const x = tf.zeros(shape);
      expect(() => m.forward(x)).toThrow(ModuleError);
      expect(() => m.forward(x)).toThrow(re);
      x.dispose();
    }
  });

  it('degenerate inputs are rejected with a reason', () => {
    expect(() => new RunningBatchNorm(3).forward(tf.zeros([1, 4, 4, 3]))).toThrow(/RunningBatchNorm\(3.*batch of at least 2 in training.*got input \[1, 4, 4, 3\]/);
    expect(() => new RunningBatchNorm(3).eval().forward(tf.zeros([2, 4, 4, 3]))).toThrow(/RunningBatchNorm\(3.*no running statistics yet/);
    expect(() => new BatchNorm(3).forward(tf.zeros([1, 1, 1, 3]))).toThrow(/BatchNorm\(3.*more than 1 value per channel/);
    expect(() => new InstanceNorm(3).forward(tf.zeros([4, 1, 1, 3]))).toThrow(/InstanceNorm\(3.*H \* W > 1/);
    expect(() => new LayerNorm().forward(tf.zeros([4, 1, 1, 1]))).toThrow(/LayerNorm\(.*more than 1 value per sample/);
  });

  it('constructor arguments are validated, naming the parameter and the allowed range', () => {
    expect(() => new GroupNorm(4, 6)).toThrow(/GroupNorm: nf \(6\) must be divisible by numGroups \(4\); divisors of 6 are 1, 2, 3, 6/);
    expect(() => new GroupNorm(0, 6)).toThrow(/GroupNorm: numGroups must be an integer >= 1, got 0/);
    expect(() => new GroupNorm(2, 6, { eps: 0 })).toThrow(/GroupNorm: eps must be a finite number > 0, got 0/);
    expect(() => new BatchNorm(0)).toThrow(/BatchNorm: nf must be an integer >= 1, got 0/);
    expect(() => new BatchNorm(4, { mom: 1.5 })).toThrow(/BatchNorm: mom must be in \[0, 1\], got 1.5/);
    expect(() => new BatchNorm(4, { eps: -1 })).toThrow(/BatchNorm: eps must be/);
    expect(() => new InstanceNorm(2.5)).toThrow(/InstanceNorm: nf must be an integer >= 1, got 2.5/);
    expect(() => new LayerNorm({ eps: Number.NaN })).toThrow(/LayerNorm: eps must be a finite number > 0, got NaN/);
    expect(() => new RunningBatchNorm(4, { mom: 0 })).toThrow(/RunningBatchNorm: mom must be in \(0, 1\], got 0/);
    expect(() => new RunningBatchNorm(-1)).toThrow(/RunningBatchNorm: nf must be an integer >= 1, got -1/);
  });

  it('makeNorm builds each kind and passes options on', () => {
    expect(makeNorm('batch', 8)).toBeInstanceOf(BatchNorm2d);
    expect((makeNorm('batch', 8, { mom: 0.2, eps: 1e-3 }) as BatchNorm2d).momentum).toBe(0.2);
    expect((makeNorm('batch', 8, { eps: 1e-3 }) as BatchNorm2d).eps).toBe(1e-3);
    expect((makeNorm('batch-scratch', 8, { mom: 0.3 }) as BatchNorm).mom).toBe(0.3);
    expect(makeNorm('layer', 8)).toBeInstanceOf(LayerNorm);
    expect((makeNorm('instance', 8, { eps: 1 }) as InstanceNorm).eps).toBe(1);
    const gn = makeNorm('group', 64) as GroupNorm;
    expect([gn.numGroups, gn.nf]).toEqual([4, 64]);
    expect((makeNorm('group', 6, { groups: 6 }) as GroupNorm).numGroups).toBe(6);
    expect(() => makeNorm('group', 6, { groups: 4 })).toThrow(/divisible/);
    expect((makeNorm('running', 8, { mom: 0.05 }) as RunningBatchNorm).mom).toBe(0.05);
    expect(makeNorm('none', 8)).toBeNull();
    const custom = makeNorm((nf) => new GroupNorm(1, nf), 5) as GroupNorm;
    expect([custom.numGroups, custom.nf]).toEqual([1, 5]);
    expect(() => makeNorm('bogus' as never, 8)).toThrow(/unknown norm kind 'bogus'; expected one of 'batch', 'batch-scratch'/);
    expect(NORM_KINDS).toHaveLength(7);
    expect([1, 2, 3, 4, 6, 7, 8, 9, 12, 16, 64].map(defaultGroups)).toEqual([1, 2, 3, 4, 3, 1, 4, 3, 4, 4, 4]);
  });
});
