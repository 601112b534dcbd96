/**
 * `DataLoader`: iterates a `Dataset` in batches, optionally shuffled per epoch with a seeded
 * generator. Iterate with `for await (const [xb, yb] of dl)`; each batch belongs to the caller.
 */
import type { tf } from '../backend/tf.js';
import type { Dataset } from './dataset.js';
import { BatchSampler, RandomSampler, SequentialSampler, numBatches, seededRand, type Sampler, type SamplerRngState } from './samplers.js';
import { checkInt } from '../core/validate.js';
import { mixSeed } from './item-plan.js';

/** A 32-bit hash of an epoch's order (FNV-1a over the indices). */
function hashOrder(order: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < order.length; i++) h = Math.imul(h ^ order[i], 0x01000193);
  return h >>> 0;
}

/** What a checkpoint keeps of a loader to resume it exactly (JSON-safe). */
export interface DataLoaderState {
  /** The shuffle generator's state when the loader owns one (it was given a `seed`), else null. */
  rng: SamplerRngState | null;
  /** The current epoch's order, for a shuffled loader saved mid-epoch; else null. */
  order: number[] | null;
}

/** Options for `DataLoader`. */
export interface DataLoaderOptions {
  /** Batch size, an integer >= 1 (default 64). */
  bs?: number;
  /** Draw a new random order every epoch (default false: items in order). */
  shuffle?: boolean;
  /** Drop the last batch when it has fewer than `bs` items (default false). */
  dropLast?: boolean;
  /**
   * Seed for this loader's own generator (`makeRng(seed)`): the sequence of per-epoch
   * permutations is then reproducible. Without it, shuffling draws from the current generator
   * (`random`: during a fit, the fit's own stream; reproducible via `setSeed`).
   */
  seed?: number;
}

/**
 * Batches a dataset. `length` is the number of batches per epoch; each iteration over the loader
 * is one epoch (and, with `shuffle`, a new permutation). Batches are produced lazily, one per step,
 * as NEW tensors the consumer must dispose; breaking out of the loop early leaks nothing.
 */
export class DataLoader implements AsyncIterable<[tf.Tensor, tf.Tensor]>, Iterable<[tf.Tensor, tf.Tensor]> {
  /** The dataset being batched. */
  readonly dataset: Dataset;
  /** Batch size. */
  readonly bs: number;
  /** Whether each epoch is a fresh random permutation. */
  readonly shuffle: boolean;
  /** Whether a last partial batch is dropped. */
  readonly dropLast: boolean;
  /** The seed given at construction, if any. */
  readonly seed: number | undefined;
  /** The per-epoch batches of indices. */
  readonly batchSampler: BatchSampler;
  private epochCount = 0;

  /**
   * @throws RangeError if `bs` is not an integer >= 1, if `seed` is not finite, if the dataset is
   *   empty, or if `dropLast` with `bs > dataset.length` would give zero batches.
   */
  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    const bs = opts.bs ?? 64;
    checkInt('DataLoader', 'bs', bs);
    const n = dataset.length;
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`DataLoader: dataset.length must be an integer >= 0, got ${n}`);
    }
    if (n === 0) {
      throw new RangeError('DataLoader: dataset is empty (length 0); it must have at least 1 item');
    }
    const dropLast = opts.dropLast ?? false;
    if (dropLast && bs > n) {
      throw new RangeError(
        `DataLoader: dropLast with bs ${bs} > dataset length ${n} gives zero batches; ` +
          `use bs <= ${n} or dropLast: false`,
      );
    }
    if (opts.seed !== undefined && !Number.isFinite(opts.seed)) {
      throw new RangeError(`DataLoader: seed must be a finite number, got ${opts.seed}`);
    }
    this.dataset = dataset;
    this.bs = bs;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = dropLast;
    this.seed = opts.seed;
    const sampler: Sampler = this.shuffle
      ? new RandomSampler(n, opts.seed === undefined ? {} : { rand: seededRand(opts.seed) })
      : new SequentialSampler(n);
    this.batchSampler = new BatchSampler(sampler, { bs, dropLast });
  }

  /** Number of batches per epoch. */
  get length(): number {
    return numBatches(this.dataset.length, this.bs, this.dropLast);
  }

  /** Number of items visited per epoch (fewer than `dataset.length` only with `dropLast`). */
  get nItems(): number {
    return this.dropLast ? this.length * this.bs : this.dataset.length;
  }

  /**
   * The state to save in a checkpoint: the own shuffle generator's state, and with `withOrder`
   * the order of the epoch in progress (needed to resume a shuffled loader mid-epoch).
   */
  getState(opts: { withOrder?: boolean } = {}): DataLoaderState {
    const sampler = this.batchSampler.sampler;
    const last = this.batchSampler.lastOrder;
    return {
      rng: sampler.getRngState?.() ?? null,
      order: opts.withOrder && this.shuffle && last ? Array.from(last) : null,
    };
  }

  /**
   * Check that `state` fits this loader (same kind of generator, an order of the right length when
   * resuming a shuffled loader mid-epoch) without changing anything.
   * @throws Error naming what does not fit.
   */
  checkState(state: DataLoaderState, opts: { resumeAt?: number } = {}): void {
    const mine = this.batchSampler.sampler.getRngState?.() ?? null;
    if ((mine === null) !== (state.rng === null)) {
      throw new Error(`DataLoader.setState: the saved state ${state.rng ? 'has its own shuffle generator' : 'has no shuffle generator of its own'} but this loader ${mine ? 'has one (shuffle with seed)' : 'has none'}: create the loader with the same shuffle and seed options`);
    }
    const from = opts.resumeAt ?? 0;
    if (!Number.isInteger(from) || from < 0 || from > this.length) throw new RangeError(`DataLoader.setState: resumeAt must be an integer in [0, ${this.length}], got ${from}`);
    if (from > 0 && this.shuffle) {
      if (!state.order) throw new Error(`DataLoader.setState: resuming a shuffled loader at batch ${from} needs the epoch's order, which the state does not have`);
      if (state.order.length !== this.dataset.length) throw new Error(`DataLoader.setState: the saved order has ${state.order.length} items, the dataset ${this.dataset.length}`);
      const seen = new Uint8Array(this.dataset.length);
      for (const i of state.order) {
        if (!Number.isInteger(i) || i < 0 || i >= seen.length || seen[i]) throw new Error(`DataLoader.setState: the saved order is not a permutation of 0…${seen.length - 1} (index ${JSON.stringify(i)})`);
        seen[i] = 1;
      }
    }
  }

  /**
   * Restore a state from `getState`. With `resumeAt: k` (> 0) the next epoch continues the saved
   * epoch from batch `k` instead of starting a new one.
   * @throws Error (before changing anything) when the state does not fit, see `checkState`.
   */
  setState(state: DataLoaderState, opts: { resumeAt?: number } = {}): void {
    this.checkState(state, opts);
    const from = opts.resumeAt ?? 0;
    if (from > 0) {
      const order = this.shuffle ? Int32Array.from(state.order!) : new SequentialSampler(this.dataset.length).indices();
      this.batchSampler.resumeAt(order, from);
    }
    this.batchSampler.sampler.setRngState?.(state.rng);
  }

  /**
   * One epoch's batches of indices, each with its seed for per-item random transforms: a hash of
   * the epoch's order (so a seeded loader, or a resumed one that restores its order, gives the same
   * seeds) and the batch's number; an in-order loader counts its epochs instead.
   */
  private *seededBatches(): Generator<{ indices: Int32Array; seed: number }> {
    let key: number | undefined;
    for (const { indices, batch, order } of this.batchSampler.epoch()) {
      key ??= this.shuffle ? hashOrder(order) : mixSeed(this.seed ?? 0, this.epochCount++);
      yield { indices, seed: mixSeed(key, batch) };
    }
  }

  /** One epoch of batches, synchronously (`for (const [xb, yb] of dl)`). */
  *[Symbol.iterator](): Iterator<[tf.Tensor, tf.Tensor]> {
    for (const { indices, seed } of this.seededBatches()) yield this.dataset.getBatch(indices, seed);
  }

  /**
   * One epoch of batches (`for await (const [xb, yb] of dl)`). A dataset with `prepareBatch`
   * (image files) has its next `prefetch` batches in preparation while the caller uses one.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<[tf.Tensor, tf.Tensor]> {
    const ds = this.dataset;
    if (!ds.prepareBatch) {
      for (const { indices, seed } of this.seededBatches()) yield ds.getBatch(indices, seed);
      return;
    }
    const depth = Math.max(1, ds.prefetch ?? 2);
    const batches = this.seededBatches();
    const queue: Promise<() => [tf.Tensor, tf.Tensor]>[] = [];
    const fill = (): void => {
      while (queue.length < depth) {
        const next = batches.next();
        if (next.done) return;
        const p = ds.prepareBatch!(next.value.indices, next.value.seed);
        p.catch(() => {}); // handled when awaited; a batch abandoned by an early break is dropped
        queue.push(p);
      }
    };
    fill();
    while (queue.length > 0) {
      const make = await queue.shift()!;
      fill();
      yield make();
    }
  }
}
