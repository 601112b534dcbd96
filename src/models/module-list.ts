/** PyTorch's `nn.ModuleList`. */
import type { tf } from '../backend/tf.js';
import { Module } from './module.js';

/** PyTorch's `nn.ModuleList`: holds children `0`, `1`, … for a parent's `forward` to call; not callable itself. */
export class ModuleList<M extends Module = Module> extends Module {
  /** The modules, in order. */
  readonly items: M[];

  constructor(modules: M[]) {
    super();
    this.items = modules.map((m, i) => this.registerModule(String(i), m));
  }

  forward(_x: tf.Tensor): tf.Tensor {
    throw new Error('ModuleList has no forward: call its items');
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The modules, in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
