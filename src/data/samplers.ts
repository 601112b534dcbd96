/**
 * Samplers decide the order items are visited in each epoch; `BatchSampler` cuts that order into
 * batches of indices. All randomness comes from the project's seeded generator (`core/rng`).
 */
import seedrandom from 'seedrandom';
import { permutation, random } from '../core/rng.js';
import { checkInt } from '../core/validate.js';

/** A sampler generator's saved state (seedrandom's alea state: plain numbers, JSON-safe). */
export type SamplerRngState = {
  /** The generator's internal state (seedrandom's alea). */
  alea: Record<string, number>;
};

/** A uniform [0, 1) generator whose state can be read (for checkpoints). */
export type StatefulRand = (() => number) & { state(): Record<string, number> };

/**
 * A generator seeded from `seed` whose state can be saved: the same sequence as `makeRng(seed)`
 * (both are seedrandom's alea), plus `state()`. DataLoaders given a `seed` use it.
 */
export function seededRand(seed: number): StatefulRand {
  return seedrandom.alea(String(seed), { state: true }) as StatefulRand;
}

function hasState(r: () => number): r is StatefulRand {
  return typeof (r as Partial<StatefulRand>).state === 'function';
}

/** An epoch-order source: each call to `indices()` gives the item order for one epoch. */
export interface Sampler {
  /** Number of items the sampler covers (`0 … length-1`). */
  readonly length: number;
  /** A fresh array with one epoch's visiting order (every index exactly once). */
  indices(): Int32Array;
  /** Whether `indices()` gives a different order each epoch (the order must then be saved to resume mid-epoch). */
  readonly random?: boolean;
  /** The state of the sampler's own generator, or null when it has none to save. */
  getRngState?(): SamplerRngState | null;
  /** Restore what `getRngState` returned. */
  setRngState?(state: SamplerRngState | null): void;
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
  /** Always true: every epoch is a new order. */
  readonly random = true;
  private rand: () => number;

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

  /**
   * The own generator's state, or null when the sampler draws from the global generator (saved
   * with `getRngState` from `core/rng`) or from a `rand` without a `state()` method.
   */
  getRngState(): SamplerRngState | null {
    return this.rand !== random && hasState(this.rand) ? { alea: { ...this.rand.state() } } : null;
  }

  /**
   * Restore a state from `getRngState`. A null state is only accepted when this sampler has no own
   * generator state either.
   * @throws Error when the state does not fit this sampler (own generator vs global).
   */
  setRngState(state: SamplerRngState | null): void {
    const mine = this.getRngState() !== null;
    if (mine !== (state !== null)) {
      throw new Error(`RandomSampler.setRngState: the state ${state ? 'has' : 'has no'} own generator but this sampler ${mine ? 'has one (seeded)' : 'has none (it draws from the global generator)'}`);
    }
    if (state) this.rand = seedrandom.alea('', { state: state.alea as seedrandom.State.Alea }) as StatefulRand;
  }
}

/**
 * Number of batches `n` items give with batch size `bs`: `ceil(n / bs)`, or `floor(n / bs)` when
 * the last partial batch is dropped.
 */
export function numBatches(n: number, bs: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
}

/** One batch of an epoch, as `BatchSampler.epoch` gives it. */
export interface EpochBatch {
  /** The items of the batch (a new array the consumer may keep). */
  indices: Int32Array;
  /** The batch's number in the epoch, from 0. */
  batch: number;
  /** The whole epoch's order. */
  order: Int32Array;
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
  /** The order of the epoch started last (null before the first), for mid-epoch checkpoints. */
  lastOrder: Int32Array | null = null;
  private pending: { order: Int32Array; from: number } | null = null;

  /**
   * @throws RangeError if `bs` is not an integer >= 1.
   */
  constructor(sampler: Sampler, opts: BatchSamplerOptions) {
    checkInt('BatchSampler', 'bs', opts.bs);
    this.sampler = sampler;
    this.bs = opts.bs;
    this.dropLast = opts.dropLast ?? false;
  }

  /** Number of batches per epoch. */
  get length(): number {
    return numBatches(this.sampler.length, this.bs, this.dropLast);
  }

  /**
   * Make the next epoch continue `order` from batch `from` instead of drawing a new order (to
   * resume mid-epoch: the order and position come from a checkpoint).
   * @throws RangeError if `order` is not a permutation of the sampler's items or `from` is outside
   *   `[0, length]`.
   */
  resumeAt(order: Int32Array, from: number): void {
    const n = this.sampler.length;
    if (order.length !== n) throw new RangeError(`BatchSampler.resumeAt: order has ${order.length} indices, the sampler has ${n} items`);
    const seen = new Uint8Array(n);
    for (const i of order) {
      if (!(i >= 0 && i < n) || seen[i]) throw new RangeError(`BatchSampler.resumeAt: order is not a permutation of 0…${n - 1} (index ${i})`);
      seen[i] = 1;
    }
    if (!Number.isInteger(from) || from < 0 || from > this.length) throw new RangeError(`BatchSampler.resumeAt: from must be an integer in [0, ${this.length}], got ${from}`);
    this.pending = { order, from };
  }

  /** One epoch of index batches (each a new array the consumer may keep). */
  *[Symbol.iterator](): Iterator<Int32Array> {
    for (const { indices } of this.epoch()) yield indices;
  }

  /**
   * One epoch of index batches with their number in the epoch (a resumed epoch starts at its
   * saved batch) and the epoch's order.
   */
  *epoch(): Generator<EpochBatch> {
    const start = this.pending;
    this.pending = null;
    const order = start ? start.order : this.sampler.indices();
    this.lastOrder = order;
    const nb = numBatches(order.length, this.bs, this.dropLast);
    for (let b = start ? start.from : 0; b < nb; b++) {
      yield { indices: order.slice(b * this.bs, Math.min((b + 1) * this.bs, order.length)), batch: b, order };
    }
  }
}
