/**
 * The model fastai's `vision_learner` builds: a pretrained body cut before its pooling
 * (`create_body`) and a new head (`create_head`) — `Sequential(body, head)`, so its keys are
 * fastai's (`0.…` body, `1.…` head) — with the inputs normalised by the statistics the body's
 * weights expect as its first step (fastai adds that `Normalize` to the data instead; in the
 * model, every runner, `predict` and `tta` see the same inputs).
 */
import { tf } from '../../backend/tf.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { ModuleError, fmtShape } from '../module-error.js';
import type { ChannelStats } from './torchvision/arch.js';

/** fastai's `has_pool_type`: whether `m` or a descendant is a pooling layer (a class name ending in `Pool1d/2d/3d`). */
export function hasPoolType(m: Module): boolean {
  return m.modules().some((x) => /Pool[123]d$/.test(x.constructor.name));
}

/**
 * fastai's `create_body`: the children of `model` before `cut` (negative counts from the end) in
 * a `Sequential` sharing their modules, or `cut(model)` when it is a function. Without `cut`, the
 * body ends before the last child that holds a pooling layer.
 * @throws RangeError for a `cut` outside the children, or when no child pools and no cut is given.
 */
export function createBody(model: Module, cut?: number | ((m: Module) => Module)): Module {
  if (typeof cut === 'function') return cut(model);
  const kids = model.children();
  let idx: number;
  if (cut === undefined) {
    idx = kids.map(hasPoolType).lastIndexOf(true);
    if (idx < 0) throw new RangeError(`createBody: ${model.constructor.name} has no child with a pooling layer to cut before; give cut (an index into its ${kids.length} children, or a function)`);
  } else {
    if (!Number.isInteger(cut) || cut < -kids.length || cut > kids.length || cut === 0) {
      throw new RangeError(`createBody: cut must be a non-zero integer in [${-kids.length}, ${kids.length}] (${model.constructor.name} has ${kids.length} children), got ${cut}`);
    }
    idx = cut < 0 ? kids.length + cut : cut;
  }
  return new Sequential(...kids.slice(0, idx));
}

/**
 * fastai's `num_features_model`: the channels of `body`'s output, from one eval-mode pass of a
 * `[1, size, size, nIn]` input (64 px, then larger if the body shrinks it to nothing).
 */
export function numFeatures(body: Module, nIn: number): number {
  const wasTraining = body.training;
  body.eval();
  try {
    let lastError: unknown;
    for (const size of [64, 128, 256]) {
      try {
        return tf.tidy(() => {
          const y = body.forward(tf.zeros([1, size, size, nIn]));
          return y.shape[y.rank - 1];
        });
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  } finally {
    body.train(wasTraining);
  }
}

/** `Sequential(body, head)` that first normalises its NHWC input with `stats` (when given). */
export class VisionModel extends Sequential {
  /** The body, child `0` (fastai's `create_body`; keys `0.…`). */
  readonly body: Module;
  /** The head, child `1` (fastai's `create_head`; keys `1.…`). */
  readonly head: Module;
  /** The input statistics applied first, or null when the inputs are used as they come. */
  readonly stats: ChannelStats | null;
  private readonly mean: tf.Tensor | null;
  private readonly invStd: tf.Tensor | null;

  constructor(body: Module, head: Module, stats: ChannelStats | null = null) {
    super(body, head);
    this.body = body;
    this.head = head;
    this.stats = stats ? { mean: [...stats.mean], std: [...stats.std] } : null;
    this.mean = stats ? tf.keep(tf.tensor1d([...stats.mean])) : null;
    this.invStd = stats ? tf.keep(tf.tensor1d(stats.std.map((s) => 1 / s))) : null;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    if (!this.mean || !this.invStd) return super.forward(x);
    if (x.rank !== 4 || x.shape[3] !== this.mean.size) {
      throw new ModuleError(this, `VisionModel normalises ${this.mean.size}-channel NHWC images, got input ${fmtShape(x.shape)}`);
    }
    return tf.tidy(() => super.forward(tf.mul(tf.sub(x, this.mean!), this.invStd!)));
  }

  override dispose(): void {
    super.dispose();
    this.mean?.dispose();
    this.invStd?.dispose();
  }

  override extraRepr(): string {
    return this.stats ? `normalize: mean [${this.stats.mean.join(', ')}], std [${this.stats.std.join(', ')}]` : '';
  }
}
