/**
 * Precision, recall and F1 for single-label classification, from per-class counts summed over the
 * epoch on the device (true positives, predicted and actual counts per class), as scikit-learn's
 * `precision_score` / `recall_score` / `f1_score` (what fastai's `Precision`, `Recall`, `F1Score` wrap).
 */
import { tf } from '../backend/tf.js';
import type { AccumMetric } from './metrics.js';
import { checkInt } from './validate.js';

/**
 * How per-class scores are combined: `macro` (unweighted mean over the classes that occur in the
 * targets or the predictions, as scikit-learn), `weighted` (mean weighted by each class's support),
 * `micro` (from the total counts; equals accuracy for single-label data), `binary` (the score of
 * class `posLabel` only), `none` (one value per class: `f1_score_0`, `f1_score_1`, …).
 */
export type ScoreAverage = 'macro' | 'weighted' | 'micro' | 'binary' | 'none';

/** Options of `precision`, `recall` and `f1Score`. */
export type ClassScoreOptions = {
  /** Default `'macro'`. */
  average?: ScoreAverage;
  /** The positive class for `average: 'binary'` (default 1). */
  posLabel?: number;
};

type Counts = { tp: number; pred: number; actual: number };
type Kind = 'precision' | 'recall' | 'f1_score';

/** A class's score from its counts; 0 when undefined (scikit-learn's `zero_division` default). */
function score(kind: Kind, k: Counts): number {
  const den = kind === 'precision' ? k.pred : kind === 'recall' ? k.actual : k.pred + k.actual;
  const num = kind === 'f1_score' ? 2 * k.tp : k.tp;
  return den > 0 ? num / den : 0;
}

function classScore(kind: Kind, opts: ClassScoreOptions): AccumMetric {
  const average = opts.average ?? 'macro';
  const posLabel = opts.posLabel ?? 1;
  const where = `${kind}({ average: '${average}' })`;
  if (!['macro', 'weighted', 'micro', 'binary', 'none'].includes(average)) {
    throw new RangeError(`${kind}: average must be 'macro', 'weighted', 'micro', 'binary' or 'none', got '${String(average)}'`);
  }
  checkInt(where, 'posLabel', posLabel, 0);
  const name = average === 'macro' ? kind : `${kind}_${average}`;
  return {
    name,
    names: (c) => (average === 'none' ? Array.from({ length: c }, (_, i) => `${kind}_${i}`) : [name]),
    stats: (logits, targets) =>
      tf.tidy(() => {
        const c = logits.shape.at(-1) ?? 0;
        if (logits.rank !== 2) throw new RangeError(`${kind}: expected logits [N, C], got [${logits.shape.join(', ')}]`);
        const p = tf.oneHot(tf.argMax(logits, -1), c);
        const t = tf.oneHot(tf.cast(targets, 'int32'), c);
        return tf.concat([tf.sum(tf.mul(p, t), 0), tf.sum(p, 0), tf.sum(t, 0)]) as tf.Tensor1D;
      }),
    finalize: (s, c) => {
      const k: Counts[] = Array.from({ length: c }, (_, i) => ({ tp: s[i], pred: s[c + i], actual: s[2 * c + i] }));
      const per = k.map((ki) => score(kind, ki));
      switch (average) {
        case 'none':
          return per;
        case 'binary':
          if (posLabel >= c) throw new RangeError(`${where}: posLabel ${posLabel} is not a class (the model has ${c} outputs)`);
          return [per[posLabel]];
        case 'micro': {
          const sum = (f: (x: Counts) => number): number => k.reduce((a, x) => a + f(x), 0);
          return [score(kind, { tp: sum((x) => x.tp), pred: sum((x) => x.pred), actual: sum((x) => x.actual) })];
        }
        case 'weighted': {
          const total = k.reduce((a, x) => a + x.actual, 0);
          return [total > 0 ? per.reduce((a, v, i) => a + (v * k[i].actual) / total, 0) : 0];
        }
        default: {
          const seen = per.filter((_, i) => k[i].pred + k[i].actual > 0);
          return [seen.length ? seen.reduce((a, v) => a + v, 0) / seen.length : 0];
        }
      }
    },
  };
}

/** Precision `tp / (tp + fp)` from the epoch's counts (default macro average; see `ScoreAverage`). */
export function precision(opts: ClassScoreOptions = {}): AccumMetric {
  return classScore('precision', opts);
}

/** Recall `tp / (tp + fn)` from the epoch's counts (default macro average; see `ScoreAverage`). */
export function recall(opts: ClassScoreOptions = {}): AccumMetric {
  return classScore('recall', opts);
}

/** F1 `2·tp / (2·tp + fp + fn)` from the epoch's counts (default macro average; see `ScoreAverage`). */
export function f1Score(opts: ClassScoreOptions = {}): AccumMetric {
  return classScore('f1_score', opts);
}
