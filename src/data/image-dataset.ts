/**
 * `ImageDataset`: a dataset of image files read lazily — it holds where each image is and its
 * label, never the pixels, so memory does not grow with the number of images. Each batch is
 * decoded by a `BatchDecoder` (worker threads in Node) through the item transforms, becomes a float
 * NHWC batch, then gets the batch transforms on the device and the normalisation.
 */
import { tf } from '../backend/tf.js';
import { describeSource, type ByteSource } from '../io/byte-source.js';
import type { ImageTransform } from './augment.js';
import type { BatchDecoder, BatchResult } from './batch-decoder.js';
import type { Dataset } from './dataset.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from './image-header.js';
import type { ItemPipeline } from './image-item.js';
import { mixSeed, outputSize } from './item-plan.js';
import type { ItemTransform } from './item-transforms.js';
import { normalize, type MeanStd } from './normalize.js';

/** What to do with an image that cannot be read or decoded. */
export type OnImageError = 'raise' | 'skip';

/** Options of `ImageDataset`. */
export interface ImageDatasetOptions {
  /** Item transforms (one must be `Resize` or `RandomResizedCrop`: every item gets its size). */
  itemTfms: readonly ItemTransform[];
  /** Batch transforms, applied on the device in order (e.g. `augTransforms()`); default none. */
  batchTfms?: readonly ImageTransform[];
  /** Training set (random item transforms on) or validation (default true). */
  train?: boolean;
  /** 3 (RGB, default) or 1 (grey). */
  channels?: 1 | 3;
  /** Normalise every batch to `(x - mean) / std` after the batch transforms (x in [0, 1]). */
  normStats?: MeanStd;
  /** Refuse images declaring more than this many pixels, before decoding (default `DEFAULT_MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
  /** Refuse files larger than this many bytes, before reading (default: no limit). */
  maxBytes?: number;
  /**
   * `'raise'` (default): a file that cannot be read or decoded stops the loop with an error naming
   * it. `'skip'`: its batch goes on without it; it is counted in `skipped` and the first few are
   * named on stderr.
   */
  onError?: OnImageError;
  /** Who decodes (e.g. `createBatchDecoder(2)`); shared by a bunch's training and validation sets. */
  decoder: BatchDecoder;
}

/** An image left out of its batch (`onError: 'skip'`). */
export interface SkippedImage {
  /** The file (or other source), as error messages name it. */
  source: string;
  /** What was wrong. */
  message: string;
}

/** The images an `ImageDataset` skipped so far. */
export interface SkippedImages {
  /** How many. */
  count: number;
  /** The first 100, with why. */
  first: SkippedImage[];
}

/** How many skipped files are named on stderr before only counting. */
const NAMED_SKIPS = 5;

/** A lazily decoded dataset of image files with integer labels. */
export class ImageDataset implements Dataset {
  /** Where each image is. */
  readonly sources: readonly ByteSource[];
  /** One label per image. */
  readonly labels: Int32Array;
  /** `[h, w, channels]` of every item. */
  readonly itemShape: readonly [number, number, number];
  /** The decoder the batches go to. */
  readonly decoder: BatchDecoder;
  /** Items skipped so far (`onError: 'skip'`): the count, and the first ones with why. */
  readonly skipped: SkippedImages = { count: 0, first: [] };
  private readonly pipeline: ItemPipeline;
  private readonly batchTfms: readonly ImageTransform[];
  private readonly normStats: MeanStd | undefined;
  private readonly maxBytes: number | undefined;
  private readonly onError: OnImageError;

  /**
   * @throws RangeError when sources and labels differ in length, there is no size transform, or an
   *   option is out of range.
   */
  constructor(sources: readonly ByteSource[], labels: Int32Array, opts: ImageDatasetOptions) {
    if (sources.length !== labels.length) throw new RangeError(`ImageDataset: ${sources.length} sources but ${labels.length} labels`);
    const tfms = opts.itemTfms.map((t) => t.spec);
    const hw = outputSize(tfms);
    if (!hw) throw new RangeError('ImageDataset: itemTfms needs a Resize or RandomResizedCrop (or give `size`): images of different sizes cannot share a batch');
    const channels = opts.channels ?? 3;
    if (channels !== 1 && channels !== 3) throw new RangeError(`ImageDataset: channels must be 1 or 3, got ${channels}`);
    const maxPixels = opts.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
    if (!(Number.isInteger(maxPixels) && maxPixels >= 1)) throw new RangeError(`ImageDataset: maxPixels must be an integer >= 1, got ${maxPixels}`);
    if (opts.maxBytes !== undefined && !(Number.isInteger(opts.maxBytes) && opts.maxBytes >= 1)) throw new RangeError(`ImageDataset: maxBytes must be an integer >= 1, got ${opts.maxBytes}`);
    const onError = opts.onError ?? 'raise';
    if (onError !== 'raise' && onError !== 'skip') throw new RangeError(`ImageDataset: onError must be 'raise' or 'skip', got ${JSON.stringify(onError)}`);
    this.sources = sources;
    this.labels = labels;
    this.itemShape = [hw[0], hw[1], channels];
    this.pipeline = { tfms, train: opts.train ?? true, channels, maxPixels };
    this.batchTfms = opts.batchTfms ?? [];
    this.normStats = opts.normStats;
    this.maxBytes = opts.maxBytes;
    this.onError = onError;
    this.decoder = opts.decoder;
  }

  /** Number of images. */
  get length(): number {
    return this.labels.length;
  }

  /** Batches a loader prepares ahead: two per decoding job that can run at once. */
  get prefetch(): number {
    return 2 * this.decoder.parallelism;
  }

  /** Whether this is a training set (random item transforms on). */
  get train(): boolean {
    return this.pipeline.train;
  }

  private job(indices: Int32Array, seed: number) {
    const sources = Array.from(indices, (k, i) => {
      if (!(k >= 0 && k < this.length)) throw new RangeError(`ImageDataset: index ${k} (at position ${i}) is out of range [0, ${this.length})`);
      return this.sources[k];
    });
    const seeds = Uint32Array.from(indices, (_, i) => mixSeed(seed, i));
    return { sources, seeds, pipeline: this.pipeline, maxBytes: this.maxBytes };
  }

  /**
   * Decode the batch of `indices` in the decoder (worker threads) and resolve to the function that
   * makes its tensors. `seed` drives the items' random transforms.
   */
  async prepareBatch(indices: Int32Array, seed: number): Promise<() => [tf.Tensor, tf.Tensor]> {
    const job = this.job(indices, seed);
    const result = await this.decoder.decode(job);
    return () => this.toTensors(indices, result);
  }

  /**
   * The batch of `indices`, decoded on the calling thread (interpretation pictures, plain `for`
   * loops); training loops use `prepareBatch` through the loader.
   * @throws Error when the decoder cannot work synchronously (a browser's), or an image fails (with `onError: 'raise'`).
   */
  getBatch(indices: Int32Array, seed = 0): [tf.Tensor, tf.Tensor] {
    if (!this.decoder.decodeSync) throw new Error(`ImageDataset.getBatch: ${this.decoder.name} decodes asynchronously only; iterate the loader with for await`);
    return this.toTensors(indices, this.decoder.decodeSync(this.job(indices, seed)));
  }

  /** The batch's tensors: failed items raise or are dropped, then batch transforms and normalisation. */
  private toTensors(indices: Int32Array, r: BatchResult): [tf.Tensor, tf.Tensor] {
    const [h, w, c] = this.itemShape;
    const size = h * w * c;
    let x = r.x;
    let labels = Int32Array.from(indices, (k) => this.labels[k]);
    if (r.failed.length > 0) {
      if (this.onError === 'raise') throw new Error(r.failed[0].message + (r.failed.length > 1 ? ` (and ${r.failed.length - 1} more in this batch)` : ''));
      this.noteSkips(indices, r.failed);
      if (r.failed.length === indices.length) throw new Error(`ImageDataset: every image of a batch of ${indices.length} failed, e.g. ${r.failed[0].message}`);
      const bad = new Set(r.failed.map((f) => f.pos));
      const keep = Array.from(indices.keys()).filter((i) => !bad.has(i));
      const xs = new Float32Array(keep.length * size);
      keep.forEach((i, j) => xs.set(x.subarray(i * size, (i + 1) * size), j * size));
      x = xs;
      labels = Int32Array.from(keep, (i) => labels[i]);
    }
    const n = labels.length;
    return tf.tidy(() => {
      let xb: tf.Tensor = tf.tensor4d(x, [n, h, w, c], 'float32');
      for (const f of this.batchTfms) xb = f(xb);
      if (this.normStats) xb = normalize(xb, this.normStats.mean, this.normStats.std);
      return [xb, tf.tensor1d(labels, 'int32')];
    });
  }

  private noteSkips(indices: Int32Array, failed: BatchResult['failed']): void {
    for (const f of failed) {
      this.skipped.count++;
      if (this.skipped.first.length < 100) this.skipped.first.push({ source: describeSource(this.sources[indices[f.pos]]), message: f.message });
      if (this.skipped.count <= NAMED_SKIPS) {
        console.warn(`tfai: skipped an image (onError: 'skip'): ${f.message}${this.skipped.count === NAMED_SKIPS ? ' (further skips are counted in dataset.skipped)' : ''}`);
      }
    }
  }

  /** Stop the decoder's worker threads (they start again if the dataset is used later). */
  dispose(): void {
    this.decoder.close();
  }
}
