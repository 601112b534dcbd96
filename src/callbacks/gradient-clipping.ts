/** Gradient clipping by global norm (`torch.nn.utils.clip_grad_norm_`) and by value (`clip_grad_value_`). */
import { tf } from '../backend/tf.js';
import { Callback } from '../core/callback.js';
import { replaceGrads } from '../core/replace-grads.js';

/**
 * Scale every gradient by `min(1, maxNorm / (total + 1e-6))`, where `total` is the `normType` norm of
 * all gradients together (as one vector), as PyTorch's `clip_grad_norm_`. Returns the new gradients
 * and the total norm (a device scalar, before clipping); the caller owns and disposes both, and the
 * input gradients are left as they are. Nothing is read from the device.
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number, normType: 2 | 'inf' = 2): {
  /** The clipped gradients (new tensors). */
  grads: tf.NamedTensorMap;
  /** The norm before clipping. */
  totalNorm: tf.Scalar;
} {
  checkPositive('clipGradNorm', 'maxNorm', maxNorm);
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const gs = names.map((n) => grads[n]);
    // pairwise adds and maxima, not addN / stack: tfjs-backend-webgpu 4.22's AddN silently sums only
    // the first few of many inputs (measured: 20 scalars 1..20 gave 10, the sum of the first 4)
    const total = (gs.length === 0
      ? tf.scalar(0)
      : normType === 'inf'
        ? gs.map((g) => tf.max(tf.abs(g))).reduce((a, b) => tf.maximum(a, b))
        : tf.sqrt(gs.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)))) as tf.Scalar;
    const coef = tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1);
    const out: tf.NamedTensorMap = {};
    names.forEach((n, i) => (out[n] = tf.mul(gs[i], coef)));
    return { grads: out, totalNorm: total };
  });
}

/** Clamp every gradient element to `[-clipValue, clipValue]`, as PyTorch's `clip_grad_value_` (new tensors; the caller disposes them). */
export function clipGradValue(grads: tf.NamedTensorMap, clipValue: number): tf.NamedTensorMap {
  checkPositive('clipGradValue', 'clipValue', clipValue);
  return tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.clipByValue(g, -clipValue, clipValue)])));
}

function checkPositive(where: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${where}: ${name} must be a finite number > 0, got ${v}`);
}

/** Options of `GradientClipping` (give `maxNorm`, `clipValue`, or both). */
export type GradientClippingOptions = {
  /** Clip the global norm of all gradients to this value (`clip_grad_norm_`; Keras' `global_clipnorm`). */
  maxNorm?: number;
  /** The norm for `maxNorm`: 2 (default) or `'inf'` (largest absolute element). */
  normType?: 2 | 'inf';
  /** Clamp each gradient element to `[-clipValue, clipValue]` (`clip_grad_value_`; Keras' `clipvalue`), after the norm clipping. */
  clipValue?: number;
};

/**
 * `new GradientClipping({ maxNorm: 1 })`: before each optimizer step, scales the batch's gradients
 * so that their global norm is at most `maxNorm` (as `clip_grad_norm_` between `loss.backward()`
 * and `opt.step()`), and/or clamps each element to `±clipValue`. It runs in `afterBackward` after
 * `GradientAccumulation` (fastai's order 11 vs 6), so with accumulation the accumulated gradient is
 * clipped. All on the device: no reads.
 */
export class GradientClipping extends Callback {
  override order = 11;
  /** The global norm clipped to, if any. */
  readonly maxNorm: number | undefined;
  /** The norm: 2 or `'inf'`. */
  readonly normType: 2 | 'inf';
  /** The element-wise clamp, if any. */
  readonly clipValue: number | undefined;

  constructor(opts: GradientClippingOptions) {
    super();
    const { maxNorm, clipValue, normType = 2 } = opts ?? {};
    if (maxNorm === undefined && clipValue === undefined) throw new RangeError('GradientClipping: give maxNorm (global norm) and/or clipValue (per element)');
    if (maxNorm !== undefined) checkPositive('GradientClipping', 'maxNorm', maxNorm);
    if (clipValue !== undefined) checkPositive('GradientClipping', 'clipValue', clipValue);
    if (normType !== 2 && normType !== 'inf') throw new RangeError(`GradientClipping: normType must be 2 or 'inf', got ${String(normType)}`);
    this.maxNorm = maxNorm;
    this.clipValue = clipValue;
    this.normType = normType;
  }

  override afterBackward(): void {
    const run = this.run;
    if (this.maxNorm !== undefined) {
      const { grads, totalNorm } = clipGradNorm(run.grads, this.maxNorm, this.normType);
      totalNorm.dispose();
      replaceGrads(run, grads);
    }
    if (this.clipValue !== undefined) replaceGrads(run, clipGradValue(run.grads, this.clipValue));
  }
}

