/**
 * `DataBunch`: the training and validation loaders of one task, plus what a model needs to know
 * about it (number of classes `c`, number of input channels `cIn`).
 */
import { DataLoader } from './data-loader.js';
import type { Dataset } from './dataset.js';
import type { MeanStd } from './normalize.js';
import { checkInt } from '../core/validate.js';

/** Options of `DataBunch` beyond the loaders and `c`. */
export interface DataBunchOptions {
  /** Number of input channels (default: inferred from the training dataset's `itemShape`). */
  cIn?: number;
  /**
   * The statistics the inputs were normalised with (`x = (raw - mean) / std`, scalars or one per
   * channel), so that pictures (`showBatch`) and exports can undo it. Undefined when not normalised.
   */
  normStats?: MeanStd;
}

/** Options of `DataBunch.withBs`. */
export interface WithBsOptions {
  /** Validation batch size (default `2 * bs`, as the notebooks' `get_dls`). */
  validBs?: number;
}

/**
 * Infer the number of input channels from one item's shape: the last axis of an `HWC` image
 * (rank 3), `1` for a bare `HW` image (rank 2), the feature count of a flat vector (rank 1);
 * `undefined` when unknown.
 */
export function inferCIn(itemShape: readonly number[] | undefined): number | undefined {
  if (itemShape === undefined) return undefined;
  switch (itemShape.length) {
    case 1:
      return itemShape[0];
    case 2:
      return 1;
    case 3:
      return itemShape[2];
    default:
      return undefined;
  }
}

/** A training loader, a validation loader and the task's output/input sizes. */
export class DataBunch {
  /** Loader for training (usually shuffled). */
  readonly trainDl: DataLoader;
  /** Loader for validation (usually in order, larger batches). */
  readonly validDl: DataLoader;
  /** Number of classes (output size). */
  readonly c: number;
  /**
   * Number of input channels: the last axis of NHWC images, or the feature count of flat inputs.
   * Given explicitly or inferred from the training dataset's `itemShape`; `undefined` if unknown.
   */
  readonly cIn: number | undefined;
  /**
   * The mean and std the inputs were normalised with (e.g. `loadMnist`: the training set's scalar
   * mean and std; `loadCifar10`: `CIFAR10_MEAN` / `CIFAR10_STD`), or undefined.
   */
  readonly normStats: MeanStd | undefined;

  /**
   * @param c number of classes, an integer >= 1.
   * @param opts input channels (a number, as before) or `{ cIn, normStats }`; `cIn` is inferred
   *   from `trainDl.dataset.itemShape` when omitted.
   * @throws RangeError if `c` (or a given `cIn`) is not an integer >= 1, or `normStats` holds a
   *   non-finite value or a zero std.
   */
  constructor(trainDl: DataLoader, validDl: DataLoader, c: number, opts?: number | DataBunchOptions) {
    const o: DataBunchOptions = typeof opts === 'number' ? { cIn: opts } : opts ?? {};
    checkInt('DataBunch', 'c (number of classes)', c);
    if (o.cIn !== undefined) checkInt('DataBunch', 'cIn', o.cIn);
    if (o.normStats !== undefined) checkNormStats(o.normStats);
    this.trainDl = trainDl;
    this.validDl = validDl;
    this.c = c;
    this.cIn = o.cIn ?? inferCIn(trainDl.dataset.itemShape);
    this.normStats = o.normStats;
  }

  /**
   * The same datasets re-batched (the notebooks' `DataBunch(*get_dls(train_ds, valid_ds, bs), c)`):
   * a training loader with batch size `bs` and the current one's `shuffle`, `dropLast` and `seed`,
   * and an in-order validation loader with `validBs` (default `2 * bs`). `c`, `cIn`, `normStats`
   * (and an `ImageDataBunch`'s classes) carry over.
   *
   * The datasets are shared, not copied: `dispose()` on either bunch frees them for both, so
   * dispose only the one you keep last.
   * @throws RangeError for a `bs` or `validBs` that is not an integer >= 1 (or, with `dropLast`,
   *   larger than its dataset).
   */
  withBs(bs: number, opts: WithBsOptions = {}): this {
    checkInt('DataBunch.withBs', 'bs', bs);
    const validBs = opts.validBs ?? 2 * bs;
    checkInt('DataBunch.withBs', 'validBs', validBs);
    const t = this.trainDl;
    const v = this.validDl;
    const trainDl = new DataLoader(t.dataset, { bs, shuffle: t.shuffle, dropLast: t.dropLast, seed: t.seed });
    const validDl = new DataLoader(v.dataset, { bs: validBs, shuffle: v.shuffle, dropLast: v.dropLast, seed: v.seed });
    return this.withLoaders(trainDl, validDl) as this;
  }

  /** A bunch like this one over other loaders (subclasses override it to keep their own fields). */
  protected withLoaders(trainDl: DataLoader, validDl: DataLoader): DataBunch {
    return new DataBunch(trainDl, validDl, this.c, { cIn: this.cIn, normStats: this.normStats });
  }

  /** The training dataset. */
  get trainDs(): Dataset {
    return this.trainDl.dataset;
  }

  /** The validation dataset. */
  get validDs(): Dataset {
    return this.validDl.dataset;
  }

  /** Dispose both datasets (once each, even if shared) via their optional `dispose()`. */
  dispose(): void {
    const train = this.trainDl.dataset;
    const valid = this.validDl.dataset;
    train.dispose?.();
    if (valid !== train) valid.dispose?.();
  }
}

function checkNormStats(s: MeanStd): void {
  for (const key of ['mean', 'std'] as const) {
    const v = s[key];
    const vals = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(vals) || vals.length === 0) throw new RangeError(`DataBunch: normStats.${key} must be a number or a non-empty array of numbers, got ${JSON.stringify(v)}`);
    vals.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`DataBunch: normStats.${key}${typeof v === 'number' ? '' : `[${i}]`} must be finite, got ${x}`);
      if (key === 'std' && x === 0) throw new RangeError(`DataBunch: normStats.std${typeof v === 'number' ? '' : `[${i}]`} must be non-zero, got 0`);
    });
  }
}
