/**
 * GFLOP/s of the three convolution kernels of a training step on the ResNet-18 (CIFAR) shapes, on
 * the wasm backend: forward (XNNPACK), filter gradient and input gradient (tfai's kernels, each
 * formulation). Wall and CPU time per call (best of N); CPU time counts every thread, so on a busy
 * machine it is the steadier figure for one thread, and wall / CPU shows how well threads were used.
 *
 *   npx tsx bench/conv-shapes.ts [--bs 32] [--threads 1] [--reps 5] [--only l3]
 */
import { parseArgs } from 'node:util';
import { tf, initBackend } from '../src/backend/index.js';
import { setFilterGradStrategy, type FilterGradStrategy } from '../src/backend/wasm/conv2d-backprop-filter.js';
import { setInputGradStrategy, type InputGradStrategy } from '../src/backend/wasm/conv2d-backprop-input.js';

const { values: a } = parseArgs({ options: { bs: { type: 'string' }, threads: { type: 'string' }, reps: { type: 'string' }, only: { type: 'string' } } });
const B = Number(a.bs ?? 32);
const reps = Number(a.reps ?? 5);
await initBackend('wasm', { threads: a.threads === undefined ? undefined : Number(a.threads) });

/** name, H = W, in channels, out channels, kernel, stride */
const SHAPES: Array<[string, number, number, number, number, number]> = [
  ['stem 3->64 s1 @32', 32, 3, 64, 3, 1],
  ['l1 64->64 s1 @32', 32, 64, 64, 3, 1],
  ['l2 64->128 s2 @32', 32, 64, 128, 3, 2],
  ['l2 shortcut 1x1 s2', 32, 64, 128, 1, 2],
  ['l2 128->128 s1 @16', 16, 128, 128, 3, 1],
  ['l3 128->256 s2 @16', 16, 128, 256, 3, 2],
  ['l3 256->256 s1 @8', 8, 256, 256, 3, 1],
  ['l4 256->512 s2 @8', 8, 256, 512, 3, 2],
  ['l4 512->512 s1 @4', 4, 512, 512, 3, 1],
];

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
/** Best wall and CPU ms of `reps` calls (after one warm-up call). */
function time(f: () => tf.Tensor): { wall: number; cpu: number } {
  f().dispose();
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    f().dispose();
    wall = Math.min(wall, performance.now() - t0);
    cpu = Math.min(cpu, cpuMs() - c0);
  }
  return { wall, cpu };
}

console.log(`batch ${B}; GFLOP/s by wall time (by CPU time)`);
for (const [name, H, ci, co, k, s] of SHAPES) {
  if (a.only && !name.includes(a.only)) continue;
  const x = tf.randomNormal([B, H, H, ci]) as tf.Tensor4D;
  const w = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
  const pad = k === 3 ? 1 : 0;
  const y = tf.conv2d(x, w, s, pad);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const flops = 2 * y.size * k * k * ci;
  const g = (t: { wall: number; cpu: number }): string => `${(flops / t.wall / 1e6).toFixed(1)} (${(flops / t.cpu / 1e6).toFixed(1)})`;
  const attrs = { strides: s, pad, dataFormat: 'NHWC' };
  const out = [`fwd ${g(time(() => tf.conv2d(x, w, s, pad)))}`];
  for (const st of ['outer', 'conv'] as FilterGradStrategy[]) {
    setFilterGradStrategy(st);
    out.push(`dW ${st} ${g(time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor))}`);
  }
  for (const st of ['direct', 'subpixel', 'col2im'] as InputGradStrategy[]) {
    setInputGradStrategy(st);
    out.push(`dX ${st} ${g(time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor))}`);
  }
  setFilterGradStrategy('auto');
  setInputGradStrategy('auto');
  console.log(`${name.padEnd(20)} ${out.join(' | ')}`);
  tf.dispose([x, w, y, dy]);
}
