/**
 * Soak: 2,000 training steps of a small convnet on the cpu backend with every shipped callback
 * attached — AvgStatsCallback, Recorder, ParamScheduler, CudaCallback, BatchTransformXCallback,
 * CheckpointCallback (every epoch), ProgressCallback, EarlyStoppingCallback (patient enough never
 * to stop) and TerminateOnNaNCallback. After warm-up `tf.memory().numTensors` and `numBytes` must
 * not move from epoch to epoch; RSS growth is printed.
 *
 * Not attached: `LRFinder` (its job is to end the fit after a short lr sweep) and `Hooks` /
 * `ActivationStats` (not callbacks; they keep per-batch statistics by design, so they grow).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import {
  tf, Runner, Callback, Learner, Sequential, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Flatten, Dropout, Linear,
  TensorDataset, DataLoader, DataBunch, crossEntropy, sgd, setSeed, accuracy, combineScheds, schedCos,
  AvgStatsCallback, Recorder, ParamScheduler, CudaCallback, BatchTransformXCallback, viewTfm, CheckpointCallback,
  ProgressCallback, EarlyStoppingCallback, TerminateOnNaNCallback,
} from '../../src/index.js';
import { useBackend } from '../helpers/backend.js';

const STEPS = 2000;
const BS = 2;
const N_TRAIN = 80; // 40 steps per epoch → 50 epochs
const WARMUP = 5; // epochs

// A full GC before reading RSS, so the figure shows retained memory rather than V8's lazy collection
// (without it the heap climbs by tens of MB between major GCs and drops back).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-soak-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Flat 64-value items (viewed as 8×8×1 by the batch transform), 3 classes. */
function data(): DataBunch {
  setSeed(0);
  const mk = (n: number, seed: number): TensorDataset => {
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
    const x = tf.tidy(() => tf.add(tf.gather(tf.randomNormal([3, 64], 0, 1, 'float32', 5), y), tf.randomNormal([n, 64], 0, 0.8, 'float32', seed)));
    return new TensorDataset(x, y);
  };
  return new DataBunch(new DataLoader(mk(N_TRAIN, 6), { bs: BS, shuffle: true, seed: 2 }), new DataLoader(mk(8, 7), { bs: 4 }), 3);
}

function model(): Sequential {
  setSeed(1);
  return new Sequential(
    new Conv2d(1, 8, 3, { stride: 2, padding: 1 }), new BatchNorm2d(8), new ReLU(),
    new Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new BatchNorm2d(16), new ReLU(),
    new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(0.1), new Linear(16, 3),
  );
}

/** tf memory every epoch; RSS and heap after a full GC at the end of warm-up and of the fit. */
class Meter extends Callback {
  override order = 1000;
  tensors: number[] = [];
  bytes: number[] = [];
  rss: number[] = [];
  settled: { rss: number; heap: number }[] = [];
  override afterEpoch(): void {
    const m = tf.memory();
    this.tensors.push(m.numTensors);
    this.bytes.push(m.numBytes);
    this.rss.push(process.memoryUsage().rss);
    if (this.run.epoch + 1 === WARMUP || this.run.epoch + 1 === this.run.epochs) {
      gc();
      const u = process.memoryUsage();
      this.settled.push({ rss: u.rss, heap: u.heapUsed });
    }
  }
}

describe('soak', () => {
  it(`${STEPS} steps with every shipped callback: tensors and bytes flat after warm-up`, async () => {
    const epochs = STEPS / (N_TRAIN / BS);
    const learn = new Learner({ model: model(), data: data(), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9, wd: 1e-4 }), lr: 0.05 });
    const meter = new Meter();
    const rec = new Recorder();
    const ckpt = new CheckpointCallback({ dir, keep: 2, monitor: 'valid_loss' });
    const sink = { write: (): boolean => true, isTTY: false };
    const run = new Runner({
      log: () => {},
      cbs: [
        new AvgStatsCallback([accuracy], { print: false }), rec,
        new ParamScheduler('lr', combineScheds([0.3, 0.7], [schedCos(0.02, 0.1), schedCos(0.1, 0.005)])),
        new CudaCallback({ log: () => {} }), new BatchTransformXCallback(viewTfm(8, 8, 1)), ckpt,
        new ProgressCallback({ stream: sink }), new EarlyStoppingCallback({ patience: 10 * epochs, log: () => {} }),
        new TerminateOnNaNCallback({ log: () => {} }), meter,
      ],
    });
    const t0 = performance.now();
    await run.fit(epochs, learn);
    const secs = (performance.now() - t0) / 1000;

    expect(rec.losses).toHaveLength(STEPS);
    expect(ckpt.saved).toHaveLength(epochs);
    const settled = meter.tensors.slice(WARMUP);
    expect(new Set(settled).size, `numTensors per epoch: ${meter.tensors.join(' ')}`).toBe(1);
    expect(new Set(meter.bytes.slice(WARMUP)).size, `numBytes per epoch: ${meter.bytes.join(' ')}`).toBe(1);
    const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
    const [warm, end] = meter.settled;
    const growth = end.rss - warm.rss;
    console.log(
      `soak: ${STEPS} steps, ${epochs} epochs, ${epochs} checkpoints in ${secs.toFixed(1)} s; tf tensors ${settled[0]} (${meter.bytes.at(-1)} bytes) flat after epoch ${WARMUP}; ` +
        `after a full GC: RSS ${mb(warm.rss)} MB after warm-up → ${mb(end.rss)} MB at the end (growth ${mb(growth)} MB), heap ${mb(warm.heap)} → ${mb(end.heap)} MB; ` +
        `RSS without forcing GC peaked at ${mb(Math.max(...meter.rss))} MB`,
    );
    // Retained JS memory must be flat (the recorder's 2,000 losses and 50 stats rows are ~0.5 MB).
    // RSS is reported, with only a loose bound: after a GC it still moves by tens of MB from run to
    // run because freed malloc pages are not always returned to the OS.
    expect(end.heap - warm.heap).toBeLessThan(8 * 2 ** 20);
    expect(growth).toBeLessThan(128 * 2 ** 20);
  });
});
