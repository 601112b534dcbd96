/**
 * The page side of `npm run bench:browser`: what bench/step-child.ts measures in Node, measured in
 * a tab — `Runner.fit` of MODEL at batch BS on THREADS wasm threads over a shuffled `DataLoader` of
 * random data, first untimed for at least WARMUP steps and WARMUP_MS milliseconds, then STEPS timed
 * steps (beginBatch to the next beginBatch). Bundled for the page from the same sources (tfai's
 * browser modules in place of the Node ones); options from the query string
 * (`?model=course&bs=64&threads=2&steps=61&warmup=5&warmupMs=4000`); the outcome in
 * `globalThis.benchResult`.
 */
import {
  tf, initBackend, setSeed, TensorDataset, DataLoader, DataBunch, Learner, Runner, Callback, CancelTrainError, crossEntropy, sgd,
} from '../src/index.js';
import { wasmThreads } from '../src/backend/init-backend.js';
import { MODELS } from './models.js';
import { median } from './stats.js';

const q = new URLSearchParams(location.search);
const spec = MODELS[q.get('model') ?? ''];
const bs = Number(q.get('bs') ?? 64);
const steps = Number(q.get('steps') ?? 10);
const warmup = Number(q.get('warmup') ?? 3);
const warmupMs = Number(q.get('warmupMs') ?? 0);

/** Times each training batch and stops after the warm-up and `steps` timed steps. */
class StepTimer extends Callback {
  override order = -100;
  readonly times: number[] = [];
  warmupSteps = 0;
  private readonly t0 = performance.now();
  private warmed = false;
  private last = 0;

  override beginBatch(): void {
    const now = performance.now();
    if (this.run.inTrain && this.last) {
      if (this.warmed) this.times.push(now - this.last);
      else {
        this.warmupSteps++;
        this.warmed = this.warmupSteps >= warmup && now - this.t0 >= warmupMs;
      }
    }
    this.last = this.run.inTrain ? now : 0;
    if (this.times.length >= steps) throw new CancelTrainError('enough steps measured');
  }
}

async function measure(): Promise<object> {
  if (!spec) throw new Error(`unknown model '${q.get('model')}'`);
  const lines: string[] = [];
  await initBackend('wasm', { threads: Number(q.get('threads') ?? 1), log: (l) => lines.push(l) });
  setSeed(0);
  // as step-child: at most 16 batches of random data, one untimed validation batch per epoch
  const n = bs * Math.min(steps + warmup + 1, 16);
  const { x, y } = tf.tidy(() => ({
    x: tf.randomNormal([n, ...spec.input], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32'),
  }));
  const bunch = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs, shuffle: true, seed: 1 }), new DataLoader(new TensorDataset(x.slice(0, bs), y.slice(0, bs)), { bs }), 10);
  setSeed(0);
  const learn = new Learner({ model: spec.build(), data: bunch, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.01 });
  const timer = new StepTimer();
  await new Runner({ cbs: [timer], log: () => {}, handleInterrupts: false }).fit(100_000, learn);
  return { ms: median(timer.times), times: timer.times, warmupSteps: timer.warmupSteps, threads: wasmThreads()?.threads ?? 1, line: lines.join('\n'), isolated: crossOriginIsolated };
}

(globalThis as { benchResult?: Promise<object> }).benchResult = measure().catch((e: unknown) => ({ error: String((e as Error)?.stack ?? e) }));
