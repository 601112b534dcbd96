/** Fully connected layer. */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { ModuleError, fmtShape } from '../module-error.js';
import { uniformTensor } from '../init.js';
import type { LayoutKind } from '../../io/persistable.js';
import { checkInt } from '../../core/validate.js';

/**
 * `Linear(ni, nf, { bias = true })`: `y = x·W + b` with `W` stored `[ni, nf]` (TF.js layout;
 * PyTorch's `[nf, ni]` is converted at import/export). PyTorch's default init.
 */
export class Linear extends Module {
  /** Input features. */
  readonly ni: number;
  /** Output features. */
  readonly nf: number;
  /** The weight, `[ni, nf]` (TF.js layout; PyTorch's `[nf, ni]` in files). */
  readonly weight: tf.Variable;
  /** The bias, `[nf]`, or null without one. */
  readonly bias: tf.Variable | null;

  constructor(ni: number, nf: number, opts: { bias?: boolean } = {}) {
    super();
    checkInt('Linear', 'ni', ni);
    checkInt('Linear', 'nf', nf);
    this.ni = ni;
    this.nf = nf;
    const bound = 1 / Math.sqrt(ni);
    this.weight = this.registerParameter('weight', uniformTensor([ni, nf], bound));
    this.bias = opts.bias ?? true ? this.registerParameter('bias', uniformTensor([nf], bound)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.ni) {
      throw new ModuleError(this, `Linear(${this.ni} → ${this.nf}) expected input [N, ${this.ni}], got ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  override torchLayouts(): Record<string, LayoutKind> {
    return { weight: 'linear' };
  }

  override extraRepr(): string {
    return `in_features=${this.ni}, out_features=${this.nf}, bias=${this.bias ? 'True' : 'False'}`;
  }
}
