/** Checks run once per fit so bad data fails at the first batch with a clear message. */
import { tf } from '../backend/tf.js';
import type { DataSource } from './learner.js';
import { checkInt } from './validate.js';

type WithLabels = { dataset?: { y?: unknown } };

/**
 * If the loaders' datasets hold their labels as one integer tensor (`TensorDataset`), check every
 * label is in `[0, c)` — one read per fit, before the first batch.
 */
export async function checkDatasetLabels(data: DataSource): Promise<void> {
  checkInt('DataBunch', 'c (number of classes)', data.c);
  for (const [name, dl] of [['train', data.trainDl], ['valid', data.validDl]] as const) {
    const y = (dl as unknown as WithLabels).dataset?.y;
    if (!(y instanceof tf.Tensor) || y.dtype !== 'int32' || y.size === 0) continue;
    const range = tf.tidy(() => tf.stack([tf.min(y as tf.Tensor), tf.max(y as tf.Tensor)]));
    const [lo, hi] = await range.data();
    range.dispose();
    if (lo < 0 || hi >= data.c) {
      throw new RangeError(`${name} labels must be in [0, ${data.c}) for c = ${data.c} classes, found labels from ${lo} to ${hi}`);
    }
  }
}

/**
 * First-batch check of a classification batch: a `[N, C]` output must have `C = c` columns and one
 * row per target, and integer targets must lie in `[0, c)`.
 */
export function checkBatch(pred: tf.Tensor, yb: tf.Tensor, c: number): void {
  if (yb.dtype !== 'int32' || yb.rank !== 1) return;
  if (pred.rank !== 2) throw new Error(`model output ${fmt(pred.shape)} does not fit integer class targets ${fmt(yb.shape)}: expected [${yb.shape[0]}, ${c}] logits`);
  if (pred.shape[0] !== yb.shape[0]) throw new Error(`model output ${fmt(pred.shape)} has ${pred.shape[0]} rows but the batch has ${yb.shape[0]} targets`);
  if (pred.shape[1] !== c) throw new Error(`model output ${fmt(pred.shape)} has ${pred.shape[1]} columns but the data has c = ${c} classes: the last layer should output ${c}`);
  const range = tf.tidy(() => tf.stack([tf.min(yb), tf.max(yb)]));
  const [lo, hi] = range.dataSync();
  range.dispose();
  if (lo < 0 || hi >= c) throw new RangeError(`labels must be in [0, ${c}) for c = ${c} classes, the first batch has labels from ${lo} to ${hi}`);
}

function fmt(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
