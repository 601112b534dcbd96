/**
 * How long training from a folder of JPEGs waits on data (a child process of bench/images.ts): the
 * narrow ResNet trained on `--dir`'s training images at `--size` (random crop, flip, augTransforms),
 * `--steps` batches after a warm-up; a callback times each step (`beginBatch` → `afterBatch`) and
 * the wait before it (`afterBatch` → the next `beginBatch`: the loader handing over the next batch
 * and making its tensors). Prints one JSON line: the wait as a share of the step, and their medians.
 */
import { parseArgs } from 'node:util';
import {
  initBackend, setSeed, ImageDataBunch, Resize, FlipItem, augTransforms, Learner, Runner, Callback, CancelTrainError, ResNet, BasicBlock, crossEntropy, sgd,
} from '../src/index.js';
import type { ImageDataset } from '../src/data/index.js';
import { median } from './stats.js';

const { values: a } = parseArgs({ options: { dir: { type: 'string' }, workers: { type: 'string' }, size: { type: 'string' }, bs: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' } } });
const backend = await initBackend('wasm', { log: () => {} });
setSeed(1);
const size = Number(a.size ?? 64);
const steps = Number(a.steps ?? 20);
const warmup = Number(a.warmup ?? 3);
const data = await ImageDataBunch.fromFolder(a.dir!, {
  itemTfms: [new Resize(size), new FlipItem()], batchTfms: augTransforms(), bs: Number(a.bs ?? 64), ...(a.workers ? { workers: Number(a.workers) } : {}),
});
const model = new ResNet(BasicBlock, [1, 1, 1, 1], { widths: [16, 32, 64, 128] });

/** Times each batch's step and the wait before it; stops the fit after `warmup + steps` batches. */
class DataWait extends Callback {
  readonly waits: number[] = [];
  readonly steps: number[] = [];
  private ended = 0;
  private began = 0;
  private n = 0;
  override beginBatch(): void {
    this.began = performance.now();
    if (this.ended > 0 && this.n >= warmup) this.waits.push(this.began - this.ended);
  }
  override afterBatch(): void {
    this.ended = performance.now();
    if (this.n >= warmup) this.steps.push(this.ended - this.began);
    if (++this.n >= warmup + steps) throw new CancelTrainError();
  }
}
const dw = new DataWait();
const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.05 });
await new Runner({ cbs: [dw] }).fit(1, learn);
data.dispose();
const wait = dw.waits.reduce((s, v) => s + v, 0);
const step = dw.steps.slice(1).reduce((s, v) => s + v, 0); // the waits follow steps 0 … n-2
console.log(JSON.stringify({ backend, decoder: (data.trainDs as ImageDataset).decoder.name, waitShare: wait / (wait + step), waitMs: median(dw.waits), stepMs: median(dw.steps), batches: dw.steps.length }));
