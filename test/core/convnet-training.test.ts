import { describe, expect, it } from 'vitest';
import {
  tf, setSeed, TensorDataset, DataLoader, DataBunch, getCnnModel, convLayer, initCnn, Learner, Runner, Callback,
  AvgStatsCallback, Recorder, ParamScheduler, CudaCallback, combineScheds, schedLin, accuracy, crossEntropy, sgd,
} from '../../src/index.js';
import { useBackend } from '../helpers/backend.js';

/** 96 train / 32 valid 16×16 images of 3 classes told apart by where a bright square sits. */
function squares(): DataBunch {
  const make = (n: number, seed: number): [tf.Tensor, tf.Tensor] =>
    tf.tidy(() => {
      const y = Array.from({ length: n }, (_, i) => i % 3);
      const x = tf.buffer([n, 16, 16, 1]);
      y.forEach((c, i) => {
        for (let r = 0; r < 5; r++) for (let q = 0; q < 5; q++) x.set(1, i, 2 + c * 5 + r - (c === 2 ? 2 : 0), 3 + q, 0);
      });
      return [tf.add(x.toTensor(), tf.randomNormal([n, 16, 16, 1], 0, 0.3, 'float32', seed)), tf.tensor1d(y, 'int32')];
    });
  const [xt, yt] = make(96, 1);
  const [xv, yv] = make(32, 2);
  return new DataBunch(new DataLoader(new TensorDataset(xt, yt), { bs: 16, shuffle: true, seed: 3 }), new DataLoader(new TensorDataset(xv, yv), { bs: 32 }), 3);
}

describe.each(['wasm', 'cpu'] as const)('the notebooks\' BatchNorm convnet on %s', (backend) => {
  it('trains, and tf.memory().numTensors is the same after epochs 2, 3 and 4', async () => {
    await useBackend(backend);
    setSeed(0);
    const data = squares();
    const model = getCnnModel(data, [4, 8, 8], convLayer, { leak: 0.1, sub: 0.4, maxv: 6 });
    initCnn(model);
    const learn = new Learner({ model, data, lossFunc: crossEntropy, optFunc: sgd({ mom: 0.9 }), lr: 0.2 });
    const counts: number[] = [];
    class Count extends Callback {
      override order = 100;
      override afterEpoch(): void {
        counts.push(tf.memory().numTensors);
      }
    }
    const stats = new AvgStatsCallback([accuracy], { print: false });
    const sched = combineScheds([0.3, 0.7], [schedLin(0.1, 0.3), schedLin(0.3, 0.02)]);
    const run = new Runner({ cbs: [stats, new Recorder(), new CudaCallback({ log: () => {} }), new ParamScheduler('lr', sched), new Count()] });
    await run.fit(5, learn);
    expect(counts[2]).toBe(counts[1]);
    expect(counts[3]).toBe(counts[1]);
    expect(counts[4]).toBe(counts[1]);
    expect(stats.history.at(-1)!.train[0]).toBeLessThan(stats.history[0].train[0]);
    expect(stats.history.at(-1)!.valid[1]).toBeGreaterThan(0.8);
    model.dispose();
    learn.opt.dispose();
    data.dispose();
  });
});
