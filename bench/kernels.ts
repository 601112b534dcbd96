/**
 * Scratch benchmark for the wasm training kernels: one training step of the notebook MNIST convnet
 * at batch 512 on the wasm backend (forward + tf.variableGrads + SGD), plus a per-kernel breakdown.
 *
 *   npx tsx bench/kernels.ts [--steps 10] [--batch 512] [--no-register | --conv-only] [--no-profile]
 *                            [--profile-steps 5] [--calls] [--backend wasm|cpu]
 */
import { tf } from '../src/backend/tf.js';
import { registerWasmTrainingKernels } from '../src/backend/wasm/register-kernels.js';
import { conv2DBackpropFilterKernel } from '../src/backend/wasm/conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from '../src/backend/wasm/conv2d-backprop-input.js';
import { rand } from '../test/helpers/rand.js';
import { median } from './stats.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : dflt;
};
const STEPS = Number(opt('--steps', '10'));
const WARMUP = 3;
const BATCH = Number(opt('--batch', '512'));
const BACKEND = opt('--backend', 'wasm');
const PROFILE_STEPS = Number(opt('--profile-steps', '5'));

interface ConvSpec {
  cin: number;
  cout: number;
  k: number;
  s: number;
}
const SPECS: ConvSpec[] = [
  { cin: 1, cout: 8, k: 5, s: 2 },
  { cin: 8, cout: 16, k: 3, s: 2 },
  { cin: 16, cout: 32, k: 3, s: 2 },
  { cin: 32, cout: 64, k: 3, s: 2 },
  { cin: 64, cout: 64, k: 3, s: 2 },
];

async function main(): Promise<void> {
  if (flag('--conv-only')) {
    // Only the two conv-gradient kernels; every other kernel stays tfjs-backend-wasm's own.
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputKernel });
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterKernel });
  } else if (!flag('--no-register')) {
    registerWasmTrainingKernels();
  }
  await tf.setBackend(BACKEND);
  await tf.ready();
  const mode = flag('--conv-only') ? 'conv-gradient kernels only' : flag('--no-register') ? 'none' : 'all';
  console.log(`backend=${tf.getBackend()} batch=${BATCH} tfai kernels registered: ${mode}`);

  const convW = SPECS.map((c, i) =>
    tf.variable(tf.tensor4d(rand(c.k * c.k * c.cin * c.cout, 10 + i, Math.sqrt(6 / (c.k * c.k * c.cin))), [c.k, c.k, c.cin, c.cout]), true, `w${i}`),
  );
  const gammas = SPECS.map((c, i) => tf.variable(tf.ones([c.cout]), true, `g${i}`));
  const betas = SPECS.map((c, i) => tf.variable(tf.zeros([c.cout]), true, `b${i}`));
  const denseW = tf.variable(tf.tensor2d(rand(64 * 10, 99, 0.3), [64, 10]), true, 'dw');
  const denseB = tf.variable(tf.zeros([10]), true, 'db');
  const vars = [...convW, ...gammas, ...betas, denseW, denseB];

  const xb = tf.tensor4d(rand(BATCH * 28 * 28, 1), [BATCH, 28, 28, 1]);
  const labels = new Int32Array(BATCH).map((_, i) => (i * 7) % 10);
  const yb = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();

  const forward = (x: tf.Tensor4D): tf.Scalar => {
    let h: tf.Tensor4D = x;
    SPECS.forEach((c, i) => {
      h = tf.conv2d(h, convW[i] as tf.Variable<tf.Rank.R4>, c.s, Math.floor(c.k / 2));
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = h.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(gammas[i]!).add(betas[i]!);
      h = tf.leakyRelu(h, 0.1);
    });
    const pooled = h.mean([1, 2]) as tf.Tensor2D;
    const logits = pooled.matMul(denseW).add(denseB);
    return tf.losses.softmaxCrossEntropy(yb, logits) as tf.Scalar;
  };

  /** One SGD step; returns [wall ms, process CPU ms] (CPU time is robust to other load on the box). */
  const step = (): [number, number] => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => forward(xb), vars);
      for (const v of vars) v.assign(v.sub(grads[v.name]!.mul(0.01)));
      value.dataSync();
    });
    const c = process.cpuUsage(c0);
    return [performance.now() - t0, (c.user + c.system) / 1000];
  };

  for (let i = 0; i < WARMUP; i++) step();
  const before = tf.memory().numTensors;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const [w, c] = step();
    wall.push(w);
    cpu.push(c);
  }
  const after = tf.memory().numTensors;
  console.log(
    `step wall ms: median ${median(wall).toFixed(1)}  min ${Math.min(...wall).toFixed(1)}  ` +
      `[${wall.map((t) => t.toFixed(0)).join(' ')}]`,
  );
  console.log(
    `step cpu  ms: median ${median(cpu).toFixed(1)}  min ${Math.min(...cpu).toFixed(1)}  ` +
      `[${cpu.map((t) => t.toFixed(0)).join(' ')}]  tensors ${before} -> ${after}`,
  );

  if (!flag('--no-profile')) {
    // Per-kernel breakdown: profile several steps (wall time per kernel), keep for every kernel
    // call the minimum over those steps (the call sequence is identical each step), which filters
    // out interference from other load on the machine, then total per kernel name. Kernels launched
    // inside the conv gradient kernels are listed too, so those rows include their children.
    const runs: Array<Array<{ name: string; ms: number; shapes: string }>> = [];
    for (let r = 0; r < PROFILE_STEPS; r++) {
      const prof = await tf.profile(() => {
        step();
      });
      const calls: Array<{ name: string; ms: number; shapes: string }> = [];
      for (const k of prof.kernels) {
        const ms = await k.kernelTimeMs;
        calls.push({ name: k.name, ms: typeof ms === 'number' ? ms : 0, shapes: JSON.stringify(k.inputShapes) });
      }
      runs.push(calls);
    }
    const best = runs[0]!.map((c, i) => ({ ...c, ms: Math.min(...runs.map((r) => r[i]?.ms ?? Infinity)) }));
    const totals = new Map<string, { ms: number; n: number }>();
    for (const c of best) {
      const t = totals.get(c.name) ?? { ms: 0, n: 0 };
      t.ms += c.ms;
      t.n += 1;
      totals.set(c.name, t);
    }
    const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const top = (names: string[]) => names.reduce((a, n) => a + (totals.get(n)?.ms ?? 0), 0);
    const convOuter = top(['Conv2DBackpropFilter', 'Conv2DBackpropInput']);
    const all = [...totals.values()].reduce((a, t) => a + t.ms, 0);
    console.log(`\nper-kernel totals (ms, calls), min over ${PROFILE_STEPS} profiled steps:`);
    for (const [name, t] of rows.slice(0, 32)) console.log(`  ${name.padEnd(24)} ${t.ms.toFixed(2).padStart(8)}  x${t.n}`);
    console.log(`  (sum of rows ${all.toFixed(1)} ms counts the conv-gradient children twice; without the two conv-gradient rows: ${(all - convOuter).toFixed(1)} ms)`);
    if (flag('--calls')) {
      console.log('\nslowest individual calls:');
      for (const c of [...best].sort((a, b) => b.ms - a.ms).slice(0, 40)) console.log(`  ${c.ms.toFixed(2).padStart(7)} ${c.name.padEnd(22)} ${c.shapes}`);
    }
  }

  // Manual per-layer timings of the three conv kernels.
  console.log('\nper-layer conv kernels (median CPU ms of 7): fwd / backprop-filter / backprop-input');
  let shape: [number, number, number, number] = [BATCH, 28, 28, 1];
  for (const [i, c] of SPECS.entries()) {
    const x = tf.tensor4d(rand(shape.reduce((a, b) => a * b), 5 + i), shape);
    const w = convW[i]!;
    const pad = Math.floor(c.k / 2);
    const y = tf.conv2d(x, w as tf.Tensor4D, c.s, pad);
    const dy = tf.tensor4d(rand(y.size, 7 + i), y.shape);
    const time = (f: () => tf.Tensor): number => {
      for (let j = 0; j < 2; j++) f().dispose();
      const ts: number[] = [];
      for (let j = 0; j < 7; j++) {
        const c0 = process.cpuUsage();
        const r = f();
        r.dataSync();
        const c = process.cpuUsage(c0);
        ts.push((c.user + c.system) / 1000);
        r.dispose();
      }
      return median(ts);
    };
    const attrs = { strides: c.s, pad, dataFormat: 'NHWC' };
    const fwd = time(() => tf.conv2d(x, w as tf.Tensor4D, c.s, pad));
    const dW = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor);
    const dX = time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: shape }) as tf.Tensor);
    console.log(
      `  conv${i + 1} [${shape.join(',')}] k${c.k} s${c.s} -> [${y.shape.join(',')}]: ` +
        `${fwd.toFixed(2)} / ${dW.toFixed(2)} / ${dX.toFixed(2)}${i === 0 ? ' (dX unused in training)' : ''}`,
    );
    shape = y.shape as [number, number, number, number];
    tf.dispose([x, y, dy]);
  }
}

await main();
