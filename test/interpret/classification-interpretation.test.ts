/** ClassificationInterpretation and showResults on a model whose logits are known exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import {
  tf, ClassificationInterpretation, showResults, Learner, Sequential, Flatten, Linear, DataLoader, DataBunch, TensorDataset, crossEntropy,
} from '../../src/index.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-interp-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

// 8 images 4×4×1 whose first three pixels are the logits the model outputs (the model copies them).
const logits = [
  [3, 0, 0], [2, 1, 0], [0, 4, 0], [0, 1, 2], // predicted 0, 0, 1, 2
  [0, 0, 5], [1, 0, 0], [0, 2, 1], [0, 0.5, 0.4], // predicted 2, 0, 1, 1
];
const targets = [0, 1, 1, 2, 1, 2, 1, 2];
const predicted = [0, 0, 1, 2, 2, 0, 1, 1];

function learner(shuffleValid = false): Learner {
  const x = tf.tensor4d(logits.flatMap((l) => [...l, ...Array.from({ length: 13 }, (_, i) => i / 13)]), [8, 4, 4, 1]);
  const y = tf.tensor1d(targets, 'int32');
  const lin = new Linear(16, 3);
  lin.weight.assign(tf.tensor2d(Array.from({ length: 16 }, (_, i) => [0, 1, 2].map((j) => (i === j ? 1 : 0)))));
  lin.bias!.assign(tf.zeros([3]));
  const model = new Sequential(new Flatten(), lin);
  const dl = (ds: TensorDataset, shuffle: boolean): DataLoader => new DataLoader(ds, { bs: 3, shuffle, seed: 1 });
  const data = new DataBunch(dl(new TensorDataset(x.clone(), y.clone()), true), dl(new TensorDataset(x, y), shuffleValid), 3);
  return new Learner({ model, data, lossFunc: crossEntropy });
}

const ce = (l: number[], t: number): number => -(l[t] - Math.log(l.reduce((a, v) => a + Math.exp(v), 0)));
const pngSize = async (file: string): Promise<[number, number]> => {
  const png = PNG.sync.read(await fs.readFile(file));
  return [png.width, png.height];
};

describe('ClassificationInterpretation', () => {
  it('confusion matrix, most confused and top losses equal the hand computation', async () => {
    const learn = learner();
    const n0 = tf.memory().numTensors;
    const interp = await ClassificationInterpretation.fromLearner(learn, { classes: ['cat', 'dog', 'owl'] });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Array.from(interp.predicted)).toEqual(predicted);
    expect(interp.confusionMatrix()).toEqual([
      [1, 0, 0], // actual 0
      [1, 2, 1], // actual 1: predicted 0 once, 1 twice, 2 once
      [1, 1, 1], // actual 2
    ]);
    expect(interp.mostConfused()).toEqual([
      { actual: 'dog', predicted: 'cat', count: 1 },
      { actual: 'dog', predicted: 'owl', count: 1 },
      { actual: 'owl', predicted: 'cat', count: 1 },
      { actual: 'owl', predicted: 'dog', count: 1 },
    ]);
    expect(interp.mostConfused(2)).toEqual([]);
    const hand = logits.map((l, i) => ce(l, targets[i]));
    const order = hand.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
    const top = interp.topLosses(3);
    expect(top.indices).toEqual(order.slice(0, 3));
    top.losses.forEach((v, k) => expect(v).toBeCloseTo(hand[order[k]], 5));
    expect(top.predicted).toEqual(order.slice(0, 3).map((i) => predicted[i]));
    expect(top.actual).toEqual(order.slice(0, 3).map((i) => targets[i]));
    const sm = (l: number[]): number => Math.max(...l.map((v) => Math.exp(v))) / l.reduce((a, v) => a + Math.exp(v), 0);
    top.probs.forEach((p, k) => expect(p).toBeCloseTo(sm(logits[order[k]]), 5));
    expect(interp.topLosses(2, { largest: false }).indices).toEqual(order.slice(-2).reverse());
  });

  it('writes the confusion matrix (PNG or SVG) and the top-losses grid; tensors stay flat', async () => {
    const interp = await ClassificationInterpretation.fromLearner(learner());
    const n0 = tf.memory().numTensors;
    const cm = await interp.plotConfusionMatrix(path.join(root, 'cm.png'));
    const [w, h] = await pngSize(cm);
    expect(w).toBeGreaterThan(150);
    expect(h).toBeGreaterThan(150);
    const svg = await fs.readFile(await interp.plotConfusionMatrix(path.join(root, 'cm.svg'), { normalize: true }), 'utf8');
    expect(svg).toContain('Confusion matrix (normalised by row)');
    expect(svg).toContain('>0.25<'); // row "1": 1 of 4 predicted 0
    const tl = await interp.plotTopLosses(4, path.join(root, 'top.svg'));
    const tsvg = await fs.readFile(tl, 'utf8');
    expect(tsvg.match(/<image /g)).toHaveLength(4);
    const first = interp.topLosses(1);
    expect(tsvg).toContain(`>${first.predicted[0]}/${first.actual[0]}<`);
    expect(tsvg).toContain(`>${first.losses[0].toFixed(2)} / ${first.probs[0].toFixed(2)}<`);
    await pngSize(await interp.plotTopLosses(4, path.join(root, 'top.png')));
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('a shuffled loader has no reachable images: a clear error', async () => {
    const interp = await ClassificationInterpretation.fromLearner(learner(true));
    expect(interp.confusionMatrix().flat().reduce((a, b) => a + b, 0)).toBe(8);
    await expect(interp.plotTopLosses(2, path.join(root, 'x.png'))).rejects.toThrow(/plotTopLosses: the images are not reachable: interpret a DataLoader that does not shuffle/);
  });
});

describe('showResults', () => {
  it('draws n validation images with prediction (coloured) and target', async () => {
    const learn = learner();
    const n0 = tf.memory().numTensors;
    const file = await showResults(learn, path.join(root, 'results.svg'), { n: 8 }); // all 8: indices 0..7
    expect(tf.memory().numTensors).toBe(n0);
    const svg = await fs.readFile(file, 'utf8');
    expect(svg.match(/<image /g)).toHaveLength(8);
    expect(svg.match(/fill="#2ca02c"[^>]*>pred/g)).toHaveLength(predicted.filter((p, i) => p === targets[i]).length);
    expect(svg.match(/fill="#d62728"[^>]*>pred/g)).toHaveLength(predicted.filter((p, i) => p !== targets[i]).length);
    // n of a larger set: spread evenly (indices 0, 2, 4, 6)
    const spread = await fs.readFile(await showResults(learn, path.join(root, 'spread.svg'), { n: 4 }), 'utf8');
    expect([...spread.matchAll(/>true (\d)</g)].map((m) => Number(m[1]))).toEqual([0, 2, 4, 6].map((i) => targets[i]));
    expect([...spread.matchAll(/>pred (\d)</g)].map((m) => Number(m[1]))).toEqual([0, 2, 4, 6].map((i) => predicted[i]));
    await pngSize(await showResults(learn, path.join(root, 'results.png')));
  });
});

describe('image grids', () => {
  it('are at least as wide as their title, the tiles centred under it', async () => {
    const { imageGrid } = await import('../../src/interpret/picture.js');
    const { textWidth } = await import('../../src/plot/text-metrics.js');
    const title = 'Top losses: predicted/actual, loss / probability';
    const svg = imageGrid([{ rgb: new Uint8Array(4 * 4 * 3), h: 4, w: 4, lines: [{ text: 'a' }] }], { title });
    const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
    expect(width).toBeGreaterThanOrEqual(textWidth(title, 16, true));
    const x = Number(/<image x="([\d.]+)"/.exec(svg)?.[1]);
    const w = Number(/<image [^>]*width="([\d.]+)"/.exec(svg)?.[1]);
    expect(Math.abs(x + w / 2 - width / 2)).toBeLessThan(1);
  });
});
