/**
 * What transfer learning needs to know of an architecture besides its modules: where fastai cuts
 * the body, how it splits the body into parameter groups, the statistics its published weights
 * expect, and which file torchvision publishes them in.
 */
import type { Module } from '../../module.js';

/** Options every torchvision architecture takes. */
export interface TorchvisionOptions {
  /** Outputs of the classifier (default 1000, ImageNet's classes). */
  numClasses?: number;
  /** Input channels (default 3). */
  nIn?: number;
}

/** Per-channel mean and standard deviation of the inputs, in the channel order of the images. */
export interface ChannelStats {
  /** The mean of each channel, in the images' channel order. */
  readonly mean: readonly number[];
  /** The standard deviation of each channel, in the images' channel order. */
  readonly std: readonly number[];
}

/** ImageNet's channel statistics (RGB, on a 0 … 1 scale), what every torchvision weight file expects. */
export const IMAGENET_STATS: ChannelStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** A published weight file: its name (as torchvision's cache names it) and where to download it. */
export interface WeightsFile {
  /** The file's name, as torchvision's cache names it (`resnet34-b627a593.pth`). */
  readonly file: string;
  /** Where torchvision publishes it (`https://download.pytorch.org/models/…`). */
  readonly url: string;
}

/** What `visionLearner` reads of an architecture (fastai's `model_meta`, plus the weights). */
export interface ArchMeta {
  /** torchvision's name of the builder (`resnet34`). */
  readonly name: string;
  /** fastai's `cut`: the body is the model's children before this index (negative: from the end). */
  readonly cut: number;
  /**
   * fastai's splitter, as indices into the body's children: `[6]` is `_resnet_split` (groups
   * `body[:6]`, `body[6:]`, head); `[]` is `default_split` (body, head).
   */
  readonly bodySplits: readonly number[];
  /** The input statistics the published weights were trained with. */
  readonly stats: ChannelStats;
  /** torchvision's default weights (`weights='DEFAULT'`). */
  readonly weights: WeightsFile;
  /** State-dict key of the first convolution's weight (adapted when `nIn` is not 3). */
  readonly firstConv: string;
  /** State-dict key of the classifier's weight (its output size is read from a weight file). */
  readonly classifier: string;
}

/** An architecture: call it to build the model; `meta` tells `visionLearner` how to use it. */
export type VisionArch<M extends Module = Module, O extends TorchvisionOptions = TorchvisionOptions> = ((opts?: O) => M) & {
  /** What `visionLearner` reads of the architecture: fastai's cut and splits, input statistics, weight file. */
  readonly meta: ArchMeta;
};

/** Attach `meta` to a model builder. */
export function defineArch<M extends Module, O extends TorchvisionOptions = TorchvisionOptions>(build: (opts?: O) => M, meta: ArchMeta): VisionArch<M, O> {
  return Object.assign((opts?: O) => build(opts), { meta: Object.freeze({ ...meta }) });
}
