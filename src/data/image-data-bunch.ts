/**
 * `ImageDataBunch`: a `DataBunch` of a classification task that knows its class names, and
 * fastai's ways to make one from image files of any size — `fromFolder`, `fromNameFunc`,
 * `fromNameRe`, `fromCsv`, or `fromLists` of sources you labelled yourself. The images stay on disk:
 * each batch is read and decoded when needed (worker threads in Node), resized by the item
 * transforms, augmented on the device by the batch transforms.
 */
import type { ByteSource } from '../io/byte-source.js';
import { checkInt } from '../core/validate.js';
import type { ImageTransform } from './augment.js';
import { DataBunch, type DataBunchOptions } from './data-bunch.js';
import { DataLoader } from './data-loader.js';
import { createBatchDecoder, defaultDecodeWorkers } from './decode-pool.js';
import { ImageDataset, type OnImageError } from './image-dataset.js';
import { checkClasses, labelFromCsv, labelFromFolder, labelFromNameFunc, labelFromNameRe, labelItems, randomSplit, type FromCsvOptions, type FromFolderOptions, type LabelledImages, type RandomSplitOptions } from './image-labelling.js';
import { IMAGE_EXTENSIONS } from './image-files.js';
import { sizeTfm } from './item-plan.js';
import { Resize, type ItemTransform } from './item-transforms.js';
import type { MeanStd } from './normalize.js';

/** How the images of an `ImageDataBunch` are read, transformed and batched. */
export interface ImageDataBunchOptions {
  /** Item size, `n` or `[h, w]`: adds `new Resize(size)` when `itemTfms` has no size transform. */
  size?: number | readonly [number, number];
  /** Training batch size (default 64). */
  bs?: number;
  /** Validation batch size (default `2 * bs`). */
  validBs?: number;
  /** Item transforms, run while decoding (e.g. `[new Resize(224)]`, `[new RandomResizedCrop(128), new FlipItem()]`). */
  itemTfms?: readonly ItemTransform[];
  /** Batch transforms for the training set, on the device (e.g. `augTransforms()`). */
  batchTfms?: readonly ImageTransform[];
  /** Decoding worker threads (default: cores − 1, 1 to 4); 0 decodes on the training thread. */
  workers?: number;
  /** 3 (RGB, default) or 1 (grey). */
  channels?: 1 | 3;
  /** Normalise batches with these statistics after augmentation (kept as the bunch's `normStats`). */
  normStats?: MeanStd;
  /** Refuse images declaring more pixels than this, before decoding (default `DEFAULT_MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
  /** Refuse image files larger than this many bytes (default: no limit). */
  maxBytes?: number;
  /** `'raise'` (default) or `'skip'` an image that cannot be read or decoded (skips are counted and named). */
  onError?: OnImageError;
  /** Drop the training loader's last partial batch (default false). */
  dropLast?: boolean;
}

/** A `DataBunch` of a classification task that also knows the class names (`classes[label]`). */
export class ImageDataBunch extends DataBunch {
  /** Class names, indexed by label. */
  readonly classes: readonly string[];

  /**
   * `c` is `classes.length`; `opts` is the input channels or `{ cIn, normStats }` as for `DataBunch`.
   * @throws RangeError if `classes` is empty or names a class twice.
   */
  constructor(trainDl: DataLoader, validDl: DataLoader, classes: readonly string[], opts?: number | DataBunchOptions) {
    super(trainDl, validDl, checkClasses('ImageDataBunch', classes).length, opts);
    this.classes = [...classes];
  }

  protected override withLoaders(trainDl: DataLoader, validDl: DataLoader): ImageDataBunch {
    return new ImageDataBunch(trainDl, validDl, this.classes, { cIn: this.cIn, normStats: this.normStats });
  }

  /**
   * A bunch of image files you have labelled: `trainSources[i]` has label `trainLabels[i]` (an index
   * into `classes`). Sources are paths, URLs, `Blob`s/`File`s or bytes.
   * @throws RangeError naming what is inconsistent (lengths, a label outside the classes, an empty split).
   */
  static fromLists(trainSources: readonly ByteSource[], trainLabels: ArrayLike<number>, validSources: readonly ByteSource[], validLabels: ArrayLike<number>, classes: readonly string[], opts: ImageDataBunchOptions = {}): ImageDataBunch {
    const who = 'ImageDataBunch';
    const cls = checkClasses(who, classes);
    const labels = (what: string, l: ArrayLike<number>, n: number): Int32Array => {
      if (l.length !== n) throw new RangeError(`${who}: ${n} ${what} sources but ${l.length} labels`);
      const out = Int32Array.from(l);
      out.forEach((k, i) => {
        if (!(Number.isInteger(l[i]) && k >= 0 && k < cls.length)) throw new RangeError(`${who}: ${what} label ${l[i]} (item ${i}) is not a class index in [0, ${cls.length})`);
      });
      return out;
    };
    const trainY = labels('training', trainLabels, trainSources.length);
    const validY = labels('validation', validLabels, validSources.length);
    if (trainSources.length === 0) throw new RangeError(`${who}: no training images`);
    if (validSources.length === 0) throw new RangeError(`${who}: no validation images (give a validPct > 0, a valid folder or is-valid rows)`);
    const bs = opts.bs ?? 64;
    checkInt(who, 'bs', bs);
    const validBs = opts.validBs ?? 2 * bs;
    checkInt(who, 'validBs', validBs);
    const workers = opts.workers ?? defaultDecodeWorkers();
    let itemTfms = [...(opts.itemTfms ?? [])];
    if (!sizeTfm(itemTfms.map((t) => t.spec))) {
      if (opts.size === undefined) throw new RangeError(`${who}: give size (or a Resize / RandomResizedCrop in itemTfms): images of different sizes cannot share a batch`);
      itemTfms = [new Resize(opts.size), ...itemTfms];
    }
    const decoder = createBatchDecoder(workers);
    const common = { itemTfms, channels: opts.channels, normStats: opts.normStats, maxPixels: opts.maxPixels, maxBytes: opts.maxBytes, onError: opts.onError, decoder };
    const trainDs = new ImageDataset(trainSources, trainY, { ...common, train: true, batchTfms: opts.batchTfms });
    const validDs = new ImageDataset(validSources, validY, { ...common, train: false });
    const trainDl = new DataLoader(trainDs, { bs, shuffle: true, dropLast: opts.dropLast ?? false });
    const validDl = new DataLoader(validDs, { bs: validBs, shuffle: false });
    return new ImageDataBunch(trainDl, validDl, cls, { cIn: trainDs.itemShape[2], normStats: opts.normStats });
  }

  /** A bunch from labelled splits (what the labelling functions return). */
  private static fromLabelled(l: LabelledImages, opts: ImageDataBunchOptions): ImageDataBunch {
    return ImageDataBunch.fromLists(l.trainFiles, l.trainLabels, l.validFiles, l.validLabels, l.classes, opts);
  }

  /**
   * fastai's `ImageDataLoaders.from_folder`: the images under `dir/train` and `dir/valid` (or, with
   * `validPct`, all under `dir` split at random with `seed`), labelled by their folder.
   *
   * ```ts
   * const data = await ImageDataBunch.fromFolder('photos', { validPct: 0.2, seed: 42, size: 128, batchTfms: augTransforms() });
   * ```
   * @throws Error naming a missing or unreadable folder, a broken link, an image outside a class
   *   folder, or a label not in `classes`.
   */
  static async fromFolder(dir: string, opts: ImageDataBunchOptions & FromFolderOptions = {}): Promise<ImageDataBunch> {
    return ImageDataBunch.fromLabelled(await labelFromFolder(dir, opts), opts);
  }

  /**
   * fastai's `from_name_func`: labels from a function of each file's name (the files listed, or
   * every image under a folder), split at random (`validPct` default 0.2).
   */
  static async fromNameFunc(filesOrDir: string | readonly string[], labelFunc: (name: string, path: string) => string, opts: ImageDataBunchOptions & RandomSplitOptions = {}): Promise<ImageDataBunch> {
    return ImageDataBunch.fromLabelled(await labelFromNameFunc(filesOrDir, labelFunc, opts), opts);
  }

  /**
   * fastai's `from_name_re`: the label is the first group of `pattern` on each file's name, e.g. the
   * Oxford pets' `/^(.*)_\d+\.jpg$/`.
   */
  static async fromNameRe(filesOrDir: string | readonly string[], pattern: RegExp | string, opts: ImageDataBunchOptions & RandomSplitOptions = {}): Promise<ImageDataBunch> {
    return ImageDataBunch.fromLabelled(await labelFromNameRe(filesOrDir, pattern, opts), opts);
  }

  /**
   * fastai's `from_csv`: `dir/<csvFile>` (default `labels.csv`) names each file and its label, and
   * optionally (`validCol`) which rows are validation.
   */
  static async fromCsv(dir: string, csvFile = 'labels.csv', opts: ImageDataBunchOptions & FromCsvOptions = {}): Promise<ImageDataBunch> {
    return ImageDataBunch.fromLabelled(await labelFromCsv(dir, csvFile, opts), opts);
  }

  /**
   * fastai's `from_folder` over files a page was given — an `<input type="file" webkitdirectory>`
   * (each `File`'s `webkitRelativePath`) or a dropped folder (`{ file, path }` from its entries): the
   * label is each image's parent folder; without `validPct`, the images under `<train>/` and
   * `<valid>/` folders when there are some, else a random 20% for validation. Files that are not
   * `.jpg`, `.jpeg`, `.png` or `.webp` are left out; the rest are taken in path order (so the
   * seeded split does not depend on the order of a drop). The images are read from the `File`s as
   * batches need them.
   * @throws Error naming an image with no class folder, or a label not in `classes`; RangeError
   *   when no image is left.
   */
  static fromFiles(files: readonly (File | { file: Blob; path: string })[], opts: ImageDataBunchOptions & FromFolderOptions = {}): ImageDataBunch {
    const who = 'ImageDataBunch.fromFiles';
    const items = files
      .map((f) => (f instanceof Blob ? { file: f, path: (f as File).webkitRelativePath || (f as File).name } : f))
      .filter((it) => IMAGE_EXTENSIONS.includes(it.path.slice(it.path.lastIndexOf('.')).toLowerCase()))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (items.length === 0) throw new RangeError(`${who}: none of the ${files.length} files is a .jpg, .jpeg, .png or .webp image`);
    const parts = items.map((it) => it.path.split('/').filter(Boolean));
    const labels = parts.map((p, i) => {
      if (p.length < 2) throw new Error(`${who}: ${items[i].path} is in no class folder (the label is each image's parent folder)`);
      return p[p.length - 2];
    });
    const train = opts.train ?? 'train';
    const valid = opts.valid ?? 'valid';
    const byFolder = opts.validPct === undefined && parts.some((p) => p.includes(valid));
    const kept = byFolder ? parts.map((p) => p.includes(train) || p.includes(valid)) : parts.map(() => true);
    const keep = <T,>(xs: readonly T[]): T[] => xs.filter((_, i) => kept[i]);
    const paths = keep(items.map((it) => it.path));
    const isValid = byFolder ? keep(parts).map((p) => p.includes(valid)) : randomSplit(who, paths.length, opts.validPct ?? 0.2, opts.seed);
    const l = labelItems(who, paths, keep(labels), isValid, opts.classes);
    const source = new Map(items.map((it) => [it.path, it.file]));
    return ImageDataBunch.fromLists(l.trainFiles.map((p) => source.get(p)!), l.trainLabels, l.validFiles.map((p) => source.get(p)!), l.validLabels, l.classes, opts);
  }
}
