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

/**
 * Fan-out of a weight in TF.js layout, as PyTorch counts it: output channels × receptive field (a
 * conv weight `[kh, kw, in, out]` has `kh·kw·out`; a linear weight `[in, out]` has `out`).
 */
export function fanOut(shape: readonly number[]): number {
  if (shape.length < 2) throw new Error(`fanOut: a weight needs at least 2 dimensions, got shape [${shape.join(', ')}]`);
  return shape[shape.length - 1] * shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** Gain of a leaky ReLU with negative slope `a` (PyTorch's `calculate_gain('leaky_relu', a)`). */
export function leakyReluGain(a: number): number {
  return Math.sqrt(2 / (1 + a * a));
}

/** Options shared by the Kaiming initialisers. */
export type KaimingOptions = {
  /** Negative slope of the leaky ReLU that follows (default 0: ReLU, gain √2). */
  a?: number;
  /** Preserve the variance of the forward pass (`'fanIn'`, default) or of the backward pass (`'fanOut'`). */
  mode?: 'fanIn' | 'fanOut';
};

/**
 * Fill `w` in place with N(0, gain/√fan) — PyTorch's `kaiming_normal_(w, a, mode)`; fan-in
 * mode by default, `{ mode: 'fanOut' }` as torchvision initialises its convolutions.
 */
export function kaimingNormal(w: tf.Variable, opts: KaimingOptions = {}): tf.Variable {
  const fan = opts.mode === 'fanOut' ? fanOut(w.shape) : fanIn(w.shape);
  const std = leakyReluGain(opts.a ?? 0) / Math.sqrt(fan);
  tf.tidy(() => w.assign(tf.randomNormal(w.shape, 0, std, 'float32', nextSeed())));
  return w;
}

/** Fill `w` in place with U(-b, b), b = gain·√(3/fan) — PyTorch's `kaiming_uniform_(w, a, mode)`. */
export function kaimingUniform(w: tf.Variable, opts: KaimingOptions = {}): tf.Variable {
  const fan = opts.mode === 'fanOut' ? fanOut(w.shape) : fanIn(w.shape);
  const bound = leakyReluGain(opts.a ?? 0) * Math.sqrt(3 / fan);
  tf.tidy(() => w.assign(tf.randomUniform(w.shape, -bound, bound, 'float32', nextSeed())));
  return w;
}

/** A new tensor drawn from U(-bound, bound) with the seeded RNG (used by layers' default init). */
export function uniformTensor(shape: number[], bound: number): tf.Tensor {
  return tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
}
