/**
 * Errors raised while running a module carry the module that failed, so a shape mistake reads
 * `Linear(64 → 10) got input [512, 256] from Flatten` instead of a bare TF.js stack.
 */
import type { tf } from '../backend/tf.js';

/** What an error needs of the module at fault: its one-line description (`Module.describe()`; every module has it). */
export interface DescribedModule {
  /** E.g. `Linear(64 → 10)`. */
  describe(): string;
}

/** An error raised inside a module's `forward`, naming the module (and, once, its input's source). */
export class ModuleError extends Error {
  /** The innermost module whose forward failed (a `Module`). */
  readonly module: DescribedModule;
  /** Whether a container already said which module produced the failing input. */
  sourceNamed = false;

  constructor(module: DescribedModule, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModuleError';
    this.module = module;
  }
}

/** Format a shape the way the error messages show it: `[512, 28, 28, 1]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Throw a `ModuleError` naming `m` unless `x` is an NHWC image batch `[N, H, W, C]` (with `C =
 * channels` when given); returns `x` typed as rank 4.
 */
export function expectNHWC(m: DescribedModule, x: tf.Tensor, channels?: number): tf.Tensor4D {
  if (x.rank !== 4 || (channels !== undefined && x.shape[3] !== channels)) {
    throw new ModuleError(m, `${m.describe()} expected input [N, H, W, ${channels ?? 'C'}] (NHWC), got ${fmtShape(x.shape)}`);
  }
  return x as tf.Tensor4D;
}
