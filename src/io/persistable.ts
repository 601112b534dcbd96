/**
 * What checkpoint and weights-file code needs of a model, as a structural type, so that the core
 * does not import the model classes (`src/models` depends on the core, not the other way round).
 */
import type { tf } from '../backend/tf.js';

/** A state dict: PyTorch-named keys to tensors (in the module's own TF.js layout). */
export type StateDict = Record<string, tf.Tensor>;

/** How a weight's TF.js layout differs from PyTorch's: conv `[kh, kw, in, out]`, linear `[in, out]`. */
export type LayoutKind = 'conv' | 'linear';

/** A module's own parameters whose layout differs from PyTorch's (`{ weight: 'conv' }` for `Conv2d`). */
export interface LayoutAware {
  /** The module's own parameters whose layout differs from PyTorch's, by name. */
  torchLayouts(): Record<string, LayoutKind>;
}

/** A model whose weights can be saved and loaded (tfai's `Module` is one). */
export interface Persistable {
  /** Every parameter and buffer by PyTorch-style dotted name. */
  stateDict(): StateDict;
  /** Assign values by name (`strict`: every key must match, the default). */
  loadStateDict(sd: StateDict, opts?: { strict?: boolean }): void;
  /**
   * Every module by dotted path (`''` for the model itself); `{ removeDuplicate: false }` lists a
   * module used twice under each of its paths.
   */
  namedModules(prefix?: string, opts?: { removeDuplicate?: boolean }): [string, LayoutAware][];
  /** Every parameter by dotted name. */
  namedParameters(): [string, tf.Variable][];
}

/** Whether `m` has what `Persistable` asks for. */
export function isPersistable(m: unknown): m is Persistable {
  const o = m as Partial<Persistable> | null;
  return !!o && typeof o.stateDict === 'function' && typeof o.loadStateDict === 'function' && typeof o.namedModules === 'function' && typeof o.namedParameters === 'function';
}
