/** Metrics against hand computations, and epoch accumulation from summed counts. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  tf, accuracy, errorRate, topKAccuracy, precision, recall, f1Score, mse, mae, rmse, AvgStatsCallback, Runner, Monitor,
  type AccumMetric, type MetricFn,
} from '../../src/index.js';
import { AvgStats } from '../../src/callbacks/avg-stats.js';
import { tinyLearner } from '../helpers/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Logits whose arg-max is `preds[i]` (3 classes unless said). */
function logitsFor(preds: number[], c = 3): tf.Tensor2D {
  return tf.tensor2d(preds.map((p) => Array.from({ length: c }, (_, j) => (j === p ? 2 : -j * 0.1))));
}

async function fnValue(m: MetricFn, pred: tf.Tensor, target: tf.Tensor): Promise<number> {
  const v = m(pred, target);
  const out = (await v.data())[0];
  v.dispose();
  return out;
}

async function accumValue(m: AccumMetric, pred: tf.Tensor, target: tf.Tensor, c: number): Promise<number[]> {
  const s = m.stats(pred, target);
  const sums = await s.data();
  s.dispose();
  return m.finalize(sums, c);
}

// 10 samples, 3 classes. Confusion (rows actual, cols predicted):
//   actual 0: predicted 0,0,0,1      → tp0 = 3
//   actual 1: predicted 1,1,2        → tp1 = 2
//   actual 2: predicted 2,0,0        → tp2 = 1
const targets = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const preds = [0, 0, 0, 1, 1, 1, 2, 2, 0, 0];
// per class: predicted counts [5, 3, 2], actual counts [4, 3, 3]
// precision = [3/5, 2/3, 1/2], recall = [3/4, 2/3, 1/3], f1 = 2tp/(pred+actual) = [6/9, 4/6, 2/5]
const P = [3 / 5, 2 / 3, 1 / 2];
const R = [3 / 4, 2 / 3, 1 / 3];
const F = [6 / 9, 4 / 6, 2 / 5];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const support = [4, 3, 3];
const weighted = (xs: number[]): number => xs.reduce((a, v, i) => a + (v * support[i]) / 10, 0);

describe('classification metrics', () => {
  it('accuracy, errorRate and topKAccuracy against hand counts', async () => {
    const logits = logitsFor(preds);
    const y = tf.tensor1d(targets, 'int32');
    expect(await fnValue(accuracy, logits, y)).toBeCloseTo(6 / 10, 6);
    expect(await fnValue(errorRate, logits, y)).toBeCloseTo(4 / 10, 6);
    expect(errorRate.name).toBe('error_rate');
    // top-2: logits [2, -0.1, -0.2] style rows: the second choice is class 0 unless predicted 0 (then 1).
    // second choices: pred 0 → 1, pred 1 → 0, pred 2 → 0. Hits: rows where target ∈ {pred, second}.
    const second = preds.map((p) => (p === 0 ? 1 : 0));
    const hits = targets.filter((t, i) => t === preds[i] || t === second[i]).length;
    const top2 = topKAccuracy(2);
    expect(top2.name).toBe('top_2_accuracy');
    expect(await fnValue(top2, logits, y)).toBeCloseTo(hits / 10, 6);
    expect(await fnValue(topKAccuracy(3), logits, y)).toBe(1);
    expect(() => topKAccuracy(4)(logits, y)).toThrow(/topKAccuracy\(4\): the model has only 3 outputs/);
    expect(() => topKAccuracy(0)).toThrow(/topKAccuracy: k must be an integer >= 1/);
    tf.dispose([logits, y]);
  });

  it('precision, recall and F1: macro, weighted, micro, binary and per class against hand counts', async () => {
    const logits = logitsFor(preds);
    const y = tf.tensor1d(targets, 'int32');
    for (const [make, per, name] of [[precision, P, 'precision'], [recall, R, 'recall'], [f1Score, F, 'f1_score']] as const) {
      const macro = make();
      expect(macro.name).toBe(name);
      expect((await accumValue(macro, logits, y, 3))[0]).toBeCloseTo(mean(per), 6);
      expect((await accumValue(make({ average: 'weighted' }), logits, y, 3))[0]).toBeCloseTo(weighted(per), 6);
      expect((await accumValue(make({ average: 'micro' }), logits, y, 3))[0]).toBeCloseTo(0.6, 6); // = accuracy
      expect((await accumValue(make({ average: 'binary', posLabel: 2 }), logits, y, 3))[0]).toBeCloseTo(per[2], 6);
      const none = make({ average: 'none' });
      expect(none.names(3)).toEqual([`${name}_0`, `${name}_1`, `${name}_2`]);
      const got = await accumValue(none, logits, y, 3);
      got.forEach((v, i) => expect(v).toBeCloseTo(per[i], 6));
    }
    expect(() => f1Score({ average: 'mean' as 'macro' })).toThrow(/f1_score: average must be 'macro', 'weighted', 'micro', 'binary' or 'none', got 'mean'/);
    tf.dispose([logits, y]);
  });

  it('macro averages over the classes present in targets or predictions, as scikit-learn', async () => {
    // 4 outputs, class 3 never occurs: macro over classes 0-2 only.
    const logits = logitsFor(preds, 4);
    const y = tf.tensor1d(targets, 'int32');
    expect((await accumValue(f1Score(), logits, y, 4))[0]).toBeCloseTo(mean(F), 6);
    // a class predicted but never present counts with precision 0
    const l2 = logitsFor([0, 1], 2);
    const y2 = tf.tensor1d([0, 0], 'int32');
    expect((await accumValue(precision(), l2, y2, 2))[0]).toBeCloseTo((1 + 0) / 2, 6);
    expect((await accumValue(recall(), l2, y2, 2))[0]).toBeCloseTo((0.5 + 0) / 2, 6);
    tf.dispose([logits, y, l2, y2]);
  });
});

describe('regression metrics', () => {
  it('mse, mae and rmse against hand sums', async () => {
    const p = tf.tensor2d([[1], [2], [4], [-1]]);
    const t = tf.tensor1d([0, 2, 1, 1]);
    // errors 1, 0, 3, -2 → squares 1, 0, 9, 4 (sum 14), abs 6
    expect((await accumValue(mse, p, t, 1))[0]).toBeCloseTo(14 / 4, 6);
    expect((await accumValue(mae, p, t, 1))[0]).toBeCloseTo(6 / 4, 6);
    expect((await accumValue(rmse, p, t, 1))[0]).toBeCloseTo(Math.sqrt(14 / 4), 6);
    expect(() => mse.stats(p, tf.tensor1d([1, 2]))).toThrow(/mse: predictions \[4, 1\] and targets \[2\] differ in size/);
    tf.dispose([p, t]);
  });
});

describe('epoch accumulation', () => {
  it('F1 over an epoch comes from summed counts, not the mean of per-batch F1 scores', async () => {
    const f1 = f1Score();
    const stats = new AvgStats([accuracy, f1], false);
    stats.c = 3;
    expect(stats.names).toEqual(['loss', 'accuracy', 'f1_score']);
    const n0 = tf.memory().numTensors;
    // batch 1: the first 4 samples, batch 2: the other 6
    const b1 = [logitsFor(preds.slice(0, 4)), tf.tensor1d(targets.slice(0, 4), 'int32')] as const;
    const b2 = [logitsFor(preds.slice(4)), tf.tensor1d(targets.slice(4), 'int32')] as const;
    const loss = tf.scalar(1);
    stats.accumulate(loss, b1[0], b1[1]);
    stats.accumulate(loss, b2[0], b2[1]);
    const [l, acc, f1v] = await stats.read();
    expect(l).toBeCloseTo(1, 6);
    expect(acc).toBeCloseTo(0.6, 6);
    expect(f1v).toBeCloseTo(mean(F), 6);
    const perBatch = [await accumValue(f1, b1[0], b1[1], 3), await accumValue(f1, b2[0], b2[1], 3)].map((v) => v[0]);
    expect(Math.abs(mean(perBatch) - mean(F))).toBeGreaterThan(0.05);
    stats.reset();
    tf.dispose([...b1, ...b2, loss]);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('RMSE over an epoch is sqrt(total squared error / count); a saved mid-epoch state resumes the sums', async () => {
    const stats = new AvgStats([rmse, mae], true);
    const loss = tf.scalar(0);
    const p1 = tf.tensor1d([1, 1]), t1 = tf.tensor1d([0, 0]); // squares 1, 1
    const p2 = tf.tensor1d([5, 0, 0, 0]), t2 = tf.tensor1d([0, 0, 0, 0]); // squares 25, 0, 0, 0
    stats.accumulate(loss, p1, t1);
    const saved = await stats.getState();
    const again = new AvgStats([rmse, mae], true);
    again.setState(saved);
    for (const s of [stats, again]) {
      s.accumulate(loss, p2, t2);
      const [, r, a] = await s.read();
      expect(r).toBeCloseTo(Math.sqrt(27 / 6), 6); // not mean(1, sqrt(25/4)) = 3.625
      expect(a).toBeCloseTo(7 / 6, 6);
      s.reset();
    }
    tf.dispose([loss, p1, t1, p2, t2]);
  });

  it('a fit publishes each metric under its name, and Monitor minimises error rates', async () => {
    const stats = new AvgStatsCallback([errorRate, topKAccuracy(2), f1Score(), precision({ average: 'none' })], { print: false });
    const run = new Runner({ cbs: [stats] });
    await run.fit(1, tinyLearner());
    const m = run.epochMetrics;
    for (const n of ['valid_error_rate', 'valid_top_2_accuracy', 'valid_f1_score', 'valid_precision_0', 'valid_precision_2', 'train_f1_score']) {
      expect(m[n], n).toBeTypeOf('number');
    }
    expect(stats.names).toEqual(['loss', 'error_rate', 'top_2_accuracy', 'f1_score', 'precision_0', 'precision_1', 'precision_2']);
    expect(new Monitor('test', 'valid_error_rate').mode).toBe('min');
    expect(new Monitor('test', 'valid_rmse').mode).toBe('min');
    expect(new Monitor('test', 'valid_f1_score').mode).toBe('max');
    expect(() => new AvgStatsCallback([42 as unknown as MetricFn])).toThrow(/AvgStatsCallback: metric 0 must be a function/);
  });
});
