/**
 * `getDls`: the notebooks' `get_dls(train_ds, valid_ds, bs)` — a shuffled training loader and an
 * in-order validation loader at twice the batch size, ready for `new DataBunch(...getDls(…), c)`.
 */
import { DataLoader, type DataLoaderOptions } from './data-loader.js';
import type { Dataset } from './dataset.js';
import { checkInt } from '../core/validate.js';

/** Options of `getDls`, passed to both loaders (as the notebook's `**kwargs`). */
export interface GetDlsOptions extends Omit<DataLoaderOptions, 'bs' | 'shuffle'> {
  /** Validation batch size (default `2 * bs`). */
  validBs?: number;
}

/**
 * `[trainDl, validDl]`: `trainDs` in batches of `bs`, reshuffled every epoch, and `validDs` in
 * order in batches of `validBs` (default `2 * bs`); `dropLast` and `seed` apply to both.
 *
 * ```ts
 * const data = new DataBunch(...getDls(trainDs, validDs, 512), 10);
 * ```
 * @throws RangeError for a `bs` or `validBs` that is not an integer >= 1, or what `DataLoader` rejects.
 */
export function getDls(trainDs: Dataset, validDs: Dataset, bs: number, opts: GetDlsOptions = {}): [DataLoader, DataLoader] {
  checkInt('getDls', 'bs', bs);
  const { validBs = 2 * bs, ...rest } = opts;
  checkInt('getDls', 'validBs', validBs);
  return [new DataLoader(trainDs, { ...rest, bs, shuffle: true }), new DataLoader(validDs, { ...rest, bs: validBs, shuffle: false })];
}
