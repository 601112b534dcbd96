import { beforeAll, describe, expect, it } from 'vitest';
import { tf, setSeed, TensorDataset, DataLoader, DataBunch, Learner, Sequential, Conv2d, ReLU, AdaptiveAvgPool2d, Flatten, Linear, crossEntropy, accuracy } from '../../src/index.js';
import { ttaView } from '../../src/core/predict.js';

function imageLearner(): Learner<Sequential, DataBunch> {
  setSeed(0);
  const x = tf.randomNormal([10, 8, 8, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
  const dl = new DataLoader(new TensorDataset(x, y), { bs: 4 });
  const model = new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(4, 3));
  return new Learner({ model, data: new DataBunch(dl, dl, 3), lossFunc: crossEntropy });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('predict and tta', () => {
  it('predict returns the eval-mode outputs of every batch with the targets, and restores the mode', async () => {
    const learn = imageLearner();
    learn.model.train();
    const { preds, targets } = await learn.predict();
    expect(preds.shape).toEqual([10, 3]);
    expect(Array.from(targets.dataSync())).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    const ds = learn.data.validDl.dataset as TensorDataset;
    const direct = learn.model.forward(ds.x);
    expect(Array.from(preds.dataSync())).toEqual(Array.from(direct.dataSync()));
    expect(learn.model.training).toBe(true);
    tf.dispose([preds, targets, direct]);
  });

  it('tta with nAug 0 is the softmax of predict; with views it averages probabilities and leaks nothing', async () => {
    const learn = imageLearner();
    const { preds } = await learn.predict();
    const plain = await learn.tta({ nAug: 0 });
    const sm = tf.softmax(preds);
    Array.from(plain.preds.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(sm.dataSync()[i], 6));
    tf.dispose([preds, sm, plain.preds, plain.targets]);
    const before = tf.memory().numTensors;
    const aug = await learn.tta({ nAug: 4 });
    expect(aug.preds.shape).toEqual([10, 3]);
    const rowSums = tf.sum(aug.preds, 1);
    rowSums.dataSync().forEach((s) => expect(s).toBeCloseTo(1, 5));
    const acc = accuracy(aug.preds, aug.targets);
    expect(acc.dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([aug.preds, aug.targets, acc, rowSums]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ttaView: view 1 is an exact horizontal flip, shifted views keep the shape', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 4 }, (_, i) => i), [1, 3, 4, 2]);
    const flipped = ttaView(x, 1, 1);
    const xa = (x.arraySync() as number[][][][])[0];
    const fa = (flipped.arraySync() as number[][][][])[0];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(fa[r][c]).toEqual(xa[r][3 - c]);
    expect(ttaView(x, 3, 1).shape).toEqual([1, 3, 4, 2]);
    // View 2: no flip, shifted by one pixel: out[r][c] = in[r + 1][c + 1] inside the image.
    const s = (ttaView(x, 2, 1).arraySync() as number[][][][])[0];
    expect(s[0][0]).toEqual(xa[1][1]);
    expect(() => ttaView(tf.zeros([2, 3]), 1, 1)).toThrow(/inputs must be images \[N, H, W, C\], got \[2, 3\]/);
  });

  it('ttaView without flips: views 1-4 are the four shifted crops, never mirrored', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 4 }, (_, i) => i), [1, 3, 4, 2]);
    const xa = (x.arraySync() as number[][][][])[0];
    const views = [1, 2, 3, 4, 5].map((k) => (ttaView(x, k, 1, false).arraySync() as number[][][][])[0]);
    // view 1 = the flipping order's view 2 (shift by (+1, +1)); view 5 cycles back to view 1
    expect(views[0][0][0]).toEqual(xa[1][1]);
    expect(views[0]).toEqual((ttaView(x, 2, 1).arraySync() as number[][][][])[0]);
    expect(views[1]).toEqual((ttaView(x, 4, 1).arraySync() as number[][][][])[0]);
    expect(views[4]).toEqual(views[0]);
    for (const v of views) expect(v[1][1]).not.toEqual(xa[1][2]); // no view is the mirror image's pixel
  });
});
