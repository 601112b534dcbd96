/**
 * Checks run once per fit so bad data fails at the first batch with a clear message. Labels of
 * every dtype are checked alike: class indices must be integers in `[0, c)` — an int32 label of 5,
 * a float label of 5, 0.5 or NaN for c = 3 all fail with the same message. Values are read from the
 * device asynchronously (`await t.data()`: WebGPU has no synchronous read).
 */
import { tf } from '../backend/tf.js';
import type { DataSource } from './trainable.js';
import { crossEntropy, type LossFunc } from './losses.js';
import { checkInt } from './validate.js';

type WithLabels = { dataset?: { y?: unknown } };

/** What one read tells about a tensor of class labels. */
type LabelSummary = { lo: number; hi: number; nan: number; nonInt: number; firstNonInt: number; firstNonIntAt: number };

/**
 * Min and max (NaN ignored), the number of NaN and of non-integer labels, and the first
 * non-integer one with its index — one asynchronous device read.
 */
async function summarise(y: tf.Tensor): Promise<LabelSummary> {
  const stats = tf.tidy(() => {
    const v = tf.cast(tf.reshape(y, [-1]), 'float32');
    const nan = tf.isNaN(v);
    const lo = tf.min(tf.where(nan, tf.fill(v.shape, Infinity), v));
    const hi = tf.max(tf.where(nan, tf.fill(v.shape, -Infinity), v));
    const frac = tf.logicalAnd(tf.logicalNot(nan), tf.notEqual(v, tf.floor(v)));
    const fracF = tf.cast(frac, 'float32');
    const at = tf.argMax(fracF);
    // each as [1] then concatenated: on webgpu some of these reductions come back with shape [1]
    const parts = [lo, hi, tf.sum(tf.cast(nan, 'float32')), tf.sum(fracF), tf.gather(v, at), tf.cast(at, 'float32')];
    return tf.concat(parts.map((t) => tf.reshape(t, [1])));
  });
  const [lo, hi, nan, nonInt, firstNonInt, firstNonIntAt] = await stats.data();
  stats.dispose();
  return { lo, hi, nan, nonInt, firstNonInt, firstNonIntAt };
}

/** What is wrong with labels summarised in `s` for `c` classes, or null when they are fine. */
function labelProblem(s: LabelSummary, c: number): string | null {
  if (s.nan > 0) return `${s.nan} NaN label${s.nan > 1 ? 's' : ''}`;
  if (s.nonInt > 0) return `${s.nonInt} non-integer label${s.nonInt > 1 ? 's' : ''} (the first, at index ${s.firstNonIntAt}, is ${s.firstNonInt})`;
  if (s.lo < 0 || s.hi >= c) return `labels from ${s.lo} to ${s.hi}`;
  return null;
}

const rule = (c: number): string => `labels must be integer class indices in [0, ${c}) for c = ${c} classes`;

/**
 * If the loaders' datasets hold their labels as one tensor (`TensorDataset`), check every label —
 * one read per loader, before the first batch. Int32 labels are always class indices; float labels
 * are when the loss is `crossEntropy` (other losses are checked at the first batch, see
 * `checkBatchLabels`, where the model's output shows whether the labels are class indices).
 * @throws RangeError naming the loader, the rule and what was found.
 */
export async function checkDatasetLabels(data: DataSource, lossFunc?: LossFunc): Promise<void> {
  checkInt('DataBunch', 'c (number of classes)', data.c);
  for (const [name, dl] of [['train', data.trainDl], ['valid', data.validDl]] as const) {
    const y = (dl as unknown as WithLabels).dataset?.y;
    if (!(y instanceof tf.Tensor) || y.size === 0) continue;
    const classIndices = y.dtype === 'int32' || (y.dtype === 'float32' && y.rank === 1 && lossFunc === crossEntropy);
    if (!classIndices) continue;
    const problem = labelProblem(await summarise(y), data.c);
    if (problem) throw new RangeError(`${name} ${rule(data.c)}, found ${problem}`);
  }
}

/**
 * Whether a batch is a classification batch: `[N]` targets of any dtype against `[N, C]` outputs
 * (int32 targets are class indices whatever the output; float `[N]` targets against `[N, C ≥ 2]`
 * outputs cannot be anything else).
 */
function isClassification(pred: tf.Tensor, yb: tf.Tensor, c: number): boolean {
  if (yb.rank !== 1) return false;
  if (yb.dtype === 'int32') return true;
  return yb.dtype === 'float32' && pred.rank === 2 && pred.shape[1] === c && c >= 2;
}

/**
 * First-batch shape check of a classification batch (synchronous, no device read): a `[N, C]`
 * output must have `C = c` columns and one row per target.
 */
export function checkBatchShapes(pred: tf.Tensor, yb: tf.Tensor, c: number): void {
  if (!isClassification(pred, yb, c)) return;
  if (pred.rank !== 2) throw new Error(`model output ${fmt(pred.shape)} does not fit integer class targets ${fmt(yb.shape)}: expected [${yb.shape[0]}, ${c}] logits`);
  if (pred.shape[0] !== yb.shape[0]) throw new Error(`model output ${fmt(pred.shape)} has ${pred.shape[0]} rows but the batch has ${yb.shape[0]} targets`);
  if (pred.shape[1] !== c) throw new Error(`model output ${fmt(pred.shape)} has ${pred.shape[1]} columns but the data has c = ${c} classes: the last layer should output ${c}`);
}

/**
 * First-batch check of a classification batch's targets, whatever their dtype: integers in
 * `[0, c)` (one asynchronous read).
 * @throws RangeError with the rule and what the batch holds.
 */
export async function checkBatchLabels(pred: tf.Tensor, yb: tf.Tensor, c: number): Promise<void> {
  if (!isClassification(pred, yb, c) || yb.size === 0) return;
  const problem = labelProblem(await summarise(yb), c);
  if (problem) throw new RangeError(`${rule(c)}, the first batch has ${problem}`);
}

function fmt(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
