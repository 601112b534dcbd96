/** A container that runs its children in order. */
import type { tf } from '../backend/tf.js';
import { Module } from './module.js';
import { ModuleError } from './module-error.js';

/**
 * `Sequential(...modules)`: children named `0`, `1`, … as in PyTorch. When a child fails on its
 * input, the error also names the child that produced that input (`… from Flatten()`).
 */
export class Sequential extends Module {
  /** The modules, applied in order. */
  readonly layers: Module[];

  constructor(...modules: Module[]) {
    super();
    this.layers = modules.map((m, i) => this.registerModule(String(i), m));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      try {
        const next = this.layers[i].forward(h);
        if (h !== x && h !== next) h.dispose();
        h = next;
      } catch (e) {
        if (e instanceof ModuleError && !e.sourceNamed && i > 0) {
          e.message += ` from ${this.layers[i - 1].describe()}`;
          e.sourceNamed = true;
        }
        throw e;
      }
    }
    return h;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m) throw new RangeError(`Sequential.at: index ${i} out of range for ${this.layers.length} layers`);
    return m;
  }

  /** Number of children. */
  get length(): number {
    return this.layers.length;
  }
}
