/**
 * CIFAR-10 as an `ImageDataBunch`: from the official binary release (`data_batch_1.bin` …
 * `data_batch_5.bin`, `test_batch.bin`, optionally inside `cifar-10-batches-bin/`) or from class
 * folders (`train/<class>/*.png|jpg`, `test/<class>/*.png|jpg`). Images stay bytes in host memory
 * and are normalised per batch; the training set can be augmented (flip + pad-crop) per batch.
 */
import { readFile, stat } from '../platform/fs.js';
import { join } from '../platform/path.js';
import { compose, padCrop, randomFlip, TransformedDataset, type ImageTransform } from './augment.js';
import { DataLoader } from './data-loader.js';
import type { Dataset } from './dataset.js';
import { ByteImageDataset, imageFolder } from './image-folder.js';
import { ImageDataBunch } from './image-data-bunch.js';

/** The class names, in label order (as in `batches.meta.txt`). */
export const CIFAR10_CLASSES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** Per-channel (R, G, B) mean of the training images in [0, 1], as the fastai notebooks use. */
export const CIFAR10_MEAN: readonly number[] = [0.4914, 0.48216, 0.44653];
/** Per-channel (R, G, B) standard deviation of the training images in [0, 1]. */
export const CIFAR10_STD: readonly number[] = [0.24703, 0.24349, 0.26159];
/** Bytes of one record of the binary release: 1 label byte + 3 × 32 × 32 pixel bytes (CHW). */
export const CIFAR10_RECORD_BYTES = 3073;
/** The training files of the binary release. */
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test file of the binary release. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The official CIFAR-10 binary release. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** MD5 of `cifar-10-binary.tar.gz`, as published on the CIFAR-10 page. */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** The archive's file name. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const ALL_BINS = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];

/** Images as uint8 NHWC bytes with their labels. */
export interface ByteImages {
  /** `n × h × w × 3` bytes. */
  images: Uint8Array;
  /** `n` labels. */
  labels: Int32Array;
}

/** The error for a .bin whose size is not a positive multiple of the record size, or null when it is. */
function sizeError(name: string, size: number): Error | null {
  if (size === 0) {
    return new Error(
      `${name}: the file is empty (0 bytes); every CIFAR-10 .bin file holds at least one ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(1 label byte + 3,072 pixel bytes): the download or copy was cut short — get the file again`,
    );
  }
  const rem = size % CIFAR10_RECORD_BYTES;
  if (rem === 0) return null;
  return new Error(
    `${name}: size ${size} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 record ` +
      `(1 label byte + 3,072 pixel bytes): ${Math.floor(size / CIFAR10_RECORD_BYTES)} whole records and ${rem} bytes left over`,
  );
}

/**
 * Parse records of the binary release (`1 label byte + R plane + G plane + B plane`, 32×32 each)
 * into NHWC bytes. Reads at most `limit` records. `name` goes into every error.
 * @throws Error naming `name` when it is empty, its size is not a multiple of 3,073 (with the
 *   remainder), or a label is not below `nClasses`.
 */
export function parseCifarBin(bytes: Uint8Array, name = '<buffer>', limit = Infinity, nClasses = 10): ByteImages {
  const bad = sizeError(name, bytes.length);
  if (bad) throw bad;
  const n = Math.min(bytes.length / CIFAR10_RECORD_BYTES, limit);
  const images = new Uint8Array(n * PLANE * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR10_RECORD_BYTES;
    labels[i] = bytes[rec];
    if (labels[i] >= nClasses) throw new Error(`${name}: record ${i} (byte offset ${rec}) has label ${labels[i]}; labels must be in [0, ${nClasses})`);
    const out = i * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      images[out + p * 3] = bytes[rec + 1 + p];
      images[out + p * 3 + 1] = bytes[rec + 1 + PLANE + p];
      images[out + p * 3 + 2] = bytes[rec + 1 + 2 * PLANE + p];
    }
  }
  return { images, labels };
}

async function fileSize(path: string): Promise<number | undefined> {
  return stat(path).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
}

/** `dir` and `dir/cifar-10-batches-bin`: where the .bin files may be. */
function binDirs(dir: string): string[] {
  return [dir, join(dir, 'cifar-10-batches-bin')];
}

/**
 * The folder (`dir` or `dir/cifar-10-batches-bin`) holding all six .bin files with valid sizes
 * (a positive multiple of 3,073 bytes), or `undefined`.
 */
export async function findCifar10Bins(dir: string): Promise<string | undefined> {
  for (const d of binDirs(dir)) {
    const sizes = await Promise.all(ALL_BINS.map((f) => fileSize(join(d, f))));
    if (sizes.every((s) => s !== undefined && s > 0 && s % CIFAR10_RECORD_BYTES === 0)) return d;
  }
  return undefined;
}

/**
 * Read the first `limit` records of `files` (in order), checking every file's size first (also the
 * files after `limit`: each must hold at least one whole record).
 */
async function readBins(dir: string, files: readonly string[], limit: number, nClasses: number): Promise<ByteImages> {
  const paths = files.map((f) => join(dir, f));
  const sizes = await Promise.all(paths.map(fileSize));
  sizes.forEach((s, i) => {
    const bad = s === undefined ? null : sizeError(paths[i], s);
    if (bad) throw bad;
  });
  const parts: ByteImages[] = [];
  let left = limit;
  for (const p of paths) {
    if (left <= 0) break;
    const part = parseCifarBin(await readFile(p), p, left, nClasses);
    parts.push(part);
    left -= part.labels.length;
  }
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const out: ByteImages = { images: new Uint8Array(n * PLANE * 3), labels: new Int32Array(n) };
  let k = 0;
  for (const p of parts) {
    out.images.set(p.images, k * PLANE * 3);
    out.labels.set(p.labels, k);
    k += p.labels.length;
  }
  return out;
}

async function readMeta(dir: string): Promise<string[] | undefined> {
  const text = await readFile(join(dir, 'batches.meta.txt'), 'utf8').catch(() => undefined);
  const names = text?.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  return names && names.length > 0 ? names : undefined;
}

/** CIFAR-10 read from disk, before normalisation. */
export interface Cifar10Arrays {
  /** The training split (50,000 images in the full release). */
  train: ByteImages;
  /** The test split, used for validation (10,000 images). */
  test: ByteImages;
  /** Class names in label order. */
  classes: string[];
  /** Image height and width (32 × 32 for CIFAR-10). */
  height: number;
  /** Image width. */
  width: number;
  /** Which layout was read: the binary folder, or the `train`/`test` image folders' parent. */
  source: {
    /** The binary release (`.bin` files) or class folders. */
    kind: 'bin' | 'folders';
    /** The folder they were read from. */
    dir: string;
  };
}

function missingError(dir: string, missing?: { where: string; files: string[] }): Error {
  const bins = `{${ALL_BINS.map((f) => f.replace('.bin', '')).join(',')}}.bin`;
  const what = missing
    ? `missing ${missing.files.map((f) => join(missing.where, f)).join(', ')}`
    : `looked for ${join(dir, bins)}, ${join(dir, 'cifar-10-batches-bin', bins)} and the image folders ` +
      `${join(dir, 'train', '<class>', '*.png|jpg')} + ${join(dir, 'test', '<class>', '*.png|jpg')}`;
  return new Error(
    `loadCifar10: no complete CIFAR-10 data in ${dir}: ${what}. Get it with \`await downloadCifar10(${JSON.stringify(dir)})\` ` +
      `or download ${CIFAR10_URL} and unpack it into ${dir}.`,
  );
}

/**
 * Read CIFAR-10 from `dir` as bytes: the binary release (in `dir` or `dir/cifar-10-batches-bin`)
 * when any of its files is there, else the `train/` and `test/` class folders. `subset` keeps the
 * first N images of each split (for folders, taken round-robin over the classes).
 * @throws Error naming the files: missing files (and how to get them), empty .bin files or sizes
 *   that are not a multiple of the record, unknown class folders, undecodable images.
 */
export async function loadCifar10Arrays(dir: string, opts: { subset?: number; classes?: readonly string[] } = {}): Promise<Cifar10Arrays> {
  const limit = opts.subset ?? Infinity;
  if (!(limit >= 1)) throw new RangeError(`loadCifar10: subset must be >= 1, got ${opts.subset}`);
  for (const d of binDirs(dir)) {
    const present = await Promise.all(ALL_BINS.map((f) => fileSize(join(d, f))));
    if (present.every((s) => s === undefined)) continue;
    const missing = ALL_BINS.filter((_, i) => present[i] === undefined);
    if (missing.length) throw missingError(dir, { where: d, files: missing });
    const classes = opts.classes ? [...opts.classes] : (await readMeta(d)) ?? [...CIFAR10_CLASSES];
    const train = await readBins(d, CIFAR10_TRAIN_FILES, limit, classes.length);
    const test = await readBins(d, [CIFAR10_TEST_FILE], limit, classes.length);
    return { train, test, classes, height: SIDE, width: SIDE, source: { kind: 'bin', dir: d } };
  }
  const [trS, teS] = await Promise.all(['train', 'test'].map((s) => stat(join(dir, s)).then((st) => st.isDirectory(), () => false)));
  if (!trS || !teS) throw missingError(dir, trS || teS ? { where: dir, files: [trS ? 'test/' : 'train/'] } : undefined);
  const classes = [...(opts.classes ?? CIFAR10_CLASSES)];
  const fo = { classes, limit: opts.subset };
  const [tr, te] = [await imageFolder(join(dir, 'train'), fo), await imageFolder(join(dir, 'test'), fo)];
  if (tr.height !== te.height || tr.width !== te.width) {
    throw new Error(`loadCifar10: ${join(dir, 'train')} has ${tr.width}×${tr.height} images but ${join(dir, 'test')} has ${te.width}×${te.height}`);
  }
  return { train: tr, test: te, classes, height: tr.height, width: tr.width, source: { kind: 'folders', dir } };
}

/** Options of `loadCifar10`. */
export interface LoadCifar10Options {
  /** Folder holding the binary release (or its `cifar-10-batches-bin/`) or `train/` + `test/` class folders. */
  dir: string;
  /** Training batch size (default 64). */
  bs?: number;
  /** Validation batch size (default `2 * bs`). */
  validBs?: number;
  /**
   * Augment TRAINING batches: `true` for random horizontal flip + 4-pixel zero pad and random
   * 32×32 crop (the fastai notebook's `RandomFlip()` and `pad=sz//8`), or your own transform.
   * Default false.
   */
  augment?: boolean | ImageTransform;
  /**
   * Seed of the training loader's shuffling. Augmentation draws from the global RNG, so `setSeed`
   * makes it reproducible and checkpoints (which save the global RNG) resume it exactly.
   */
  seed?: number;
  /** Keep only the first N images of each split, for quick runs. */
  subset?: number;
  /** Normalise with `CIFAR10_MEAN` / `CIFAR10_STD` (default true); false leaves values in [0, 1]. */
  normalize?: boolean;
  /** Class list for the folder layout (default `CIFAR10_CLASSES`; for .bin, `batches.meta.txt`). */
  classes?: readonly string[];
}

/**
 * Load CIFAR-10 as an `ImageDataBunch` (`c` = number of classes, 10; `classes` holds the names):
 * NHWC float32 `[bs, 32, 32, 3]` batches normalised per channel with `CIFAR10_MEAN` /
 * `CIFAR10_STD` (kept in `normStats`), int32 labels. The training loader shuffles; the test split is
 * the validation set.
 * @throws Error as `loadCifar10Arrays` does, or RangeError for a bad `bs`.
 */
export async function loadCifar10(opts: LoadCifar10Options): Promise<ImageDataBunch> {
  const bs = opts.bs ?? 64;
  const validBs = opts.validBs ?? 2 * bs;
  const arr = await loadCifar10Arrays(opts.dir, { subset: opts.subset, classes: opts.classes });
  const normalized = opts.normalize ?? true;
  const norm = normalized ? { mean: CIFAR10_MEAN, std: CIFAR10_STD } : {};
  const shape = [arr.height, arr.width, 3] as const;
  const trainBytes = new ByteImageDataset(arr.train.images, arr.train.labels, shape, norm);
  const validDs = new ByteImageDataset(arr.test.images, arr.test.labels, shape, norm);
  let trainDs: Dataset = trainBytes;
  if (opts.augment) {
    const tfm = typeof opts.augment === 'function' ? opts.augment : compose(randomFlip(), padCrop({ pad: Math.floor(arr.height / 8) }));
    trainDs = new TransformedDataset(trainBytes, tfm);
  }
  const trainDl = new DataLoader(trainDs, { bs, shuffle: true, seed: opts.seed });
  const validDl = new DataLoader(validDs, { bs: validBs, shuffle: false });
  const normStats = normalized ? { mean: [...CIFAR10_MEAN], std: [...CIFAR10_STD] } : undefined;
  return new ImageDataBunch(trainDl, validDl, arr.classes, { cIn: 3, normStats });
}
