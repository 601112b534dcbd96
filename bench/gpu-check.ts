/**
 * What `bench/gpu-check.sh` runs: the WebGPU adapter, then ms per training step on webgpu (Dawn)
 * and on wasm for the course's BatchNorm convnet (MNIST-sized, bs 512) and ResNet-18 for CIFAR
 * (BasicBlock [2, 2, 2, 2], bs 128), from the same weights on the same batches, and how far apart
 * the two backends' losses are over those steps.
 *
 * A step is tfai's training step without the runner: `model.forward`, `crossEntropy`,
 * `tf.variableGrads`, SGD with momentum, and one `await loss.data()` (so the GPU's work is inside
 * the time). The batch is uploaded from host memory in every step, as a loader's would be. The
 * first steps of each backend (shader compilation, buffer pools) are not timed.
 *
 *   npx tsx bench/gpu-check.ts [--small | --full] [--budget 200] [--only convnet|resnet18]
 *
 * `--small` uses small batches (taken anyway on a software adapter such as Mesa's lavapipe, unless
 * `--full`);
 * `--budget` (default 200) is the seconds the check may take: webgpu runs first, then wasm runs as
 * many of the same steps as fit (each run does at least its warm-up and one timed step).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { tf, initBackend, setSeed, getCnnModel, convLayer, initCnn, ResNet, BasicBlock, crossEntropy, sgd, type Module } from '../src/index.js';
import { gpuStatus, webgpuAdapter, describeAdapter } from '../src/backend/index.js';
import { median } from './stats.js';

const { values: argv } = parseArgs({ options: { small: { type: 'boolean' }, full: { type: 'boolean' }, budget: { type: 'string' }, only: { type: 'string' } } });
const budgetS = Number(argv.budget ?? 200);
if (!(budgetS > 0)) throw new RangeError(`--budget must be a number of seconds > 0, got '${argv.budget}'`);
const t0 = performance.now();
const deadline = t0 + budgetS * 1000;
const quiet = { log: (): void => {} };

console.log(`gpu-check: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, TF.js ${tf.version_core}`);
if ((await initBackend('webgpu', quiet)) !== 'webgpu') {
  console.error(`gpu-check: no WebGPU backend — ${gpuStatus()}`);
  console.error("  Linux: the GPU's Vulkan driver must be installed (NVIDIA: the driver's Vulkan ICD, /usr/share/vulkan/icd.d/nvidia_icd.json, and libvulkan1;");
  console.error('  AMD/Intel: mesa-vulkan-drivers); in a container NVIDIA_DRIVER_CAPABILITIES must include "graphics" (or be "all"). `vulkaninfo --summary` lists what Vulkan sees.');
  process.exit(1);
}
const adapter = webgpuAdapter()!;
console.log(`adapter: ${describeAdapter(adapter)} — vendor '${adapter.vendor}', architecture '${adapter.architecture}', device '${adapter.device}', driver '${adapter.description}'`);
if (adapter.software) console.log(`  (a software adapter: its figures are a sanity check, not a GPU's${argv.small || argv.full ? '' : '; using the --small sizes'})`);
const small = (argv.small ?? false) || (adapter.software && !argv.full);

type Spec = { key: string; name: string; bs: number; hwc: [number, number, number]; steps: number; warmup: number; lr: number; make: () => Module };
const ALL: Spec[] = [
  {
    key: 'convnet',
    name: 'course convnet (MNIST 28×28, nfs 8-16-32-64-64, BatchNorm)',
    bs: small ? 32 : 512,
    hwc: [28, 28, 1],
    steps: small ? 4 : 10,
    warmup: 2,
    lr: 0.1,
    make: () => {
      const m = getCnnModel({ c: 10, cIn: 1 }, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
      initCnn(m);
      return m;
    },
  },
  {
    key: 'resnet18',
    name: 'ResNet-18 (CIFAR 32×32, BasicBlock [2, 2, 2, 2])',
    bs: small ? 2 : 128,
    hwc: [32, 32, 3],
    steps: small ? 2 : 5,
    warmup: small ? 1 : 2,
    lr: 0.05,
    make: () => new ResNet(BasicBlock, [2, 2, 2, 2]),
  },
];
const SPECS = ALL.filter((s) => !argv.only || argv.only.split(',').includes(s.key));
if (!SPECS.length) throw new RangeError(`--only must name convnet and/or resnet18, got '${argv.only}'`);


/** Seeded host batches (normal inputs, labels 0-9): the same numbers on every backend. */
function batches(s: Spec): { x: Float32Array; y: Int32Array }[] {
  let state = 12345;
  const rand = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const n = s.bs * s.hwc[0] * s.hwc[1] * s.hwc[2];
  return Array.from({ length: s.steps }, () => ({ x: Float32Array.from({ length: n }, gauss), y: Int32Array.from({ length: s.bs }, () => Math.floor(rand() * 10)) }));
}

type Run = { losses: number[]; ms: number[]; weights: Record<string, Float32Array> };

/**
 * Train the steps of `s` on the active backend from `init` (or the seeded init); with `until`
 * (a `performance.now()` time), stop after `minSteps` or more once the next step would end after it.
 */
async function train(s: Spec, data: { x: Float32Array; y: Int32Array }[], init?: Record<string, Float32Array>, until = Infinity, minSteps = 2): Promise<Run> {
  setSeed(0);
  const model = s.make();
  if (init) {
    const sd = model.stateDict();
    const ts = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, tf.tensor(v, sd[k].shape, sd[k].dtype)]));
    model.loadStateDict(ts);
    tf.dispose(Object.values(ts));
  }
  const weights: Record<string, Float32Array> = {};
  if (!init) for (const [k, v] of Object.entries(model.stateDict())) weights[k] = Float32Array.from(await v.data());
  model.train();
  const vars = model.parameters().filter((p) => p.trainable);
  const opt = sgd({ mom: 0.9 })([vars], s.lr);
  const losses: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (i >= minSteps && performance.now() + ms[i - 1] > until) break;
    const start = performance.now();
    const x = tf.tensor4d(data[i].x, [s.bs, ...s.hwc]);
    const y = tf.tensor1d(data[i].y, 'int32');
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), vars);
    opt.step(grads);
    const loss = (await value.data())[0];
    tf.dispose([x, y, value, ...Object.values(grads)]);
    ms.push(performance.now() - start);
    losses.push(loss);
  }
  opt.dispose();
  model.dispose();
  return { losses, ms, weights };
}

/** Median ms of the steps after `warmup` (the last step's, marked, when none is left). */
const fmtMs = (ms: number[], warmup: number): string => (ms.length > warmup ? median(ms.slice(warmup)).toFixed(0) : `(${ms.at(-1)?.toFixed(0)}, untimed)`);

const rows: string[][] = [['model', 'bs', 'webgpu ms/step', 'wasm ms/step', 'speed-up', 'steps compared', 'max |Δloss|/loss']];
for (const s of SPECS) {
  const data = batches(s);
  const last = s === SPECS.at(-1);
  // Each run stops early (after its warm-up and one timed step) rather than overrun the budget: a
  // GPU's steps are fast, so webgpu may use up to half of what is left; ResNet-18's wasm steps are
  // the slow ones, so the convnet's wasm run gets a third of what is left.
  const until = (share: number): number => performance.now() + (deadline - performance.now()) * share;
  await initBackend('webgpu', quiet);
  const gpu = await train(s, data, undefined, until(last ? 0.5 : 0.15), s.warmup + 1);
  console.log(`${s.name}, bs ${s.bs}: webgpu ${gpu.ms.map((m) => m.toFixed(0)).join(' ')} ms (first ${s.warmup} untimed), losses ${gpu.losses.map((l) => l.toFixed(5)).join(' ')}`);
  await initBackend('wasm', quiet);
  const cpu = await train(s, data, gpu.weights, until(last ? 1 : 0.3));
  console.log(`${s.name}, bs ${s.bs}: wasm ${cpu.ms.map((m) => m.toFixed(0)).join(' ')} ms, losses ${cpu.losses.map((l) => l.toFixed(5)).join(' ')}`);
  const n = Math.min(gpu.losses.length, cpu.losses.length);
  const rel = Math.max(...gpu.losses.slice(0, n).map((l, i) => Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i])));
  const warm = Math.min(s.warmup, cpu.ms.length - 1);
  const speed = median(cpu.ms.slice(warm)) / median(gpu.ms.slice(s.warmup));
  rows.push([s.key, String(s.bs), fmtMs(gpu.ms, s.warmup), fmtMs(cpu.ms, warm), `${speed.toFixed(1)}×`, String(n), rel.toExponential(1)]);
}
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`\n${rows.map((r) => r.map((cell, c) => cell.padEnd(w[c])).join('  ')).join('\n')}`);
const agree = rows.slice(1).every((r) => Number(r[6]) <= 1e-4);
console.log(`\nloss agreement: ${agree ? 'within 1e-4 relative on every step compared' : 'OUTSIDE 1e-4 relative — see the losses above'}; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
