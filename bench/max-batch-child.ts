/**
 * The largest training batch of a model that fits the wasm backend's 4 GiB heap, in its own
 * process: tfai's step-memory estimate (two probe steps; what `Runner.fit` checks before the
 * first step), then one real training step at that batch through `Runner.fit`, to show it runs.
 * Prints one JSON line: `{ model, maxBatch, perSampleMB, fixedMB, ran, ms, peakRss }`.
 *
 *   node --import tsx bench/max-batch-child.ts --model tv-resnet18-224 --threads 2
 */
import { parseArgs } from 'node:util';
import { tf, initBackend, setSeed, TensorDataset, DataLoader, DataBunch, Learner, Runner, Callback, CancelTrainError, crossEntropy, sgd } from '../src/index.js';
import { estimateStepMemory } from '../src/backend/wasm/memory-guard.js';
import { variableGradsOrFree } from '../src/core/tape.js';
import { MODELS } from './models.js';

const { values: a } = parseArgs({ options: { model: { type: 'string' }, threads: { type: 'string' }, 'no-run': { type: 'boolean' } } });
const spec = MODELS[a.model ?? ''];
if (!spec) throw new Error(`max-batch-child: unknown --model '${a.model}' (one of ${Object.keys(MODELS).join(', ')})`);
await initBackend('wasm', { threads: Number(a.threads ?? 1), log: () => {} });
setSeed(0);
const model = spec.build();
const learn0 = { lossFunc: crossEntropy };
const vars = model.parameters();
const probe = (n: number): void =>
  tf.tidy(() => {
    const x = tf.randomNormal([n, ...spec.input]);
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32');
    const { value, grads } = variableGradsOrFree(() => learn0.lossFunc(model.forward(x), y), vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
const weightBytes = vars.reduce((s, v) => s + v.size * 4, 0);
const est = await estimateStepMemory(probe, 1, 2 * weightBytes);
const out: Record<string, unknown> = { model: a.model, maxBatch: est.maxBatch, perSampleMB: est.perSample / 2 ** 20, fixedMB: est.fixed / 2 ** 20 };

/** Stops the fit after its first training step, timing it. */
class OneStep extends Callback {
  override order = -100;
  t0 = 0;
  ms = 0;
  override beginBatch(): void {
    if (this.run.inTrain) this.t0 = performance.now();
  }
  override afterStep(): void {
    this.ms = performance.now() - this.t0;
    throw new CancelTrainError('one step done');
  }
}

// One step at the estimate. The Runner checks it again with the batch itself in memory: when that
// tips it over, at the batch its refusal names.
let bs = est.maxBatch;
for (let attempt = 0; !a['no-run'] && bs > 0 && attempt < 3; attempt++) {
  const x = tf.randomNormal([bs, ...spec.input], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Array.from({ length: bs }, (_, i) => i % 10), 'int32');
  const ds = new TensorDataset(x, y);
  const learn = new Learner({ model, data: new DataBunch(new DataLoader(ds, { bs }), new DataLoader(ds, { bs }), 10), lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.01 });
  const step = new OneStep();
  try {
    await new Runner({ cbs: [step], log: () => {}, handleInterrupts: false }).fit(1, learn);
    out.ran = bs;
    out.ms = step.ms;
    break;
  } catch (e) {
    out.refused = e instanceof Error ? e.message : String(e);
    const at = /batch size of at most (\d+)/.exec(String(out.refused));
    bs = at && Number(at[1]) < bs ? Number(at[1]) : bs - 1;
  } finally {
    ds.dispose();
    learn.opt.dispose();
  }
}
out.peakRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(out));
