/**
 * `DataBunch`: the training and validation loaders of one task, plus what a model needs to know
 * about it (number of classes `c`, number of input channels `cIn`).
 */
import type { DataLoader } from './data-loader.js';
import type { Dataset } from './dataset.js';
import { checkInt } from '../core/validate.js';

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
   * @param c number of classes, an integer >= 1.
   * @param cIn input channels; inferred from `trainDl.dataset.itemShape` when omitted.
   * @throws RangeError if `c` (or a given `cIn`) is not an integer >= 1.
   */
  constructor(trainDl: DataLoader, validDl: DataLoader, c: number, cIn?: number) {
    checkInt('DataBunch', 'c (number of classes)', c);
    if (cIn !== undefined) checkInt('DataBunch', 'cIn', cIn);
    this.trainDl = trainDl;
    this.validDl = validDl;
    this.c = c;
    this.cIn = cIn ?? inferCIn(trainDl.dataset.itemShape);
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
