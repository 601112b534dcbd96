/**
 * Fashion-MNIST (Zalando's 70,000 28×28 grey images of clothes, 10 classes, the MNIST file format)
 * as an `ImageDataBunch`: found in a folder you name, else in Debian's `dataset-fashion-mnist`
 * folder, else downloaded; kept as bytes, normalised per batch, optionally augmented with a random
 * pad-and-crop shift.
 */
import { stat } from '../platform/fs.js';
import { dirname } from '../platform/path.js';
import { DataLoader } from './data-loader.js';
import type { Dataset } from './dataset.js';
import type { FetchLike } from './download.js';
import { padCrop, TransformedDataset, type ImageTransform } from './augment.js';
import {
  describeFashionMnistDir,
  downloadFashionMnist,
  fashionMnistHelp,
  findFashionMnist,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_DEFAULT_DIR,
  type FashionMnistPaths,
} from './fashion-mnist-files.js';
import { readIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxData } from './idx.js';
import { ByteImageDataset } from './image-folder.js';
import { ImageDataBunch } from './image-data-bunch.js';
import type { ByteImages } from './cifar10.js';
import { checkInt } from '../core/validate.js';

/** Mean of the 60,000 training images' pixels in [0, 1] (0.2860). */
export const FASHION_MNIST_MEAN = 0.286;
/** Population standard deviation of the training images' pixels in [0, 1] (0.3530). */
export const FASHION_MNIST_STD = 0.353;
/**
 * Pixels of random shift in the default augmentation. The garments fill the frame (every class
 * has ink within 2 pixels of the border), so larger shifts would cut them off.
 */
export const FASHION_MNIST_PAD = 2;

const SIDE = 28;

/** Fashion-MNIST read from disk, as bytes (before normalisation). */
export interface FashionMnistArrays {
  /** The 60,000 training images (`n × 28 × 28 × 1` bytes) and labels. */
  train: ByteImages;
  /** The 10,000 test images, used for validation. */
  test: ByteImages;
  /** Class names in label order (`FASHION_MNIST_CLASSES`). */
  classes: string[];
  /** The folder the files were read from. */
  dir: string;
}

/** Where to look for the files and whether to download them (shared by the loaders). */
export interface FashionMnistSourceOptions {
  /**
   * Folder holding the four files (plain or `.gz`). Default: `FASHION_MNIST_DEBIAN_DIR` when it
   * holds them, else `FASHION_MNIST_DEFAULT_DIR`.
   */
  dir?: string;
  /** Download missing files into the chosen folder (default true; needs a network). */
  download?: boolean;
  /** The fetch used to download (default the global `fetch`). */
  fetch?: FetchLike;
  /** Progress messages (where the data was found, downloads). Default: none. */
  log?: (msg: string) => void;
  /** Keep only the first N images of each split, for quick runs (the files are in random class order). */
  subset?: number;
}

/**
 * The four files' paths: in `dir` when given, else Debian's folder, else the default folder;
 * downloads into that folder when files are missing and `download` is not false.
 * @throws Error saying exactly how to get the data when the files are absent and cannot be downloaded.
 */
export async function resolveFashionMnist(opts: FashionMnistSourceOptions = {}): Promise<FashionMnistPaths> {
  const log = opts.log ?? (() => {});
  const candidates = opts.dir !== undefined ? [opts.dir] : [FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_DEFAULT_DIR];
  for (const d of candidates) {
    const found = await findFashionMnist(d);
    if (found) {
      log(`Fashion-MNIST: reading ${d}`);
      return found;
    }
  }
  const target = candidates[candidates.length - 1];
  const looked = (await Promise.all(candidates.map(describeFashionMnistDir))).join('; ');
  const targetStat = await stat(target).catch(() => null);
  if (targetStat && !targetStat.isDirectory()) throw new Error(`loadFashionMnist: ${looked}`); // nothing to download into
  if (opts.download === false) {
    throw new Error(`loadFashionMnist: ${looked} (downloading is off). ${fashionMnistHelp(target)}`);
  }
  try {
    return await downloadFashionMnist(target, { fetch: opts.fetch, log });
  } catch (e) {
    throw new Error(`loadFashionMnist: ${looked}, and downloading failed: ${(e as Error).message}`, { cause: e });
  }
}

function checkImages(path: string, d: IdxData): void {
  if (d.magic !== IDX_IMAGES_MAGIC || d.shape.length !== 3 || d.shape[1] !== SIDE || d.shape[2] !== SIDE) {
    throw new Error(`loadFashionMnist: ${path}: expected 28×28 images (IDX magic 0x00000803, shape [n, 28, 28]), got magic 0x${d.magic.toString(16).padStart(8, '0')} with shape [${d.shape.join(', ')}]`);
  }
}

function checkLabels(path: string, d: IdxData, n: number, imgPath: string): Int32Array {
  if (d.magic !== IDX_LABELS_MAGIC || d.shape.length !== 1) {
    throw new Error(`loadFashionMnist: ${path}: expected a labels file (IDX magic 0x00000801, shape [n]), got magic 0x${d.magic.toString(16).padStart(8, '0')} with shape [${d.shape.join(', ')}]`);
  }
  if (d.shape[0] !== n) throw new Error(`loadFashionMnist: ${imgPath} has ${n} images but ${path} has ${d.shape[0]} labels`);
  const i = d.data.findIndex((v) => v >= FASHION_MNIST_CLASSES.length);
  if (i >= 0) throw new Error(`loadFashionMnist: ${path}: label ${d.data[i]} at index ${i} is out of range; expected 0 to ${FASHION_MNIST_CLASSES.length - 1}`);
  return Int32Array.from(d.data);
}

async function readSplit(imgPath: string, lblPath: string, limit: number): Promise<ByteImages> {
  const [img, lbl] = await Promise.all([readIdx(imgPath), readIdx(lblPath)]);
  checkImages(imgPath, img);
  const labels = checkLabels(lblPath, lbl, img.shape[0], imgPath);
  const n = Math.min(labels.length, limit);
  // copy, so that the decompressed file (header + all images) can be freed
  return { images: img.data.slice(0, n * SIDE * SIDE), labels: labels.slice(0, n) };
}

/**
 * Fashion-MNIST as bytes: `train` (60,000) and `test` (10,000) images `n × 28 × 28 × 1` with int32
 * labels, found (or downloaded) as `resolveFashionMnist` does.
 * @throws Error saying how to get missing data, or naming a malformed file.
 */
export async function loadFashionMnistArrays(opts: FashionMnistSourceOptions = {}): Promise<FashionMnistArrays> {
  const limit = opts.subset ?? Infinity;
  if (opts.subset !== undefined) checkInt('loadFashionMnist', 'subset', opts.subset);
  const f = await resolveFashionMnist(opts);
  const [train, test] = [await readSplit(f.trainImages, f.trainLabels, limit), await readSplit(f.validImages, f.validLabels, limit)];
  return { train, test, classes: [...FASHION_MNIST_CLASSES], dir: dirname(f.trainImages) };
}

/** Options of `loadFashionMnist`. */
export interface LoadFashionMnistOptions extends FashionMnistSourceOptions {
  /** Training batch size (default 64). */
  bs?: number;
  /** Validation batch size (default `2 * bs`). */
  validBs?: number;
  /** Seed of the training loader's shuffling (default: the global generator). */
  seed?: number;
  /**
   * Augment TRAINING batches: `true` for a random shift of up to `FASHION_MNIST_PAD` (2) pixels —
   * pad with the background (black) and crop 28×28 at a random place per image, drawn from the
   * global seeded RNG — or your own transform. No flips by default: every sandal, sneaker and ankle
   * boot in the set points the same way (the toe at the left), so a mirrored shoe is an image the
   * test set never shows; vertical flips are wrong for every class. Default false.
   */
  augment?: boolean | ImageTransform;
  /** Normalise with `FASHION_MNIST_MEAN` / `FASHION_MNIST_STD` (default true); false leaves values in [0, 1]. */
  normalize?: boolean;
}

/**
 * Load Fashion-MNIST as an `ImageDataBunch` (`c` = 10, `cIn` = 1, `classes` = the garment names):
 * float32 NHWC batches `[bs, 28, 28, 1]` normalised with the training set's mean and std (kept in
 * `normStats`, so `showBatch` and the interpretation pictures de-normalise them), int32
 * labels. The training loader shuffles; the 10,000 test images are the validation set, in file order.
 * Looks for the files in `dir`, else in Debian's `/usr/share/datasets/fashion-mnist`, else
 * downloads them (see `resolveFashionMnist`).
 * @throws Error saying exactly how to get the data when it is absent; RangeError for a bad `bs`.
 */
export async function loadFashionMnist(opts: LoadFashionMnistOptions = {}): Promise<ImageDataBunch> {
  const bs = opts.bs ?? 64;
  const validBs = opts.validBs ?? 2 * bs;
  checkInt('loadFashionMnist', 'bs', bs);
  checkInt('loadFashionMnist', 'validBs', validBs);
  const arr = await loadFashionMnistArrays(opts);
  const norm = opts.normalize ?? true;
  const stats = norm ? { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD } : {};
  const shape = [SIDE, SIDE, 1] as const;
  const trainBytes = new ByteImageDataset(arr.train.images, arr.train.labels, shape, stats);
  const validDs = new ByteImageDataset(arr.test.images, arr.test.labels, shape, stats);
  let trainDs: Dataset = trainBytes;
  if (opts.augment) {
    const background = norm ? -FASHION_MNIST_MEAN / FASHION_MNIST_STD : 0;
    const tfm = typeof opts.augment === 'function' ? opts.augment : padCrop({ pad: FASHION_MNIST_PAD, mode: 'constant', value: background });
    trainDs = new TransformedDataset(trainBytes, tfm);
  }
  const trainDl = new DataLoader(trainDs, { bs, shuffle: true, seed: opts.seed });
  const validDl = new DataLoader(validDs, { bs: validBs, shuffle: false });
  return new ImageDataBunch(trainDl, validDl, arr.classes, { cIn: 1, normStats: norm ? { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD } : undefined });
}
