/** Fetching a few input images of a loader for the interpretation pictures (one device read). */
import { tf } from '../backend/tf.js';
import type { Dataset } from '../data/dataset.js';
import type { BatchSource } from '../core/predict.js';

/** A loader whose items can be fetched by position: a `DataLoader` that does not shuffle. */
export type IndexedSource = {
  /** The dataset the loader batches. */
  dataset: Dataset;
  /** Whether the loader shuffles (pictures of images need one that does not). */
  shuffle?: boolean;
};

/** The loader's dataset when its iteration order is the dataset's (position i = item i), else null. */
export function orderedDataset(dl: BatchSource | IndexedSource): Dataset | null {
  const d = dl as Partial<IndexedSource>;
  return d.dataset && typeof d.dataset.getBatch === 'function' && !d.shuffle ? d.dataset : null;
}

/**
 * The items at `indices` of `ds`: read asynchronously when the dataset can (`prepareBatch`: image
 * files, which a page decodes asynchronously only), else with `getBatch`. Seed 0, as `getBatch`'s default.
 */
export async function itemsAt(ds: Dataset, indices: Int32Array): Promise<[tf.Tensor, tf.Tensor]> {
  return ds.prepareBatch ? (await ds.prepareBatch(indices, 0))() : ds.getBatch(indices);
}

/** Images as host arrays: `x` NHWC values `[n, h, w, c]` and the shape. */
export type HostImages = { x: Float32Array; n: number; h: number; w: number; c: number };

/** The shape check every picture of images needs. */
export function checkImages(where: string, x: tf.Tensor): void {
  if (x.rank !== 4 || (x.shape[3] !== 1 && x.shape[3] !== 3)) {
    throw new Error(`${where}: pictures need NHWC images with 1 or 3 channels, got inputs of shape [${x.shape.join(', ')}] (flat inputs cannot be drawn)`);
  }
}

/** Read `x` (NHWC images) and `extra` (1-D numbers) from the device in one read; disposes nothing. */
export async function readImages(where: string, x: tf.Tensor, extra: tf.Tensor[] = []): Promise<{ images: HostImages; extra: Float32Array[] }> {
  checkImages(where, x);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const flat = tf.tidy(() => tf.concat([tf.reshape(tf.cast(x, 'float32'), [-1]), ...extra.map((e) => tf.reshape(tf.cast(e, 'float32'), [-1]))]));
  const all = (await flat.data()) as Float32Array;
  flat.dispose();
  const size = n * h * w * c;
  const out: Float32Array[] = [];
  let at = size;
  for (const e of extra) {
    out.push(all.slice(at, at + e.size));
    at += e.size;
  }
  return { images: { x: all.subarray(0, size), n, h, w, c }, extra: out };
}
