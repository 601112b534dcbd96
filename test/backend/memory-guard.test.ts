import { beforeAll, describe, expect, it } from 'vitest';
import {
  tf, setSeed, TensorDataset, DataLoader, DataBunch, Sequential, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d,
  Flatten, Linear, Lambda, Learner, Runner, crossEntropy, sgd,
} from '../../src/index.js';
import { initBackend } from '../../src/backend/init-backend.js';
import { PROBE_SIZES, WasmMemoryError, WASM_HEAP_LIMIT, assertStepFits, estimateStepMemory, wasmPeakBytesDuring } from '../../src/backend/wasm/memory-guard.js';
import { wasmInternals } from '../../src/backend/wasm/internals.js';
import { checkStepMemory } from '../../src/core/step-memory.js';
import { getRngState } from '../../src/core/rng.js';

/** A convnet with a few MB of activations per 24×24 sample (192 channels at full resolution). */
function wideNet(): Sequential {
  setSeed(3);
  return new Sequential(
    new Conv2d(3, 192, 3, { padding: 1, bias: false }), new BatchNorm2d(192), new ReLU(),
    new Conv2d(192, 16, 3, { stride: 2, padding: 1 }), new ReLU(),
    new AdaptiveAvgPool2d(1), new Flatten(), new Linear(16, 4),
  );
}

function learner(n: number, bs: number): Learner {
  const x = tf.randomNormal([n, 24, 24, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32');
  const data = new DataBunch(new DataLoader(new TensorDataset(x, y), { bs }), new DataLoader(new TensorDataset(x, y), { bs }), 4);
  return new Learner({ model: wideNet(), data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.01 });
}

describe('wasm 4 GB guard', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => {} });
  });

  it('the estimate from 2- and 4-sample probes covers the allocator peak of a real step, with slack', async () => {
    const learn = learner(16, 16);
    const [[xb, yb]] = [await learn.data.trainDl[Symbol.asyncIterator]().next().then((r) => r.value as [tf.Tensor, tf.Tensor])];
    const step = (n: number): void =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => learn.lossFunc(learn.model.forward(tf.slice(xb, 0, n)), tf.slice(yb, 0, n)), learn.trainableVars);
        tf.dispose([value, ...Object.values(grads)]);
      });
    const est = await estimateStepMemory(step, 16);
    const actual = tf.memory().numBytes + wasmPeakBytesDuring(wasmInternals(tf.backend())!, () => step(16));
    expect(est.perSample).toBeGreaterThan(1e6);
    // the per-sample part carries the allocator's slack (1.3×), the fixed part does not
    expect(est.need / actual).toBeGreaterThan(1.0);
    expect(est.need / actual).toBeLessThan(1.35);
    expect(est.maxBatch).toBeGreaterThan(16);
  });

  it('the allocator peak counts each buffer once and sees frees (Emscripten stubs replace themselves at first call)', () => {
    const be = wasmInternals(tf.backend())!;
    const mb = 2 ** 20;
    const peak = wasmPeakBytesDuring(be, () => {
      for (let i = 0; i < 10; i++) {
        const t = tf.fill([mb / 4], i);
        const saved = tf.clone(t); // shares t's buffer
        tf.dispose([t, saved]);
      }
    });
    expect(peak).toBe(mb);
    const malloc = be.wasm._malloc;
    wasmPeakBytesDuring(be, () => tf.dispose(tf.fill([16], 1)));
    expect(be.wasm._malloc).toBe(malloc); // what was installed is back
  });

  it('an allocation past the 4 GB heap throws WasmMemoryError at once, and the backend still works', async () => {
    const be = wasmInternals(tf.backend())!;
    const held: tf.Tensor[] = [];
    // 1.2 GB buffers, allocated and never written (so no real memory is touched): the fourth
    // cannot fit; without the guard the allocator returns 0, or (its sbrk wrapping past 2^32) a
    // block beyond the heap's end, and the tensor is written over memory that is not its own.
    const grab = (): void => {
      for (let i = 0; i < 4; i++) held.push(tf.engine().makeTensorFromTensorInfo(be.makeOutput([300_000_000], 'float32')));
    };
    try {
      expect(grab).toThrow(WasmMemoryError);
      expect(held).toHaveLength(3);
      expect(grab).toThrow(/^the wasm backend is out of memory: it could not allocate 1\.12 GB with its heap at \d\.\d\d GB/);
    } finally {
      tf.dispose(held);
    }
    const a = tf.tensor1d([1, 2, 3]);
    expect(Array.from(await tf.square(a).data())).toEqual([1, 4, 9]);
    a.dispose();
  });

  it('a batch that cannot fit 4 GB fails at the first batch, naming model, batch size and need; nothing changes', async () => {
    const learn = learner(2000, 2000);
    const model = learn.model as Sequential;
    const bn = model.children()[1] as BatchNorm2d;
    const meanBefore = Array.from(await bn.buffers()[0]!.data());
    const weightsBefore = Array.from(await learn.trainableVars[0]!.data());
    const rngBefore = JSON.stringify(getRngState());
    const forwardSizes: number[] = []; // the batch size of every forward pass
    const forward = model.forward.bind(model);
    model.forward = (x: tf.Tensor): tf.Tensor => (forwardSizes.push(x.shape[0]!), forward(x));
    const err = await new Runner({ cbs: [], log: () => {} }).fit(1, learn).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(WasmMemoryError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Sequential \(0\.\d+M parameters\) at batch size 2000 needs about \d+\.\d+ GB of wasm memory/);
    expect(msg).toMatch(/at most 4 GB \(wasm32\)\. Use a batch size of at most \d+, or train on a backend without this limit/);
    // at once: only the probes ran (on PROBE_SIZES samples), never a step on the 2000-sample batch
    expect(forwardSizes.length).toBeGreaterThan(0);
    expect(Math.max(...forwardSizes)).toBeLessThanOrEqual(Math.max(...PROBE_SIZES));
    expect(Array.from(await bn.buffers()[0]!.data())).toEqual(meanBefore);
    expect(Array.from(await learn.trainableVars[0]!.data())).toEqual(weightsBefore);
    expect(JSON.stringify(getRngState())).toBe(rngBefore);
  });

  it('a batch that fits passes the check, which leaves buffers and RNG as they were', async () => {
    const learn = learner(8, 8);
    const it = learn.data.trainDl[Symbol.asyncIterator]();
    const [xb, yb] = (await it.next()).value as [tf.Tensor, tf.Tensor];
    const rngBefore = JSON.stringify(getRngState());
    const tensors = tf.memory().numTensors;
    await checkStepMemory(learn, xb, yb);
    expect(JSON.stringify(getRngState())).toBe(rngBefore);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a model that cannot run on a few samples is not checked (and trains as before)', async () => {
    const learn = learner(8, 8);
    // reshapes to the full batch of 8: the probes on 2 and 4 samples cannot run it
    const model = new Sequential(new Lambda((x) => tf.reshape(x, [8, -1])), new Linear(24 * 24 * 3, 4));
    const fixed = new Learner({ model, data: learn.data, lossFunc: crossEntropy, optFunc: sgd(), lr: 0.01 });
    await new Runner({ cbs: [], log: () => {} }).fit(1, fixed);
    expect(Number.isFinite((await fixed.trainableVars[0]!.data())[0]!)).toBe(true);
  });

  it('assertStepFits explains a model that does not fit even one sample', () => {
    const est = { fixed: WASM_HEAP_LIMIT, perSample: 1e9, batch: 4, need: WASM_HEAP_LIMIT + 4e9, maxBatch: 0 };
    expect(() => assertStepFits('Giant', est)).toThrow(/Giant at batch size 4 needs about .* Use a smaller model, or train on a backend/);
  });
});
