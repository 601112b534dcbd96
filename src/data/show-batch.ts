/**
 * `showBatch`: the first images of a loader's batch as a labelled grid (fastai's `show_batch`),
 * shown in a notebook and written as a PNG (or SVG) file when a path is given. The images are placed
 * pixel for pixel into one bitmap; the grid, labels and title are SVG text over it, rendered by resvg
 * with the bundled DejaVu Sans, so labels are real text.
 */
import type { tf } from '../backend/tf.js';
import { svgDocument, svgText } from '../plot/svg.js';
import { outputFigure } from '../ui/figures.js';
import { pngDataUri } from '../plot/data-uri.js';
import { truncateText } from '../plot/text-metrics.js';
import { DataBunch } from './data-bunch.js';
import { encodePng } from './image-decode.js';

/** Options of `showBatch`. */
export interface ShowBatchOptions {
  /** Class names: label `k` is shown as `classes[k]` (default: a bunch's `classes`, else the number). */
  classes?: readonly string[];
  /** How many images (default 16; fewer if the batch is smaller). */
  n?: number;
  /** Mean used to normalise the inputs (scalar or per channel; default: a bunch's `normStats`, else 0). */
  mean?: number | readonly number[];
  /** Std used to normalise the inputs (scalar or per channel; default: a bunch's `normStats`, else 1). */
  std?: number | readonly number[];
  /** Columns of the grid (default `ceil(sqrt(n))`). */
  ncols?: number;
  /** Integer zoom of each image (default: enough to make it about 96 pixels wide). */
  scale?: number;
  /** A title above the grid (default none). */
  title?: string;
}

/** Gap between cells and around the grid, in pixels. */
const GAP = 6;
/** Label font size and the strip it takes under each image. */
const LABEL_SIZE = 13;
const LABEL_H = LABEL_SIZE + 9;
const TITLE_SIZE = 16;

/** What `showBatch` returns: the picture's size and how many images it holds. */
export type ShowBatchResult = {
  /** The picture's width in pixels. */
  width: number;
  /** Its height in pixels. */
  height: number;
  /** The images drawn. */
  n: number;
};

/** What `showBatch` draws from: a loader (or any iterable of batches), or a bunch (its training loader). */
export type ShowBatchSource = Iterable<[tf.Tensor, tf.Tensor]> | AsyncIterable<[tf.Tensor, tf.Tensor]> | DataBunch;

/** The first batch of a loader (read through `for await` when it can: image files decode in workers). */
async function firstBatch(dl: Iterable<[tf.Tensor, tf.Tensor]> | AsyncIterable<[tf.Tensor, tf.Tensor]>): Promise<[tf.Tensor, tf.Tensor] | undefined> {
  if (Symbol.asyncIterator in dl) {
    const it = dl[Symbol.asyncIterator]();
    const first = await it.next();
    await it.return?.();
    return first.done ? undefined : first.value;
  }
  const it = dl[Symbol.iterator]();
  const first = it.next();
  it.return?.();
  return first.done ? undefined : first.value;
}

/**
 * Take the first batch of `src` (a `DataBunch`'s training loader, or any loader — with its batch
 * transforms, so it shows the augmented batch the model sees), de-normalise
 * its first `n` images (`x * std + mean`, clipped to [0, 1]) and draw them as a grid with each
 * label under its image: shown in a notebook; written to `path` when given (a PNG, or SVG for a
 * `.svg` name; in a script without `path`, `out/figures/batch.png`). From a bunch, `normStats` and
 * an `ImageDataBunch`'s `classes` are used unless given. The batch's tensors are disposed. Returns
 * the picture's size and the number of images drawn.
 * @throws Error if the loader is empty or its inputs are not NHWC images with 1 or 3 channels.
 */
export async function showBatch(src: ShowBatchSource, path: string, opts?: ShowBatchOptions): Promise<ShowBatchResult>;
export async function showBatch(src: ShowBatchSource, opts?: ShowBatchOptions): Promise<ShowBatchResult>;
export async function showBatch(src: ShowBatchSource, where?: string | ShowBatchOptions, options?: ShowBatchOptions): Promise<ShowBatchResult> {
  const path = typeof where === 'string' ? where : undefined;
  const opts = (typeof where === 'string' ? options : where) ?? {};
  const bunch = src instanceof DataBunch ? src : undefined;
  const dl = bunch ? bunch.trainDl : (src as Iterable<[tf.Tensor, tf.Tensor]> | AsyncIterable<[tf.Tensor, tf.Tensor]>);
  const classes = opts.classes ?? (bunch && 'classes' in bunch ? (bunch as DataBunch & { classes: readonly string[] }).classes : undefined);
  const first = await firstBatch(dl);
  if (!first) throw new Error('showBatch: the loader produced no batch');
  const [xb, yb] = first;
  let xs: Float32Array | Int32Array | Uint8Array;
  let ys: Float32Array | Int32Array | Uint8Array;
  try {
    if (xb.rank !== 4 || (xb.shape[3] !== 1 && xb.shape[3] !== 3)) throw new Error(`showBatch: expected NHWC images with 1 or 3 channels, got a batch of shape [${xb.shape.join(', ')}]`);
    [xs, ys] = (await Promise.all([xb.data(), yb.data()])) as [Float32Array, Int32Array];
  } finally {
    xb.dispose();
    yb.dispose();
  }
  const [b, h, w, c] = xb.shape as [number, number, number, number];
  const n = Math.min(opts.n ?? 16, b);
  const ncols = opts.ncols ?? Math.ceil(Math.sqrt(n));
  const nrows = Math.ceil(n / ncols);
  const s = opts.scale ?? Math.max(1, Math.round(96 / w));
  const per = (v: number | readonly number[] | undefined, d: number): number[] =>
    Array.from({ length: c }, (_, i) => (v === undefined ? d : typeof v === 'number' ? v : v[i] ?? v[0]));
  const mean = per(opts.mean ?? bunch?.normStats?.mean, 0);
  const std = per(opts.std ?? bunch?.normStats?.std, 1);

  const cw = w * s;
  const ch = h * s + LABEL_H;
  const top = opts.title ? GAP + TITLE_SIZE + 8 : GAP;
  const W = GAP + ncols * (cw + GAP);
  const H = top + nrows * (ch + GAP);
  // the images, pixel for pixel, on a white bitmap the size of the figure
  const img = new Uint8Array(W * H * 3).fill(255);
  const labels: string[] = [];
  for (let k = 0; k < n; k++) {
    const x0 = GAP + (k % ncols) * (cw + GAP);
    const y0 = top + Math.floor(k / ncols) * (ch + GAP);
    for (let r = 0; r < h * s; r++) {
      for (let q = 0; q < w * s; q++) {
        const src = ((k * h + Math.floor(r / s)) * w + Math.floor(q / s)) * c;
        const dst = ((y0 + r) * W + x0 + q) * 3;
        for (let j = 0; j < 3; j++) {
          const ci = c === 1 ? 0 : j;
          const v = xs[src + ci] * std[ci] + mean[ci];
          img[dst + j] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
    const y = ys[k];
    const label = truncateText(classes?.[y] ?? String(y), cw, LABEL_SIZE);
    labels.push(svgText(x0 + cw / 2, y0 + h * s + 5, label, { size: LABEL_SIZE, anchor: 'middle', valign: 'top' }));
  }
  const bitmap = pngDataUri(encodePng(img, W, H));
  const title = opts.title ? svgText(W / 2, GAP, opts.title, { size: TITLE_SIZE, anchor: 'middle', valign: 'top', bold: true }) : '';
  const body = `<image x="0" y="0" width="${W}" height="${H}" href="${bitmap}"/>\n${title}<g class="labels">${labels.join('')}</g>`;
  const svg = svgDocument(W, H, opts.title ?? 'batch', body);
  await outputFigure({ svg, name: 'batch' }, { target: path === undefined ? undefined : { file: path } });
  return { width: W, height: H, n };
}
