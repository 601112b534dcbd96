/**
 * Weight initialisation drawn from the project's seeded RNG, with PyTorch's fan-in rules
 * (a conv weight `[kh, kw, in, out]` has fan-in `kh·kw·in`; a linear weight `[in, out]` has `in`).
 */
import { tf } from '../backend/tf.js';
import { nextSeed } from '../core/rng.js';

/** Fan-in of a weight in TF.js layout: product of every dimension but the last. */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new Error(`fanIn: a weight needs at least 2 dimensions, got shape [${shape.join(', ')}]`);
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

/** Gain of a leaky ReLU with negative slope `a` (PyTorch's `calculate_gain('leaky_relu', a)`). */
export function leakyReluGain(a: number): number {
  return Math.sqrt(2 / (1 + a * a));
}

/** Options shared by the Kaiming initialisers. */
export type KaimingOptions = {
  /** The negative slope of the leaky ReLU that follows (default 0: ReLU). */
  a?: number;
};

/** Fill `w` in place with N(0, gain/√fanIn) — PyTorch's `kaiming_normal_(w, a)`, fan-in mode. */
export function kaimingNormal(w: tf.Variable, opts: KaimingOptions = {}): tf.Variable {
  const std = leakyReluGain(opts.a ?? 0) / Math.sqrt(fanIn(w.shape));
  tf.tidy(() => w.assign(tf.randomNormal(w.shape, 0, std, 'float32', nextSeed())));
  return w;
}

/** Fill `w` in place with U(-b, b), b = gain·√(3/fanIn) — PyTorch's `kaiming_uniform_(w, a)`. */
export function kaimingUniform(w: tf.Variable, opts: KaimingOptions = {}): tf.Variable {
  const bound = leakyReluGain(opts.a ?? 0) * Math.sqrt(3 / fanIn(w.shape));
  tf.tidy(() => w.assign(tf.randomUniform(w.shape, -bound, bound, 'float32', nextSeed())));
  return w;
}

/** A new tensor drawn from U(-bound, bound) with the seeded RNG (used by layers' default init). */
export function uniformTensor(shape: number[], bound: number): tf.Tensor {
  return tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
}
