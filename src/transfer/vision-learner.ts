/**
 * `visionLearner`: fastai's `vision_learner` — a pretrained architecture cut before its pooling,
 * fastai's head on top, parameter groups from fastai's splitter, the body frozen, the inputs
 * normalised with the statistics the weights expect — and `VisionLearner.fineTune`.
 */
import * as fs from '../platform/fs.js';
import { tf } from '../backend/tf.js';
import { Learner } from '../core/learner.js';
import type { DataSource } from '../core/trainable.js';
import { crossEntropy, type LossFunc } from '../core/losses.js';
import { adam } from '../core/optim/adam.js';
import type { OptFunc } from '../core/optim/optimizer.js';
import type { Runner } from '../core/runner.js';
import { checkInt } from '../core/validate.js';
import { decodeWeightsFile } from '../io/weights-file.js';
import { fromTorchTensors } from '../io/torch-layout.js';
import { fsFailure } from '../io/fs-errors.js';
import type { HostTensor, SafetensorsContents } from '../io/safetensors.js';
import type { Module } from '../models/module.js';
import { Sequential } from '../models/sequential.js';
import { createBody, numFeatures, VisionModel } from '../models/zoo/vision-model.js';
import { createHead, type HeadOptions } from '../models/zoo/fastai-head.js';
import type { ArchMeta, ChannelStats, TorchvisionOptions } from '../models/zoo/torchvision/arch.js';
import { fineTune, type FineTuneOptions } from '../callbacks/fine-tune.js';
import { findPretrained } from './pretrained.js';

/** What `visionLearner` takes as an architecture: a model builder, with `meta` for torchvision's (`resnet34`). */
export type ArchBuilder = ((opts?: TorchvisionOptions) => Module) & {
  /** The architecture's metadata; without it, `pretrained` defaults to false and the body is cut before the last child that pools (unless `cut` is given). */
  readonly meta?: ArchMeta;
};

/** Options of `visionLearner` (fastai's, camel-cased), with the head's (`linFtrs`, `ps`, `concatPool`, …). */
export type VisionLearnerOptions = HeadOptions & {
  /**
   * The body's weights: `true` (default for torchvision's architectures) for torchvision's
   * published file found in the weights folder (see `weightsDir`), a path to a `.pth` (as
   * torchvision publishes it or `torch.save(model.state_dict())` writes it) or `.safetensors`
   * file in torchvision's key names, the bytes of such a file, or `false` for random weights.
   */
  pretrained?: boolean | string | Uint8Array;
  /** Outputs of the head (default `dls.c`). */
  nOut?: number;
  /**
   * Input channels (default the data's `cIn`, else 3). Pretrained 3-channel weights are adapted
   * as fastai does: summed over the channels for 1, the first two × 1.5 for 2, zeros beyond 3.
   */
  nIn?: number;
  /** Where the body ends (default the architecture's, fastai's `cut`): a child index or a function of the model. */
  cut?: number | ((model: Module) => Module);
  /**
   * Normalise the inputs first (default true): with the weights' statistics (ImageNet's for
   * torchvision's) when pretrained, the data is not normalised already (`dls.normStats`) and the
   * channel counts agree — fastai's rule; or with the statistics given here, always.
   */
  normalize?: boolean | ChannelStats;
  /** The folder `pretrained: true` looks in first (default `TFAI_WEIGHTS_DIR`, else `~/.cache/tfai/weights`). */
  weightsDir?: string;
  /** Loss (default `crossEntropy`). */
  lossFunc?: LossFunc;
  /** Optimizer (default fastai's Adam: β2 0.99, eps 1e-5, decoupled weight decay 0.01). */
  optFunc?: OptFunc;
  /** Base learning rate (default 1e-3, fastai's `defaults.lr`). */
  lr?: number;
  /** Parameter groups (default the architecture's: ResNets `[body[:6], body[6:], head]`, others `[body, head]`). */
  splitter?: (model: VisionModel) => tf.Variable[][];
  /** Keep norm layers training when frozen (default true, fastai's `train_bn`). */
  trainBN?: boolean;
  /** Weight-decay norm layers and biases too (default false, fastai's `wd_bn_bias`). */
  wdBnBias?: boolean;
};

/** A `Learner` for a `VisionModel`, with fastai's `fine_tune` as a method. */
export class VisionLearner<D extends DataSource = DataSource> extends Learner<VisionModel, D> {
  /** The architecture's metadata (null for a builder without one). */
  arch: ArchMeta | null = null;
  /** Where the body's weights came from (a path, `'<bytes>'`), or null when random. */
  pretrained: string | null = null;

  /**
   * fastai's `learn.fine_tune(epochs, base_lr)`: `freezeEpochs` (1) epochs of one-cycle with the
   * body frozen, then `epochs` with everything trained at learning rates from `baseLr / 2 /
   * lrMult` (first group) to `baseLr / 2` (head). See `fineTune`. Returns the runner.
   */
  fineTune(epochs: number, baseLr = 2e-3, opts: Omit<FineTuneOptions, 'learn'> = {}): Promise<Runner> {
    return fineTune(epochs, baseLr, { ...opts, learn: this });
  }
}

/**
 * `const learn = await visionLearner(dls, resnet34)` — fastai's `vision_learner(dls, resnet34)`:
 * builds the architecture, loads its pretrained weights (see `pretrained`), keeps the children
 * before `cut` as the body, adds `createHead(nf, nOut)`, normalises the inputs with the weights'
 * statistics, splits the parameters as fastai does, and freezes the body when pretrained.
 * @throws Error naming the weights file to download, its URL and the folder to put it in when
 *   `pretrained: true` finds no file; the file and the key at fault when a file does not fit.
 */
export async function visionLearner<D extends DataSource>(dls: D, arch: ArchBuilder, opts: VisionLearnerOptions = {}): Promise<VisionLearner<D>> {
  if (typeof arch !== 'function') throw new TypeError(`visionLearner: arch must be a model builder such as resnet34, got ${arch === null ? 'null' : typeof arch}`);
  const meta = arch.meta ?? null;
  const nOut = opts.nOut ?? dls.c;
  checkInt('visionLearner', 'nOut', nOut);
  const nIn = opts.nIn ?? (dls as { cIn?: number }).cIn ?? 3;
  checkInt('visionLearner', 'nIn', nIn);
  const want = opts.pretrained ?? meta !== null;
  const normalize = opts.normalize ?? true;
  if (typeof normalize === 'object' && (normalize.mean.length !== nIn || normalize.std.length !== nIn)) {
    throw new RangeError(`visionLearner: normalize gives ${normalize.mean.length} means and ${normalize.std.length} stds for ${nIn} input channels`);
  }
  let model: Module;
  let source: string | null = null;
  if (want === false) {
    model = arch({ nIn });
  } else {
    const { bytes, label } = await weightsBytes(want, meta, arch, opts.weightsDir);
    source = label;
    model = pretrainedModel(arch, meta, decodeWeightsFile(bytes, label), label, nIn);
  }
  let vm: VisionModel;
  try {
    const body = createBody(model, opts.cut ?? meta?.cut);
    if (typeof (opts.cut ?? meta?.cut) === 'number') {
      const kept = new Set(body.modules());
      for (const child of model.children()) if (!kept.has(child)) child.dispose(); // the old pooling and classifier
    }
    const head = createHead(numFeatures(body, nIn), nOut, opts);
    vm = new VisionModel(body, head, normStats(normalize, source !== null, meta, nIn, dls));
  } catch (e) {
    model.dispose();
    throw e;
  }
  const splits = meta?.bodySplits ?? [];
  const splitter = opts.splitter ?? ((m: VisionModel) => split(m, splits));
  const learn = new VisionLearner<D>({
    model: vm,
    data: dls,
    lossFunc: opts.lossFunc ?? crossEntropy,
    optFunc: opts.optFunc ?? adam({ beta2: 0.99, eps: 1e-5, wd: 0.01 }),
    lr: opts.lr ?? 1e-3,
    splitter,
    trainBN: opts.trainBN,
    wdBnBias: opts.wdBnBias ?? false,
  });
  learn.arch = meta;
  learn.pretrained = source;
  if (source !== null) learn.freeze();
  return learn;
}

/** The weights file's bytes and a label for messages. */
async function weightsBytes(pretrained: true | string | Uint8Array, meta: ArchMeta | null, arch: ArchBuilder, dir?: string): Promise<{ bytes: Uint8Array; label: string }> {
  if (pretrained instanceof Uint8Array) return { bytes: pretrained, label: '<pretrained bytes>' };
  let file: string;
  if (pretrained === true) {
    if (!meta) throw new Error(`visionLearner: no published weights are known for ${arch.name || 'this architecture'}: pass pretrained: '<path to a .pth or .safetensors file>' or pretrained: false`);
    file = await findPretrained(meta.name, meta.weights, dir);
  } else if (typeof pretrained === 'string') {
    file = pretrained;
  } else {
    throw new TypeError(`visionLearner: pretrained must be true, false, a path or the bytes of a weights file, got ${typeof pretrained}`);
  }
  try {
    return { bytes: await fs.readFile(file), label: file };
  } catch (e) {
    throw fsFailure('visionLearner: reading pretrained weights', file, e);
  }
}

/**
 * The architecture with the file's weights: its classifier sized as the file's (it is cut off
 * anyway), its first convolution's weights adapted to `nIn` channels as fastai does.
 */
function pretrainedModel(arch: ArchBuilder, meta: ArchMeta | null, file: SafetensorsContents, label: string, nIn: number): Module {
  const cls = meta ? file.tensors.get(meta.classifier) : undefined;
  const first = meta ? file.tensors.get(meta.firstConv) : undefined;
  if (meta && first && first.shape.length === 4 && first.shape[1] !== nIn) {
    file.tensors.set(meta.firstConv, adaptFirstConv(first, nIn));
  }
  const model = arch({ nIn, ...(cls ? { numClasses: cls.shape[0] } : {}) });
  let sd: Record<string, tf.Tensor> = {};
  try {
    sd = fromTorchTensors(model, file, label);
    model.loadStateDict(sd);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(sd));
  }
  return model;
}

/** fastai's `_load_pretrained_weights`: a `[out, in, kh, kw]` weight for `nIn` input channels. */
function adaptFirstConv(t: HostTensor, nIn: number): HostTensor {
  const w = t.data;
  const [out, cin, kh, kw] = t.shape;
  const k = kh * kw;
  const data = new Float32Array(out * nIn * k);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < nIn; i++) {
      for (let j = 0; j < k; j++) {
        let v = 0;
        if (nIn === 1) for (let c = 0; c < cin; c++) v += w[(o * cin + c) * k + j];
        else if (nIn === 2) v = 1.5 * w[(o * cin + i) * k + j];
        else v = i < cin ? w[(o * cin + i) * k + j] : 0;
        data[(o * nIn + i) * k + j] = v;
      }
    }
  }
  return { shape: [out, nIn, kh, kw], data, fileDtype: t.fileDtype };
}

/** The statistics to normalise with (fastai's `_add_norm`), or null. */
function normStats(normalize: boolean | ChannelStats, pretrained: boolean, meta: ArchMeta | null, nIn: number, dls: DataSource): ChannelStats | null {
  if (normalize === false) return null;
  if (normalize !== true) return normalize;
  const already = (dls as { normStats?: unknown }).normStats !== undefined;
  if (!pretrained || !meta || already || meta.stats.mean.length !== nIn) return null;
  return meta.stats;
}

/** fastai's splitters: the body's children split at `splits` (`_resnet_split`: [6]), then the head. */
function split(m: VisionModel, splits: readonly number[]): tf.Variable[][] {
  const body = m.body;
  if (!(body instanceof Sequential) || splits.length === 0) return [body.parameters(), m.head.parameters()];
  const kids = body.children();
  const edges = [0, ...splits, kids.length];
  const groups = edges.slice(0, -1).map((e, i) => kids.slice(e, edges[i + 1]).flatMap((c) => c.parameters()));
  return [...groups, m.head.parameters()];
}
