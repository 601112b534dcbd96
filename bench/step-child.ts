/**
 * One measurement of `npm run bench`, in its own process (the wasm thread count is fixed per
 * process): trains MODEL at batch BS on THREADS wasm threads, first untimed for at least WARMUP
 * steps and WARMUP_MS milliseconds, then STEPS timed steps, and prints one JSON line: the median ms
 * per timed step, every timed step's time, the warm-up's step count, FLOPs per step, kernels
 * dispatched per step (tfai), how many of the kernel pool's measured call sites split and how
 * many run on one thread, and the peak RSS.
 *
 * The warm-up is long in time, not only in steps, because V8 optimises tfjs-core's and tfai's
 * JavaScript (the per-kernel dispatch) over the first few hundred steps: measured on the course
 * net at bs 32, one thread, steps take ≈ 1.5–2× longer in the first ≈ 2 s than from then on, which
 * is what every epoch after the first seconds runs at. PyTorch's side warms up the same way.
 *
 *   node --import tsx bench/step-child.ts --model course --bs 64 --threads 2 --steps 10 --warmup 3 --warmup-ms 4000 [--impl tfai|layers]
 *
 * `--serve` (tfai only; see bench/scaling.ts): after the warm-up, the child sends `{ ready }` to its
 * parent over the IPC channel and then times steps in windows on the parent's orders —
 * `{ run: k }`: time k steps and answer `{ window: ms[], cpu: ms[] }`; `{ stop: true }`: print the
 * JSON line and exit — idle in between, so that two children can take turns on the same cores.
 *
 * `tfai`: `Runner.fit` over a shuffled `DataLoader` of random data (loader, step and the runner's
 * own callbacks included: what a user's training step costs). `layers`: the same course network
 * built with tfjs-layers and trained with `model.fit` on the wasm backend, with tfai's kernels
 * registered (`registerWasmTrainingKernels`), timed per batch the same way.
 */
import { parseArgs } from 'node:util';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  tf, initBackend, setSeed, TensorDataset, DataLoader, DataBunch, Learner, Runner, Callback, CancelTrainError, crossEntropy, sgd,
} from '../src/index.js';
import { wasmThreads } from '../src/backend/init-backend.js';
import { pendingSplitTrials, splitDecisions } from '../src/backend/wasm/pool.js';
import { MODELS, kernelsPerStep, stepFlopsPerSample } from './models.js';
import { median } from './stats.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, bs: { type: 'string' }, threads: { type: 'string' }, steps: { type: 'string' },
    warmup: { type: 'string' }, 'warmup-ms': { type: 'string' }, impl: { type: 'string' }, serve: { type: 'boolean' },
  },
});
const spec = MODELS[a.model ?? ''];
if (!spec) throw new Error(`step-child: unknown --model '${a.model}' (one of ${Object.keys(MODELS).join(', ')})`);
const bs = Number(a.bs ?? 64);
const steps = Number(a.steps ?? 10);
const warmup = Number(a.warmup ?? 3);
const warmupMs = Number(a['warmup-ms'] ?? 0);
const impl = a.impl ?? 'tfai';
const serve = a.serve ?? false;
if (serve && (impl !== 'tfai' || !process.send)) throw new Error('step-child: --serve needs --impl tfai and an IPC channel to the parent');

/** An order of the parent in `--serve` mode. */
type Order = { run: number } | { stop: true };
const orders: Order[] = [];
let wakeUp: (() => void) | undefined;
if (serve) process.on('message', (m) => { orders.push(m as Order); wakeUp?.(); });
/** The parent's next order (waits for it). */
async function nextOrder(): Promise<Order> {
  while (orders.length === 0) await new Promise<void>((resolve) => (wakeUp = resolve));
  return orders.shift()!;
}

await initBackend('wasm', { threads: Number(a.threads ?? 1), log: () => {} });
const threads = wasmThreads()?.threads ?? 1;
/** CPU time of this process (all its threads), ms. */
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Random images and labels, enough for every step. */
function data(n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomNormal([n, ...spec!.input], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32'),
  }));
}

/**
 * Warm-up steps on several threads: the kernel pool times each call site both ways over its first
 * 8 calls before it chooses whether to split it (src/backend/wasm/split-policy.ts), and a training
 * step calls each of its sites at least once.
 */
const TRIAL_STEPS = 9;

/**
 * Decides when the warm-up is over: after `warmup` steps and `warmupMs` ms, whichever is later,
 * and on several threads once the kernel pool has chosen for its call sites whether to split them
 * (every site chosen, or `TRIAL_STEPS` steps: sites met only outside the training step, such as
 * the validation batch's, may take longer), so that the timed steps are the ones an epoch runs.
 */
class WarmUp {
  steps = 0;
  private readonly t0 = performance.now();
  /** Counts one untimed step; true once the warm-up has ended (that step is still untimed). */
  done(): boolean {
    if (this.steps < warmup || performance.now() - this.t0 < warmupMs) return false;
    return threads === 1 || this.steps >= TRIAL_STEPS || pendingSplitTrials() === 0;
  }
}

/** Times each training batch, beginBatch to the next beginBatch, and stops after enough. */
class StepTimer extends Callback {
  override order = -100;
  times: number[] = [];
  cpu: number[] = [];
  readonly warm = new WarmUp();
  private warmed = false;
  private last = 0;
  private lastCpu = 0;
  /** `--serve`: where the current window of timed steps starts and ends (indices into `times`). */
  private windowStart = 0;
  private windowEnd = 0;
  override async beginBatch(): Promise<void> {
    let now = performance.now();
    let cpu = cpuMs();
    let lastStepMs = 0;
    if (this.run.inTrain && this.last) {
      if (this.warmed) {
        this.times.push(now - this.last);
        this.cpu.push(cpu - this.lastCpu);
      } else {
        this.warm.steps++;
        this.warmed = this.warm.done();
        lastStepMs = now - this.last;
      }
    }
    if (serve && this.warmed && this.times.length >= this.windowEnd) {
      // End of the warm-up or of a window: report, then idle until the parent's next order.
      process.send!(this.windowEnd === 0
        ? { ready: true, warmupSteps: this.warm.steps, lastStepMs }
        : { window: this.times.slice(this.windowStart), cpu: this.cpu.slice(this.windowStart) });
      const order = await nextOrder();
      if ('stop' in order) throw new CancelTrainError('stopped by the parent');
      this.windowStart = this.times.length;
      this.windowEnd = this.times.length + order.run;
      now = performance.now();
      cpu = cpuMs();
    }
    this.last = this.run.inTrain ? now : 0;
    this.lastCpu = cpu;
    if (!serve && this.times.length >= steps) throw new CancelTrainError('enough steps measured');
  }
}

type Steps = { times: number[]; cpu: number[]; warmupSteps: number; flops: number; kernels?: number };

/**
 * Batches of data: at most 16 (the timers run over as many epochs as they need, each ending with
 * one untimed validation batch), so that the data adds little to the peak RSS the bench reports.
 */
const nItems = (): number => bs * (serve ? 16 : Math.min(steps + warmup + 1, 16));
/** Epochs to allow: far more than the warm-up and the timed steps can use. */
const EPOCHS = 100_000;

async function tfaiSteps(): Promise<Steps> {
  setSeed(0);
  const { x, y } = data(nItems());
  const bunch = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs, shuffle: true, seed: 1 }), new DataLoader(new TensorDataset(x.slice(0, bs), y.slice(0, bs)), { bs }), 10);
  const flops = (await stepFlopsPerSample(spec!.build(), spec!.input)) * bs;
  const kernels = await kernelsPerStep(spec!.build(), spec!.input, Math.min(bs, 4));
  setSeed(0);
  const model = spec!.build();
  const learn = new Learner({ model, data: bunch, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.01 });
  const timer = new StepTimer();
  await new Runner({ cbs: [timer], log: () => {}, handleInterrupts: false }).fit(EPOCHS, learn);
  return { times: timer.times, cpu: timer.cpu, warmupSteps: timer.warm.steps, flops, kernels };
}

/** The course's GeneralRelu as a tfjs-layers layer: leakyRelu(0.1) - 0.4, at most 6. */
class GeneralReluLayer extends tfl.layers.Layer {
  static className = 'GeneralReluLayer';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const t = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.minimum(tf.sub(tf.leakyRelu(t, 0.1), 0.4), 6));
  }
}

async function layersSteps(): Promise<Steps> {
  if (a.model !== 'course') throw new Error('step-child: --impl layers is built for --model course only');
  const nfs = [8, 16, 32, 64, 64];
  const layers: tfl.layers.Layer[] = [];
  nfs.forEach((nf, i) => {
    const ks = i === 0 ? 5 : 3;
    layers.push(
      tfl.layers.conv2d({ ...(i === 0 ? { inputShape: spec!.input } : {}), filters: nf, kernelSize: ks, strides: 2, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: i }) }),
      new GeneralReluLayer({}),
      tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }),
    );
  });
  layers.push(tfl.layers.globalAveragePooling2d({}), tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }));
  const model = tfl.sequential({ layers });
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: tf.losses.softmaxCrossEntropy });
  const { x, y } = data(nItems());
  const y1 = tf.oneHot(y, 10).toFloat();
  const times: number[] = [];
  const cpu: number[] = [];
  const warm = new WarmUp();
  let warmed = false;
  let last = 0;
  let lastCpu = 0;
  await model.fit(x, y1, {
    batchSize: bs, epochs: EPOCHS, shuffle: true, verbose: 0,
    callbacks: {
      onBatchBegin: async () => {
        const now = performance.now();
        const c = cpuMs();
        if (last && warmed) {
          times.push(now - last);
          cpu.push(c - lastCpu);
        } else if (last) {
          warm.steps++;
          warmed = warm.done();
        }
        last = now;
        lastCpu = c;
      },
      // tfjs-layers checks `stopTraining` after each batch.
      onBatchEnd: async () => {
        if (times.length >= steps) model.stopTraining = true;
      },
      // A new epoch's first batch follows the previous epoch's end: not a step to time.
      onEpochBegin: async () => {
        last = 0;
      },
    },
  });
  const flops = (await stepFlopsPerSample(spec!.build(), spec!.input)) * bs;
  return { times, cpu, warmupSteps: warm.steps, flops };
}

const { times, cpu, warmupSteps, flops, kernels } = impl === 'layers' ? await layersSteps() : await tfaiSteps();
const sites = splitDecisions();
/** The pool's measured call sites at the end: how many split, how many run on the calling thread. */
const splits = { split: sites.filter((d) => d.split === true).length, serial: sites.filter((d) => d.split === false).length };
console.log(JSON.stringify({ impl, model: a.model, bs, threads, ms: median(times), cpuMs: median(cpu), times, warmupSteps, flops, kernels, splits, peakRss: process.resourceUsage().maxRSS * 1024 }));
if (serve) process.disconnect();
