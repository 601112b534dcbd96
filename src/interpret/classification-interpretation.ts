/** `ClassificationInterpretation`: what a classifier gets wrong, as fastai's `ClassificationInterpretation`. */
import { tf } from '../backend/tf.js';
import type { Learner } from '../core/learner.js';
import { predict, type BatchSource } from '../core/predict.js';
import { checkInt } from '../core/validate.js';
import type { Dataset } from '../data/dataset.js';
import { confusionMatrixSvg, type ConfusionPlotOptions } from './confusion-plot.js';
import { itemsAt, orderedDataset, readImages, type IndexedSource } from './images.js';
import { imageGrid, outputPicture, toRgb, type Denormalize } from './picture.js';

/** Options of `ClassificationInterpretation.fromLearner`. */
export type InterpretationOptions = {
  /** The loader to interpret (default the validation loader). Pictures of inputs need a `DataLoader` that does not shuffle. */
  dl?: BatchSource | (BatchSource & IndexedSource);
  /** Class names (default `'0'`, `'1'`, …). */
  classes?: readonly string[];
};

/** The `k` largest (or smallest) losses: sample positions in the loader, with their losses, predicted and actual classes and the predicted class's probability. */
export type TopLosses = {
  /** The samples' positions, in loader order. */
  indices: number[];
  /** Their losses (per-sample cross-entropy). */
  losses: number[];
  /** The predicted class of each. */
  predicted: number[];
  /** The actual class of each. */
  actual: number[];
  /** The probability (softmax) of the predicted class. */
  probs: number[];
};

/** One off-diagonal cell of the confusion matrix. */
export type Confusion = {
  /** The actual class's name. */
  actual: string;
  /** The predicted class's name. */
  predicted: string;
  /** How many samples of `actual` were predicted as `predicted`. */
  count: number;
};


/** Options of the pictures of images (`plotTopLosses`, `showResults`). */
export type ImagePictureOptions = {
  /** How inputs are turned back into pixels (default `'auto'`: each image stretched from its min to its max). */
  denorm?: Denormalize;
  /** Columns (default `ceil(sqrt(n))`). */
  ncols?: number;
};

/**
 * `const interp = await ClassificationInterpretation.fromLearner(learn)`: runs the model (eval
 * mode) over the validation loader once, reads the predictions, targets, per-sample losses and
 * probabilities from the device in one go, and keeps them on the host for `confusionMatrix()`,
 * `mostConfused()`, `topLosses()` and the pictures. Losses are the per-sample cross-entropy of the
 * model's outputs (logits), what `crossEntropy` averages.
 */
export class ClassificationInterpretation {
  /** Number of classes. */
  readonly c: number;
  /** Class names. */
  readonly classes: string[];

  private constructor(
    /** Predicted class of each sample, in loader order. */
    readonly predicted: Int32Array,
    /** Actual class of each sample. */
    readonly actual: Int32Array,
    /** Per-sample loss. */
    readonly losses: Float32Array,
    /** Probability (softmax) of the predicted class. */
    readonly probs: Float32Array,
    c: number,
    classes: readonly string[] | undefined,
    private readonly dataset: Dataset | null,
  ) {
    this.c = c;
    this.classes = Array.from({ length: c }, (_, i) => classes?.[i] ?? String(i));
  }

  /** Interpret `learn`'s model on `opts.dl` (default its validation loader). */
  static async fromLearner(learn: Learner, opts: InterpretationOptions = {}): Promise<ClassificationInterpretation> {
    const dl = opts.dl ?? learn.data.validDl;
    const { preds, targets } = await predict(learn.model, dl);
    if (preds.rank !== 2) {
      tf.dispose([preds, targets]);
      throw new Error(`ClassificationInterpretation: the model's outputs must be logits [N, C], got [${preds.shape.join(', ')}]`);
    }
    const [n, c] = preds.shape as [number, number];
    const table = tf.tidy(() => {
      const logp = tf.logSoftmax(preds);
      const t = tf.cast(targets, 'int32');
      const loss = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(t, c)), -1));
      return tf.stack([tf.cast(tf.argMax(preds, -1), 'float32'), tf.cast(t, 'float32'), loss, tf.exp(tf.max(logp, -1))], 1);
    });
    tf.dispose([preds, targets]);
    const v = await table.data();
    table.dispose();
    const col = (j: number): Float32Array => Float32Array.from({ length: n }, (_, i) => v[i * 4 + j]);
    const ds = orderedDataset(dl);
    return new ClassificationInterpretation(Int32Array.from(col(0)), Int32Array.from(col(1)), col(2), col(3), c, opts.classes, ds && ds.length === n ? ds : null);
  }

  /** Number of samples interpreted. */
  get n(): number {
    return this.actual.length;
  }

  /** Counts `[actual][predicted]` (rows = actual classes, as fastai and scikit-learn). */
  confusionMatrix(): number[][] {
    const m = Array.from({ length: this.c }, () => new Array<number>(this.c).fill(0));
    this.actual.forEach((a, i) => {
      if (a >= 0 && a < this.c) m[a][this.predicted[i]]++;
    });
    return m;
  }

  /** The off-diagonal cells with at least `minVal` samples, most frequent first (fastai's `most_confused`). */
  mostConfused(minVal = 1): Confusion[] {
    const m = this.confusionMatrix();
    const out: Confusion[] = [];
    m.forEach((row, a) => row.forEach((count, p) => {
      if (a !== p && count >= minVal) out.push({ actual: this.classes[a], predicted: this.classes[p], count });
    }));
    return out.sort((x, y) => y.count - x.count);
  }

  /** The `k` largest losses (default all), or the smallest with `largest: false` (fastai's `top_losses`). */
  topLosses(k = this.n, opts: { largest?: boolean } = {}): TopLosses {
    checkInt('ClassificationInterpretation.topLosses', 'k', k, 0);
    const sign = opts.largest === false ? 1 : -1;
    const order = Array.from(this.losses.keys()).sort((a, b) => sign * (this.losses[a] - this.losses[b]) || a - b).slice(0, k);
    return {
      indices: order,
      losses: order.map((i) => this.losses[i]),
      predicted: order.map((i) => this.predicted[i]),
      actual: order.map((i) => this.actual[i]),
      probs: order.map((i) => this.probs[i]),
    };
  }

  /**
   * The confusion matrix picture (`normalize` divides each row by its total): shown in a notebook;
   * written to `path` when given (PNG, or SVG for a `.svg` name; in a script without `path`, to
   * `out/figures/confusion-matrix.png`). Returns the file written.
   */
  async plotConfusionMatrix(path: string, opts?: ConfusionPlotOptions): Promise<string>;
  async plotConfusionMatrix(opts?: ConfusionPlotOptions): Promise<string | undefined>;
  async plotConfusionMatrix(a?: string | ConfusionPlotOptions, b?: ConfusionPlotOptions): Promise<string | undefined> {
    const [path, opts] = typeof a === 'string' ? [a, b ?? {}] : [undefined, a ?? {}];
    return outputPicture(confusionMatrixSvg(this.confusionMatrix(), this.classes, opts), 'confusion-matrix', path);
  }

  /**
   * The `k` images with the largest losses, each captioned `predicted/actual` (red) and `loss /
   * probability of the prediction`, as fastai's `plot_top_losses`: shown in a notebook; written to
   * `path` when given (PNG, or SVG for a `.svg` name; in a script without `path`, to
   * `out/figures/top-losses.png`). Reads the k images from the dataset in one go. Needs a loader
   * over a dataset in order (a `DataLoader` without shuffle). Returns the file written.
   */
  async plotTopLosses(k: number, path: string, opts?: ImagePictureOptions): Promise<string>;
  async plotTopLosses(k: number, opts?: ImagePictureOptions): Promise<string | undefined>;
  async plotTopLosses(k: number, a?: string | ImagePictureOptions, b?: ImagePictureOptions): Promise<string | undefined> {
    const [path, opts] = typeof a === 'string' ? [a, b ?? {}] : [undefined, a ?? {}];
    checkInt('ClassificationInterpretation.plotTopLosses', 'k', k);
    if (!this.dataset) throw new Error('ClassificationInterpretation.plotTopLosses: the images are not reachable: interpret a DataLoader that does not shuffle (the default validation loader does not)');
    const top = this.topLosses(Math.min(k, this.n));
    const [x, y] = await itemsAt(this.dataset, Int32Array.from(top.indices));
    try {
      const { images } = await readImages('ClassificationInterpretation.plotTopLosses', x);
      const { h, w, c } = images;
      const tiles = top.indices.map((_, t) => ({
        rgb: toRgb(images.x.subarray(t * h * w * c, (t + 1) * h * w * c), h, w, c, opts.denorm),
        h,
        w,
        lines: [
          { text: `${this.classes[top.predicted[t]]}/${this.classes[top.actual[t]]}`, color: top.predicted[t] === top.actual[t] ? '#2ca02c' : '#d62728' },
          { text: `${top.losses[t].toFixed(2)} / ${top.probs[t].toFixed(2)}` },
        ],
      }));
      return await outputPicture(imageGrid(tiles, { title: 'Top losses: predicted/actual, loss / probability', ncols: opts.ncols }), 'top-losses', path);
    } finally {
      tf.dispose([x, y]);
    }
  }
}
