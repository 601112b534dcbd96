/**
 * Small image sets kept in memory as bytes: `ByteImageDataset` (uint8 NHWC in host memory, scaled
 * and normalised per batch) and `imageFolder`, which reads a whole `<dir>/<class>/*.png|jpg` folder
 * of same-size images at once (MNIST-like sets). Folders of photos of any size, or of any number,
 * go through `ImageDataBunch.fromFolder`, which reads images lazily.
 */
import { readFile } from '../platform/fs.js';
import { join } from '../platform/path.js';
import { tf } from '../backend/tf.js';
import type { Dataset } from './dataset.js';
import { decodeImage } from './image-decode.js';
import { IMAGE_EXTENSIONS, listFolders, listImageFiles, reportIgnored } from './image-files.js';
import { checkClasses } from './image-labelling.js';

export { IMAGE_EXTENSIONS } from './image-files.js';

/** Options of `ByteImageDataset`. */
export interface ByteImageDatasetOptions {
  /** Per-channel (or scalar) mean subtracted after scaling bytes to [0, 1] (default 0). */
  mean?: number | readonly number[];
  /** Per-channel (or scalar) std divided by after subtracting the mean (default 1). */
  std?: number | readonly number[];
}

/**
 * A dataset of `n` images stored as uint8 NHWC bytes in host memory (4× smaller than float32) with
 * int32 labels. `getBatch` builds a float32 `[bs, h, w, c]` batch of `(byte / 255 - mean) / std`
 * through a 256-entry lookup table per channel, so a batch costs one pass over its bytes.
 */
export class ByteImageDataset implements Dataset {
  /** The bytes, `n × h × w × c`. */
  readonly images: Uint8Array;
  /** One label per image. */
  readonly labels: Int32Array;
  /** `[h, w, c]`. */
  readonly itemShape: readonly [number, number, number];
  private readonly lut: Float32Array;

  /**
   * @throws RangeError if `images` does not hold `labels.length` images of `itemShape`, or a
   *   per-channel mean/std does not have `c` values, or a std is 0.
   */
  constructor(images: Uint8Array, labels: Int32Array, itemShape: readonly [number, number, number], opts: ByteImageDatasetOptions = {}) {
    const [h, w, c] = itemShape;
    if (images.length !== labels.length * h * w * c) {
      throw new RangeError(`ByteImageDataset: ${labels.length} labels need ${labels.length * h * w * c} bytes of [${itemShape.join(', ')}] images, got ${images.length}`);
    }
    this.images = images;
    this.labels = labels;
    this.itemShape = [h, w, c];
    const stat = (v: number | readonly number[] | undefined, dflt: number, what: string): number[] => {
      const a = v === undefined ? [dflt] : typeof v === 'number' ? [v] : [...v];
      if (a.length !== 1 && a.length !== c) throw new RangeError(`ByteImageDataset: ${what} has ${a.length} values for ${c} channels`);
      if (what === 'std' && a.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new RangeError(`ByteImageDataset: std must be finite and non-zero, got [${a.join(', ')}]`);
      return Array.from({ length: c }, (_, i) => a[a.length === 1 ? 0 : i]);
    };
    const mean = stat(opts.mean, 0, 'mean');
    const std = stat(opts.std, 1, 'std');
    this.lut = new Float32Array(256 * c);
    for (let ch = 0; ch < c; ch++) for (let b = 0; b < 256; b++) this.lut[b * c + ch] = (b / 255 - mean[ch]) / std[ch];
  }

  /** Number of images. */
  get length(): number {
    return this.labels.length;
  }

  /**
   * `[x, y]`: float32 `[indices.length, h, w, c]` and int32 `[indices.length]` (new tensors).
   * @throws RangeError naming the first index outside `[0, length)`.
   */
  getBatch(indices: Int32Array): [tf.Tensor, tf.Tensor] {
    const [h, w, c] = this.itemShape;
    const size = h * w * c;
    const x = new Float32Array(indices.length * size);
    const y = new Int32Array(indices.length);
    const lut = this.lut;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (!(k >= 0 && k < this.length)) throw new RangeError(`ByteImageDataset.getBatch: index ${k} (at position ${i}) is out of range [0, ${this.length})`);
      y[i] = this.labels[k];
      const src = k * size;
      const dst = i * size;
      for (let j = 0; j < size; j += c) {
        for (let ch = 0; ch < c; ch++) x[dst + j + ch] = lut[this.images[src + j + ch] * c + ch];
      }
    }
    return [tf.tensor4d(x, [indices.length, h, w, c], 'float32'), tf.tensor1d(y, 'int32')];
  }
}

/** What `imageFolder` returns: every image as RGB bytes plus its label and file. */
export interface ImageFolderData {
  /** `n × height × width × 3` RGB bytes (NHWC). */
  images: Uint8Array;
  /** Label of each image: its folder's index in `classes`. */
  labels: Int32Array;
  /** The class names (folder names), indexed by label. */
  classes: string[];
  /** The path of each image, in the same order. */
  files: string[];
  /** Common image height. */
  height: number;
  /** Common image width. */
  width: number;
}

/** Options of `imageFolder`. */
export interface ImageFolderOptions {
  /**
   * The class list (label = index). Every sub-folder must be one of them (classes without a folder,
   * or with an empty one, are allowed: the labels are fixed by this list). Default: the sub-folder
   * names, sorted — then every sub-folder must hold at least one image.
   */
  classes?: readonly string[];
  /**
   * Read at most this many images, taken round-robin over the classes (the first file of each class,
   * then the second, …) so a small subset still has every class. Default: all, class by class.
   */
  limit?: number;
  /** Refuse images declaring more pixels than this, before decoding (default `DEFAULT_MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
}

/**
 * Read the `<dir>/<class>/<image>` layout: one sub-folder per class holding `.png` / `.jpg` /
 * `.jpeg` / `.webp` files (sorted by name; other files and loose files in `dir` are ignored;
 * symbolic links to class folders and to images are followed). Every image is decoded into memory
 * at once, so all must share one size (after EXIF orientation); grey or RGBA images are converted
 * to RGB. This is the small-data special case: a folder of photos of any size or number goes
 * through `ImageDataBunch.fromFolder`, which decodes lazily and resizes.
 *
 * Without `classes`, an empty class folder is an error naming it rather than skipped: skipping it
 * would shift the labels of the classes after it, so a train and a valid folder read separately
 * would disagree on what label 3 means (and `c` would silently change).
 * @throws Error naming the folder when it is unreadable or holds no images, a link that cannot be
 *   followed, the sub-folder when its name is not in `classes` or (without `classes`) it holds no
 *   image, and the file when it cannot be decoded, declares more than `maxPixels` or its size
 *   differs; RangeError when `classes` names a class twice.
 */
export async function imageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<ImageFolderData> {
  const who = 'imageFolder';
  const folders = await listFolders(dir, who);
  const classes = opts.classes ? checkClasses(who, opts.classes) : folders;
  const perClass: string[][] = classes.map(() => []);
  for (const f of folders) {
    const k = classes.indexOf(f);
    if (k < 0) throw new Error(`${who}: folder ${join(dir, f)} is not a known class; the class list is [${classes.join(', ')}]`);
    const list = await listImageFiles(join(dir, f), who, { recursive: false });
    reportIgnored(who, list.ignored);
    if (!list.files.length && !opts.classes) {
      throw new Error(
        `${who}: class folder ${join(dir, f)} holds no ${IMAGE_EXTENSIONS.join('/')} images; every class folder needs at least one ` +
          `(an empty one would still count as a class and shift the labels). Remove it, fill it, or pass \`classes\` to fix the label list`,
      );
    }
    perClass[k] = list.files;
  }
  const order: [string, number][] = [];
  if (opts.limit === undefined) perClass.forEach((files, k) => files.forEach((p) => order.push([p, k])));
  else {
    const longest = Math.max(0, ...perClass.map((f) => f.length));
    for (let i = 0; i < longest && order.length < opts.limit; i++) {
      for (let k = 0; k < perClass.length && order.length < opts.limit; k++) if (i < perClass[k].length) order.push([perClass[k][i], k]);
    }
  }
  if (order.length === 0) throw new Error(`${who}: no ${IMAGE_EXTENSIONS.join('/')} images in class sub-folders of ${dir}`);

  let images = new Uint8Array(0);
  let height = 0;
  let width = 0;
  const chunk = 256;
  for (let s = 0; s < order.length; s += chunk) {
    const part = order.slice(s, s + chunk);
    const bytes = await Promise.all(part.map(([p]) => readFile(p)));
    part.forEach(([p], j) => {
      const img = decodeImage(bytes[j], p, { maxPixels: opts.maxPixels });
      if (s + j === 0) {
        ({ height, width } = img);
        images = new Uint8Array(order.length * height * width * 3);
      } else if (img.height !== height || img.width !== width) {
        throw new Error(`${who}: ${p} is ${img.width}×${img.height} but ${order[0][0]} is ${width}×${height}; all images must have one size`);
      }
      images.set(img.data, (s + j) * height * width * 3);
    });
  }
  return { images, labels: Int32Array.from(order, ([, k]) => k), classes, files: order.map(([p]) => p), height, width };
}
