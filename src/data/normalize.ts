/**
 * Input normalisation: subtract a mean and divide by a standard deviation, either one scalar for the
 * whole tensor or one value per channel (the last axis, as in NHWC images).
 */
import { tf } from '../backend/tf.js';

/** A normalisation statistic: one scalar, or one value per channel of the last axis. */
export type NormStat = number | ArrayLike<number>;

/** Mean and (population) standard deviation of a tensor: scalars, or per channel of the last axis. */
export interface MeanStd<T extends number | number[] = number | number[]> {
  /** The mean. */
  mean: T;
  /** The standard deviation (population: divided by n). */
  std: T;
}

function toStatTensor(who: string, what: string, s: NormStat, channels: number): tf.Tensor {
  if (typeof s === 'number') {
    if (!Number.isFinite(s)) throw new RangeError(`${who}: ${what} must be finite, got ${s}`);
    if (what === 'std' && s === 0) throw new RangeError(`${who}: std must be non-zero, got 0`);
    return tf.scalar(s, 'float32');
  }
  if (s.length !== channels) {
    throw new RangeError(
      `${who}: per-channel ${what} has ${s.length} values but the last axis of x has ${channels} channels`,
    );
  }
  const v = Float32Array.from(s);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${who}: ${what}[${i}] must be finite, got ${v[i]}`);
    if (what === 'std' && v[i] === 0) throw new RangeError(`${who}: std[${i}] must be non-zero, got 0`);
  }
  return tf.tensor1d(v, 'float32');
}

/**
 * `(x - mean) / std` as a new float32 tensor (the caller owns it; `x` is left alone).
 * `mean` and `std` are scalars or per-channel arrays whose length equals the last axis of `x`
 * (e.g. `[n, h, w, c]` NHWC images with `c` values each), broadcast over the other axes.
 * @throws RangeError on a zero/non-finite std, a non-finite mean, or a per-channel length mismatch.
 */
export function normalize(x: tf.Tensor, mean: NormStat, std: NormStat): tf.Tensor {
  const channels = x.rank === 0 ? 1 : x.shape[x.rank - 1];
  return tf.tidy(() => {
    const m = toStatTensor('normalize', 'mean', mean, channels);
    const s = toStatTensor('normalize', 'std', std, channels);
    const xf = x.dtype === 'float32' ? x : x.toFloat();
    return xf.sub(m).div(s);
  });
}

/** Scalar mean and population std over every element of `x` (one asynchronous read). */
export async function meanStd(x: tf.Tensor): Promise<MeanStd<number>> {
  const mv = tf.tidy(() => {
    const { mean, variance } = tf.moments(x.toFloat());
    return tf.stack([mean, variance]);
  });
  const [mean, variance] = await mv.data();
  mv.dispose();
  return { mean, std: Math.sqrt(variance) };
}

/** Per-channel mean and population std over every axis but the last (NHWC: over n, h, w), with one asynchronous read. */
export async function channelMeanStd(x: tf.Tensor): Promise<MeanStd<number[]>> {
  if (x.rank < 1) throw new RangeError('channelMeanStd: x must have at least one axis, got a scalar');
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const mv = tf.tidy(() => {
    const { mean, variance } = tf.moments(x.toFloat(), axes);
    return tf.stack([mean, variance]);
  });
  const vals = await mv.data();
  mv.dispose();
  const c = vals.length / 2;
  return { mean: Array.from(vals.subarray(0, c)), std: Array.from(vals.subarray(c), (a) => Math.sqrt(a)) };
}

/** Options for `normalizeTo`. */
export interface NormalizeToOptions {
  /** Use one mean/std per channel of the last axis instead of one scalar (default false). */
  perChannel?: boolean;
}

/**
 * Normalise `train` and `valid` with the statistics of `train` (as in the course's
 * `normalize_to`), so both live on the same scale. Resolves to new tensors `[trainN, validN]`; the
 * inputs are left alone. The statistics are read from the device asynchronously.
 * @throws RangeError if the training data has zero standard deviation (in some channel).
 */
export async function normalizeTo(
  train: tf.Tensor,
  valid: tf.Tensor,
  opts: NormalizeToOptions = {},
): Promise<[tf.Tensor, tf.Tensor]> {
  const { mean, std } = opts.perChannel ? await channelMeanStd(train) : await meanStd(train);
  const zero = Array.isArray(std) ? std.some((s) => s === 0) : std === 0;
  if (zero) {
    throw new RangeError('normalizeTo: the training data has zero standard deviation; cannot normalise');
  }
  const trainN = normalize(train, mean, std);
  try {
    return [trainN, normalize(valid, mean, std)];
  } catch (e) {
    trainN.dispose();
    throw e;
  }
}
