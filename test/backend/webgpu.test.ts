/**
 * Real WebGPU (Dawn) against wasm: the course's BatchNorm convnet trained from the same weights on
 * the same batches gives the same losses, and training on webgpu keeps the tensor count flat.
 *
 * CI provides a software adapter (Mesa's lavapipe, `.ci/run`); on a machine with a GPU the
 * hardware adapter is used. The `lavapipe` system suite: skipped, with a closing line, where Dawn
 * gives no adapter (and failing then under TFAI_REQUIRE_SUITES, as in CI).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  tf, initBackend, setSeed, errorRate, topKAccuracy, f1Score, fitOneCycle, GradientAccumulation, GradientClipping,
  ReduceLROnPlateau, ClassificationInterpretation, TensorDataset, DataLoader, DataBunch, getCnnModel, convLayer, initCnn, Learner, Runner,
  Callback, AvgStatsCallback, CudaCallback, Hooks, appendStats, crossEntropy, sgd, accuracy, type Sequential, type ActivationStats,
} from '../../src/index.js';
import { loadMnistArrays } from '../../src/data/index.js';
import { gpuStatus, webgpuAdapter, describeAdapter } from '../../src/backend/index.js';
import { describeSuite } from '../helpers/suites.js';

const STEPS = 5;
const BS = 32;
type Arrays = { x: Float32Array; y: Int32Array; n: number };
let train: Arrays;
let valid: Arrays;

/** A DataBunch on the active backend from host arrays (unshuffled: the same batches everywhere). */
function bunch(): DataBunch {
  const ds = (s: Arrays): TensorDataset => new TensorDataset(tf.tensor4d(s.x, [s.n, 28, 28, 1]), tf.tensor1d(s.y, 'int32'));
  return new DataBunch(new DataLoader(ds(train), { bs: BS }), new DataLoader(ds(valid), { bs: BS }), 10);
}

/** The course convnet (conv_layer with BatchNorm2d and GeneralRelu, nfs [8, 16, 32, 64, 64]), with weights `init` if given. */
function courseCnn(data: DataBunch, init?: Record<string, Float32Array>): Sequential {
  setSeed(1);
  const model = getCnnModel(data, [8, 16, 32, 64, 64], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
  initCnn(model);
  if (init) {
    const sd = model.stateDict();
    const loaded = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, tf.tensor(v, sd[k].shape, sd[k].dtype)]));
    model.loadStateDict(loaded);
    tf.dispose(Object.values(loaded));
  }
  return model;
}

/** The training loss of every batch (read asynchronously), and the tensor count after each epoch. */
class Probe extends Callback {
  override order = 100;
  losses: number[] = [];
  counts: number[] = [];
  override async afterLoss(): Promise<void> {
    if (this.run.inTrain) this.losses.push((await this.run.loss.data())[0]);
  }
  override afterEpoch(): void {
    this.counts.push(tf.memory().numTensors);
  }
}

async function train5(init?: Record<string, Float32Array>): Promise<{ losses: number[]; weights: Record<string, Float32Array> }> {
  const data = bunch();
  const model = courseCnn(data, init);
  const weights: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(model.stateDict())) weights[k] = Float32Array.from(await v.data());
  const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });
  const probe = new Probe();
  await new Runner({ cbs: [probe], log: () => {} }).fit(1, learn);
  model.dispose();
  learn.opt.dispose();
  data.dispose();
  return { losses: probe.losses, weights };
}

describeSuite('lavapipe', 'webgpu (Dawn) against wasm', () => {
  beforeAll(async () => {
    const a = await loadMnistArrays();
    const norm = (v: Float32Array): Float32Array => v.map((p) => (p - 0.13) / 0.31);
    // The arrays are sorted by class: take every k-th image so that each batch holds every digit.
    const take = (x: Float32Array, y: ArrayLike<number>, n: number): Arrays => {
      const k = Math.floor(y.length / n);
      const idx = Array.from({ length: n }, (_, i) => i * k);
      const xs = new Float32Array(n * 784);
      idx.forEach((j, i) => xs.set(x.subarray(j * 784, (j + 1) * 784), i * 784));
      return { x: norm(xs), y: Int32Array.from(idx, (j) => y[j]), n };
    };
    train = take(a.trainX, a.trainY, STEPS * BS);
    valid = take(a.validX, a.validY, BS);
  });
  afterAll(async () => {
    await initBackend('wasm', { log: () => {} });
  });

  it('an adapter can be created (the reason otherwise)', async () => {
    const got = await initBackend('webgpu', { log: () => {} });
    if (got !== 'webgpu') expect.fail(`no WebGPU backend: ${gpuStatus()}`);
    const a = webgpuAdapter();
    expect(a).not.toBeNull();
    console.log(`webgpu test adapter: ${describeAdapter(a!)}`);
  });

  it(`the course convnet: ${STEPS} training steps from the same weights give the same losses (≤ 1e-4 relative)`, async () => {
    await initBackend('wasm', { log: () => {} });
    const ref = await train5();
    expect(tf.getBackend()).toBe('wasm');
    await initBackend('webgpu', { log: () => {} });
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await train5(ref.weights);
    expect(ref.losses).toHaveLength(STEPS);
    expect(gpu.losses).toHaveLength(STEPS);
    const rel = gpu.losses.map((l, i) => Math.abs(l - ref.losses[i]) / Math.abs(ref.losses[i]));
    console.log(`losses wasm ${ref.losses.map((l) => l.toFixed(6)).join(' ')}\nlosses webgpu ${gpu.losses.map((l) => l.toFixed(6)).join(' ')}\nrelative ${rel.map((r) => r.toExponential(1)).join(' ')}`);
    for (const r of rel) expect(r).toBeLessThanOrEqual(1e-4);
  });

  it('tf.memory().numTensors is flat over two epochs after a warm-up epoch, with CudaCallback, AvgStatsCallback and stats hooks', async () => {
    await initBackend('webgpu', { log: () => {} });
    const data = bunch();
    const model = courseCnn(data);
    const hooks = new Hooks<ActivationStats>(model.children().slice(0, 2), appendStats);
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });
    const probe = new Probe();
    const lines: string[] = [];
    const stats = new AvgStatsCallback([accuracy], { print: false });
    await new Runner({ cbs: [stats, new CudaCallback({ log: (l) => lines.push(l) }), probe], log: () => {} }).fit(3, learn);
    console.log(`webgpu, 3 epochs of ${STEPS} batches: train loss ${stats.history.map((h) => h.train[0].toFixed(3)).join(' → ')}, tensors after each epoch ${probe.counts.join(', ')}`);
    expect(stats.history[2].train[0]).toBeLessThan(stats.history[0].train[0]); // it trains
    expect(probe.counts[2]).toBe(probe.counts[1]);
    expect(probe.counts[1]).toBe(probe.counts[0]);
    expect(lines.join('\n')).toMatch(/webgpu/);
    // The hooks' statistics came to the host with asynchronous reads, and are there when fit returns.
    expect(hooks[1].stats!.means).toHaveLength(3 * STEPS);
    expect(hooks[1].stats!.hists.every((h) => h.length === 40)).toBe(true);
    hooks.remove();
    model.dispose();
    learn.opt.dispose();
    data.dispose();
  });
  it('the training features on webgpu give wasm\'s numbers: metrics, clipping, accumulation, one-cycle, ReduceLROnPlateau, interpretation', async () => {
    const run = async (init?: Record<string, Float32Array>): Promise<{ hist: number[][]; confusion: number[][]; counts: number[]; weights: Record<string, Float32Array> }> => {
      const data = bunch();
      const model = courseCnn(data, init);
      const weights: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(model.stateDict())) weights[k] = Float32Array.from(await v.data());
      const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.1 });
      const stats = new AvgStatsCallback([accuracy, errorRate, topKAccuracy(3), f1Score()], { print: false });
      const probe = new Probe();
      await fitOneCycle(2, 0.1, {
        learn,
        cbs: [stats, new GradientAccumulation({ steps: 2 }), new GradientClipping({ maxNorm: 1 }), new ReduceLROnPlateau({ patience: 0 }), probe],
        runner: { log: () => {} },
      });
      const interp = await ClassificationInterpretation.fromLearner(learn);
      const out = { hist: stats.history.map((h) => [...h.train, ...h.valid]), confusion: interp.confusionMatrix(), counts: probe.counts, weights };
      model.dispose();
      learn.opt.dispose();
      data.dispose();
      return out;
    };
    await initBackend('wasm', { log: () => {} });
    const ref = await run();
    await initBackend('webgpu', { log: () => {} });
    const gpu = await run(ref.weights); // the same starting weights (random draws differ between backends)
    expect(gpu.counts[1]).toBe(gpu.counts[0]);
    gpu.hist.flat().forEach((v, i) => expect(v, `metric ${i}: webgpu ${v}, wasm ${ref.hist.flat()[i]}`).toBeCloseTo(ref.hist.flat()[i], 3));
    expect(gpu.confusion).toEqual(ref.confusion);
  });
});
