/**
 * One measurement of `npm run bench`, in its own process (the wasm thread count is fixed per
 * process): trains MODEL at batch BS on THREADS wasm threads for WARMUP + STEPS steps and prints
 * one JSON line: the median ms per step after warm-up, every step's time, FLOPs per step, kernels
 * dispatched per step (tfai) and the peak RSS.
 *
 *   node --import tsx bench/step-child.ts --model course --bs 64 --threads 2 --steps 10 --warmup 3 [--impl tfai|layers]
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
import { MODELS, kernelsPerStep, stepFlopsPerSample } from './models.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, bs: { type: 'string' }, threads: { type: 'string' }, steps: { type: 'string' },
    warmup: { type: 'string' }, impl: { type: 'string' },
  },
});
const spec = MODELS[a.model ?? ''];
if (!spec) throw new Error(`step-child: unknown --model '${a.model}' (one of ${Object.keys(MODELS).join(', ')})`);
const bs = Number(a.bs ?? 64);
const steps = Number(a.steps ?? 10);
const warmup = Number(a.warmup ?? 3);
const impl = a.impl ?? 'tfai';

await initBackend('wasm', { threads: Number(a.threads ?? 1), log: () => {} });
const threads = wasmThreads()?.threads ?? 1;
/** CPU time of this process (all its threads), ms. */
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

/** Random images and labels, enough for every step. */
function data(n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomNormal([n, ...spec!.input], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32'),
  }));
}

/** Times each training batch, beginBatch to the next beginBatch, and stops after enough. */
class StepTimer extends Callback {
  override order = -100;
  times: number[] = [];
  cpu: number[] = [];
  private last = 0;
  private lastCpu = 0;
  override beginBatch(): void {
    const now = performance.now();
    const cpu = cpuMs();
    if (this.run.inTrain && this.last) {
      this.times.push(now - this.last);
      this.cpu.push(cpu - this.lastCpu);
    }
    this.last = this.run.inTrain ? now : 0;
    this.lastCpu = cpu;
    if (this.times.length >= steps + warmup) throw new CancelTrainError('enough steps measured');
  }
}

type Steps = { times: number[]; cpu: number[]; flops: number; kernels?: number };

async function tfaiSteps(): Promise<Steps> {
  setSeed(0);
  const n = bs * (steps + warmup + 1);
  const { x, y } = data(n);
  const bunch = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs, shuffle: true, seed: 1 }), new DataLoader(new TensorDataset(x, y), { bs }), 10);
  const flops = (await stepFlopsPerSample(spec!.build(), spec!.input)) * bs;
  const kernels = await kernelsPerStep(spec!.build(), spec!.input, Math.min(bs, 4));
  setSeed(0);
  const model = spec!.build();
  const learn = new Learner({ model, data: bunch, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.01 });
  const timer = new StepTimer();
  await new Runner({ cbs: [timer], log: () => {}, handleInterrupts: false }).fit(1, learn);
  return { times: timer.times.slice(warmup), cpu: timer.cpu.slice(warmup), flops, kernels };
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
  const n = bs * (steps + warmup + 1);
  const { x, y } = data(n);
  const y1 = tf.oneHot(y, 10).toFloat();
  const times: number[] = [];
  const cpu: number[] = [];
  let last = 0;
  let lastCpu = 0;
  await model.fit(x, y1, {
    batchSize: bs, epochs: 1, shuffle: true, verbose: 0,
    callbacks: {
      onBatchBegin: async () => {
        const now = performance.now();
        const c = cpuMs();
        if (last) {
          times.push(now - last);
          cpu.push(c - lastCpu);
        }
        last = now;
        lastCpu = c;
      },
    },
  });
  const flops = (await stepFlopsPerSample(spec!.build(), spec!.input)) * bs;
  return { times: times.slice(warmup), cpu: cpu.slice(warmup), flops };
}

const { times, cpu, flops, kernels } = impl === 'layers' ? await layersSteps() : await tfaiSteps();
console.log(JSON.stringify({ impl, model: a.model, bs, threads, ms: median(times), cpuMs: median(cpu), times, flops, kernels, peakRss: process.resourceUsage().maxRSS * 1024 }));
