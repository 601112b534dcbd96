/** `showResults`: a grid of validation images with the model's prediction against the target (fastai's `show_results`). */
import { tf } from '../backend/tf.js';
import type { Learner } from '../core/learner.js';
import type { BatchSource } from '../core/predict.js';
import { checkInt } from '../core/validate.js';
import { itemsAt, orderedDataset, readImages, type IndexedSource } from './images.js';
import { imageGrid, outputPicture, toRgb, type Denormalize } from './picture.js';

/** Options of `showResults`. */
export type ShowResultsOptions = {
  /** How many images (default 9). */
  n?: number;
  /** The loader (default the validation loader). */
  dl?: BatchSource | (BatchSource & IndexedSource);
  /** Class names (default the numbers). */
  classes?: readonly string[];
  /** How inputs are turned back into pixels (default `'auto'`). */
  denorm?: Denormalize;
  /** Columns (default `ceil(sqrt(n))`). */
  ncols?: number;
};

/**
 * `n` images of the validation loader — shown in a notebook; written to `path` when given (PNG, or
 * SVG for a `.svg` name; in a script without `path`, to `out/figures/results.png`) — each captioned with the model's prediction — green when right, red when wrong — and the target. The
 * images are spread evenly over the loader's dataset when it iterates in order (a validation set
 * sorted by class then shows every class), else they are the first batch's first `n`.
 * One forward pass in eval mode and one device read.
 */
export async function showResults(learn: Learner, path: string, opts?: ShowResultsOptions): Promise<string>;
export async function showResults(learn: Learner, opts?: ShowResultsOptions): Promise<string | undefined>;
export async function showResults(learn: Learner, a?: string | ShowResultsOptions, b?: ShowResultsOptions): Promise<string | undefined> {
  const [path, opts] = typeof a === 'string' ? [a, b ?? {}] : [undefined, a ?? {}];
  const n = opts.n ?? 9;
  checkInt('showResults', 'n', n);
  const dl = opts.dl ?? learn.data.validDl;
  const [x, y] = await pickItems(dl, n);
  const model = learn.model as Learner['model'] & { training?: boolean };
  const wasTraining = model.training ?? false;
  model.eval();
  const pred = tf.tidy(() => tf.argMax(model.forward(x), -1));
  if (wasTraining) model.train();
  try {
    const { images, extra: [p, t] } = await readImages('showResults', x, [pred, y]);
    const { h, w, c } = images;
    const name = (k: number): string => opts.classes?.[k] ?? String(k);
    const tiles = Array.from({ length: images.n }, (_, i) => ({
      rgb: toRgb(images.x.subarray(i * h * w * c, (i + 1) * h * w * c), h, w, c, opts.denorm),
      h,
      w,
      lines: [{ text: `pred ${name(p[i])}`, color: p[i] === t[i] ? '#2ca02c' : '#d62728' }, { text: `true ${name(t[i])}` }],
    }));
    return await outputPicture(imageGrid(tiles, { title: 'Results: prediction (green right, red wrong) and target', ncols: opts.ncols }), 'results', path);
  } finally {
    tf.dispose([x, y, pred]);
  }
}

/** `n` items of `dl`: spread evenly over its dataset when it iterates in order, else the first batch's first `n`. */
async function pickItems(dl: BatchSource, n: number): Promise<[tf.Tensor, tf.Tensor]> {
  const ds = orderedDataset(dl);
  if (ds) {
    const m = Math.min(n, ds.length);
    return itemsAt(ds, Int32Array.from({ length: m }, (_, i) => Math.floor((i * ds.length) / m)));
  }
  for await (const [xb, yb] of dl) {
    const m = Math.min(n, xb.shape[0] ?? 0);
    const out: [tf.Tensor, tf.Tensor] = [tf.slice(xb, 0, m), tf.slice(yb, 0, m)];
    tf.dispose([xb, yb]);
    return out;
  }
  throw new Error('showResults: the loader yielded no batch');
}
