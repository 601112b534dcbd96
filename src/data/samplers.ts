/**
 * Samplers decide the order items are visited in each epoch; `BatchSampler` cuts that order into
 * batches of indices. All randomness comes from the project's seeded generator (`core/rng`).
 */
import { permutation, random } from '../core/rng.js';

/** An epoch-order source: each call to `indices()` gives the item order for one epoch. */
export interface Sampler {
  /** Number of items the sampler covers (`0 … length-1`). */
  readonly length: number;
  /** A fresh array with one epoch's visiting order (every index exactly once). */
  indices(): Int32Array;
}

function checkN(who: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${who}: n must be an integer >= 0, got ${n}`);
  }
}

/** Visits `0, 1, …, n-1` in order, every epoch. */
export class SequentialSampler implements Sampler {
  /** Number of items. */
  readonly length: number;

  /** @param n number of items (integer >= 0). */
  constructor(n: number) {
    checkN('SequentialSampler', n);
    this.length = n;
  }

  /** `[0, 1, …, n-1]` (a new array each call). */
  indices(): Int32Array {
    const idx = new Int32Array(this.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return idx;
  }
}

/** Options for `RandomSampler`. */
export interface RandomSamplerOptions {
  /** Uniform [0, 1) source; defaults to the global seeded generator `random` from `core/rng`. */
  rand?: () => number;
}

/** Visits `0 … n-1` in a new random permutation every epoch (Fisher–Yates from `rand`). */
export class RandomSampler implements Sampler {
  /** Number of items. */
  readonly length: number;
  private readonly rand: () => number;

  /**
   * @param n number of items (integer >= 0).
   * @param opts `rand`: the generator to draw permutations from (e.g. `makeRng(seed)`).
   */
  constructor(n: number, opts: RandomSamplerOptions = {}) {
    checkN('RandomSampler', n);
    this.length = n;
    this.rand = opts.rand ?? random;
  }

  /** A new permutation of `0 … n-1`, advancing the generator. */
  indices(): Int32Array {
    return permutation(this.length, this.rand);
  }
}

/**
 * Number of batches `n` items give with batch size `bs`: `ceil(n / bs)`, or `floor(n / bs)` when
 * the last partial batch is dropped.
 */
export function numBatches(n: number, bs: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
}

/** Options for `BatchSampler`. */
export interface BatchSamplerOptions {
  /** Batch size, an integer >= 1. */
  bs: number;
  /** Drop the last batch if it has fewer than `bs` items (default false). */
  dropLast?: boolean;
}

/**
 * Cuts each epoch's order from a `Sampler` into `Int32Array` batches of indices. Every
 * `for (const idx of batchSampler)` is one epoch and asks the sampler for a fresh order.
 */
export class BatchSampler implements Iterable<Int32Array> {
  /** The epoch-order source. */
  readonly sampler: Sampler;
  /** Batch size. */
  readonly bs: number;
  /** Whether a last partial batch is dropped. */
  readonly dropLast: boolean;

  /**
   * @throws RangeError if `bs` is not an integer >= 1.
   */
  constructor(sampler: Sampler, opts: BatchSamplerOptions) {
    if (!Number.isInteger(opts.bs) || opts.bs < 1) {
      throw new RangeError(`BatchSampler: bs must be an integer >= 1, got ${opts.bs}`);
    }
    this.sampler = sampler;
    this.bs = opts.bs;
    this.dropLast = opts.dropLast ?? false;
  }

  /** Number of batches per epoch. */
  get length(): number {
    return numBatches(this.sampler.length, this.bs, this.dropLast);
  }

  /** One epoch of index batches (each a new array the consumer may keep). */
  *[Symbol.iterator](): Iterator<Int32Array> {
    const order = this.sampler.indices();
    const nb = numBatches(order.length, this.bs, this.dropLast);
    for (let b = 0; b < nb; b++) {
      yield order.slice(b * this.bs, Math.min((b + 1) * this.bs, order.length));
    }
  }
}
