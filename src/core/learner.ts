/** The learner: the state of a training job (model, data, loss, optimizer). */
import { tf } from '../backend/tf.js';
import type { LossFunc } from './losses.js';
import { sgd } from './optim/sgd.js';
import { uniqueGroups, type OptFunc, type Optimizer } from './optim/optimizer.js';
import { asModule, loadWeights, saveWeights } from '../io/weights-file.js';
import type { ByteSource } from '../io/byte-source.js';
import { inOtherFit } from './fit-lock.js';
import { predict, tta, type BatchSource, type Predictions, type TtaOptions } from './predict.js';
import type { DataSource, Trainable } from './trainable.js';

/** Options of `Learner`. */
export type LearnerOptions<M extends Trainable = Trainable, D extends DataSource = DataSource> = {
  /** The model to train (tfai's `Module`, or anything `Trainable`). */
  model: M;
  /** The training and validation loaders and the class count (a `DataBunch`). */
  data: D;
  /** The loss, `(pred, target) => scalar` (e.g. `crossEntropy`). */
  lossFunc: LossFunc;
  /** Optimizer factory (default `sgd()`). */
  optFunc?: OptFunc;
  /** Base learning rate (default 0.1), set in every parameter group. */
  lr?: number;
  /**
   * Splits the model's parameters into groups (e.g. `[body, head]`) for discriminative
   * hyperparameters; default one group of every trainable parameter.
   */
  splitter?: (model: M) => tf.Variable[][];
  /**
   * Keep the parameters of normalization layers training when their group is frozen (default
   * true, fastai's `train_bn`). Layers declare themselves with `isNormLayer = true` (tfai's norms do).
   */
  trainBN?: boolean;
  /**
   * Apply weight decay to norm layers' parameters and to biases too (default true: every parameter
   * decays). `false` is fastai's default `wd_bn_bias=False` (what `visionLearner` uses): parameters
   * of layers marked `isNormLayer` and every parameter named `bias` are never decayed.
   */
  wdBnBias?: boolean;
};

/** A layer as `freeze` looks at it: norm layers say so (`isNormLayer`), as tfai's norms do. */
type MaybeNormLayer = { readonly isNormLayer?: boolean; parameters(): tf.Variable[] };

/** The parameters of the model's normalization layers (found through `modules()` when the model has it). */
function normLayerParams(model: Trainable): tf.Variable[] {
  const modules = (model as { modules?: () => Iterable<MaybeNormLayer> }).modules;
  if (typeof modules !== 'function') return [];
  return [...modules.call(model)].filter((m) => m.isNormLayer === true).flatMap((m) => m.parameters());
}

/** The model's norm-layer parameters and every parameter named `bias` (fastai's `norm_bias_params`). */
function normAndBiasParams(model: Trainable): tf.Variable[] {
  const named = (model as { namedParameters?: () => [string, tf.Variable][] }).namedParameters;
  const biases = typeof named === 'function' ? named.call(model).filter(([k]) => k === 'bias' || k.endsWith('.bias')).map(([, v]) => v) : [];
  return [...new Set([...normLayerParams(model), ...biases])];
}

/**
 * `new Learner({ model, data, lossFunc, optFunc, lr })`, as the course's `Learner`: it holds the
 * state; `Runner.fit` trains it. The optimizer is created at construction (`learn.opt`).
 */
export class Learner<M extends Trainable = Trainable, D extends DataSource = DataSource> {
  /** The model being trained. */
  readonly model: M;
  /** The training and validation data. */
  readonly data: D;
  /** The loss, `(pred, target) => scalar`. */
  readonly lossFunc: LossFunc;
  /** The optimizer factory the optimizer was made with. */
  readonly optFunc: OptFunc;
  /** The optimizer; its parameter groups follow `splitter`. */
  opt: Optimizer;
  /** Whether `freeze` keeps norm layers training (the `trainBN` option). */
  readonly trainBN: boolean;
  /** Whether norm layers' parameters and biases get weight decay (the `wdBnBias` option). */
  readonly wdBnBias: boolean;

  constructor(opts: LearnerOptions<M, D>) {
    const lr = opts.lr ?? 0.1;
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`Learner: lr must be a finite number >= 0, got ${lr}`);
    this.model = opts.model;
    this.data = opts.data;
    this.lossFunc = opts.lossFunc;
    this.optFunc = opts.optFunc ?? sgd();
    const named = (opts.model as { namedParameters?: () => [string, tf.Variable][] }).namedParameters;
    const names = typeof named === 'function' ? new Map(named.call(opts.model).map(([k, v]) => [v, `'${k}'`])) : undefined;
    const groups = uniqueGroups(opts.splitter ? opts.splitter(opts.model) : [opts.model.parameters().filter((p) => p.trainable)], 'Learner', names);
    groups.forEach((g, i) => {
      if (g.length === 0) throw new Error(`Learner: parameter group ${i} is empty (check the splitter)`);
    });
    this.opt = this.optFunc(groups, lr);
    this.trainBN = opts.trainBN ?? true;
    this.wdBnBias = opts.wdBnBias ?? true;
    if (!this.wdBnBias) this.opt.excludeFromWeightDecay(normAndBiasParams(this.model));
  }

  /**
   * Train only the parameter groups from `n` on (negative `n` counts from the end), as fastai's
   * `freeze_to`: earlier groups get no gradient and no update, except the parameters of norm layers
   * (see `trainBN`). The optimizer keeps every parameter's state, so unfrozen groups continue
   * from it (fastai clears it instead).
   */
  freezeTo(n: number): void {
    this.opt.freezeTo(n, this.trainBN ? normLayerParams(this.model) : []);
  }

  /**
   * Train only the last parameter group (the head) and the norm layers, for transfer learning
   * (`learn.freeze(); fit…; learn.unfreeze(); fit…`). Needs a `splitter` that gives at least two groups.
   */
  freeze(): void {
    const n = this.opt.paramGroups.length;
    if (n < 2) throw new Error(`Learner.freeze: the optimizer has ${n} parameter group; give the Learner a splitter that returns [body, head] groups to freeze the body`);
    this.freezeTo(-1);
  }

  /** Train every parameter group again. */
  unfreeze(): void {
    this.freezeTo(0);
  }

  /**
   * Save the model's weights to `file` as safetensors, in PyTorch names and layouts (loadable by
   * PyTorch's `safetensors.torch.load_file`). The write is atomic: a failed save leaves an existing
   * file as it was. Returns `file`.
   */
  async save(file: string, opts: { metadata?: Record<string, string> } = {}): Promise<string> {
    await saveWeights(asModule(this.model, 'Learner.save'), file, opts.metadata);
    return file;
  }

  /**
   * Load weights saved by `save` (or by PyTorch: safetensors, or a `.pth` state dict) into the
   * model, from a file, a URL, a `Blob` / `File` (in a page, from an `<input type="file">`) or
   * bytes. The file and its fit to the model are checked completely first: a truncated or foreign
   * file, or one of another architecture, throws naming the file and the first mismatching key, and
   * the model is unchanged.
   * `strict: false` skips missing and unexpected keys (shapes must still match). Refused while a
   * fit trains this learner, unless called from that fit (one of its callbacks).
   */
  async load(file: ByteSource, opts: { strict?: boolean } = {}): Promise<void> {
    if (inOtherFit(this)) {
      throw new Error(`Learner.load: this learner is being trained by a fit that has not finished; loading weights now would change them under the optimizer. Await the fit first (or load from one of its callbacks, e.g. in afterFit)`);
    }
    await loadWeights(asModule(this.model, 'Learner.load'), file, opts);
  }

  /**
   * The model's outputs (eval mode) for every batch of `dl` (default the validation loader), with
   * the targets; the caller disposes both tensors.
   */
  async predict(dl: BatchSource = this.data.validDl): Promise<Predictions> {
    return predict(this.model, dl);
  }

  /**
   * Test-time augmentation over `dl` (default the validation loader): mean softmax probabilities
   * of the plain images and `nAug` flipped / shifted views. The caller disposes the tensors.
   */
  async tta(opts: TtaOptions & { dl?: BatchSource } = {}): Promise<Predictions> {
    return tta(this.model, opts.dl ?? this.data.validDl, opts);
  }

  /** The variables that train now (every group's, less frozen ones): what backward differentiates. */
  get trainableVars(): tf.Variable[] {
    return this.opt.trainableParams;
  }
}
