/**
 * Item transforms: what happens to each image as it is decoded, before it joins a batch (fastai's
 * `item_tfms`). `Resize` and `RandomResizedCrop` give every image the same size; `FlipItem`
 * mirrors it. They run in the decoding workers, so each is plain data (`spec`) interpreted by
 * `planItem`; random choices are seeded per item and made only for the training set.
 */
import type { ItemTfmSpec, PadMode, ResizeMethod } from './item-plan.js';

export type { ItemTfmSpec, ResizeSpec, RandomResizedCropSpec, FlipSpec, PadMode, ResizeMethod } from './item-plan.js';

/** An item transform: its plain-data description. */
export interface ItemTransform {
  /** What the decoding workers apply. */
  readonly spec: ItemTfmSpec;
}

function sizeOf(who: string, size: number | readonly [number, number]): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  for (const v of [h, w]) if (!(Number.isInteger(v) && v >= 1 && v <= 16384)) throw new RangeError(`${who}: size must be an integer in [1, 16384] or [height, width] of them, got ${JSON.stringify(size)}`);
  return [h, w];
}

/** Options of `Resize`. */
export interface ResizeOptions {
  /**
   * `'crop'` (default): the largest window of the target's aspect ratio, at a random place in
   * training and the centre in validation; `'pad'`: the whole image, padded to the target's aspect
   * (at a random offset in training); `'squish'`: the whole image stretched to the size.
   */
  method?: ResizeMethod;
  /** The padding of `method: 'pad'`: `'reflection'` (default, as fastai), `'zeros'` or `'border'`. */
  padMode?: PadMode;
}

/**
 * `new Resize(224)` / `new Resize([h, w], { method })`: fastai's `Resize` — every image to one size
 * by cropping, padding or squishing, resampled with an antialiased bilinear filter (Pillow's
 * `BILINEAR`, which fastai uses).
 */
export class Resize implements ItemTransform {
  /** What the decoding workers apply. */
  readonly spec: ItemTfmSpec;

  /** @throws RangeError for a size outside [1, 16384] or an unknown method / pad mode. */
  constructor(size: number | readonly [number, number], opts: ResizeOptions = {}) {
    const [h, w] = sizeOf('Resize', size);
    const method = opts.method ?? 'crop';
    const padMode = opts.padMode ?? 'reflection';
    if (!['crop', 'pad', 'squish'].includes(method)) throw new RangeError(`Resize: method must be 'crop', 'pad' or 'squish', got ${JSON.stringify(method)}`);
    if (!['zeros', 'border', 'reflection'].includes(padMode)) throw new RangeError(`Resize: padMode must be 'zeros', 'border' or 'reflection', got ${JSON.stringify(padMode)}`);
    this.spec = { kind: 'resize', h, w, method, padMode };
  }
}

/** Options of `RandomResizedCrop`. */
export interface RandomResizedCropOptions {
  /** Smallest fraction of the image's area a crop covers (default 0.08). */
  minScale?: number;
  /** Largest fraction (default 1). */
  maxScale?: number;
  /** Range of the crop's aspect ratio w/h, drawn log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** Validation: squish to `size × (1 + valXtra)` then take the centre `size` (default 0.14). */
  valXtra?: number;
}

/**
 * `new RandomResizedCrop(224, { minScale: 0.35 })`: fastai's (and torchvision's) random crop of
 * random area and aspect, resized to `size`; a centre crop for validation.
 */
export class RandomResizedCrop implements ItemTransform {
  /** What the decoding workers apply. */
  readonly spec: ItemTfmSpec;

  /** @throws RangeError for a size outside [1, 16384] or scales / ratios out of range. */
  constructor(size: number | readonly [number, number], opts: RandomResizedCropOptions = {}) {
    const [h, w] = sizeOf('RandomResizedCrop', size);
    const minScale = opts.minScale ?? 0.08;
    const maxScale = opts.maxScale ?? 1;
    const ratio: [number, number] = opts.ratio ? [opts.ratio[0], opts.ratio[1]] : [3 / 4, 4 / 3];
    const valXtra = opts.valXtra ?? 0.14;
    if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) throw new RangeError(`RandomResizedCrop: need 0 < minScale <= maxScale <= 1, got minScale ${minScale}, maxScale ${maxScale}`);
    if (!(ratio[0] > 0 && ratio[0] <= ratio[1] && Number.isFinite(ratio[1]))) throw new RangeError(`RandomResizedCrop: ratio must be [min, max] with 0 < min <= max, got [${ratio.join(', ')}]`);
    if (!(valXtra >= 0 && Number.isFinite(valXtra))) throw new RangeError(`RandomResizedCrop: valXtra must be >= 0, got ${valXtra}`);
    this.spec = { kind: 'randomResizedCrop', h, w, minScale, maxScale, ratio, valXtra };
  }
}

/** `new FlipItem(0.5)`: mirror a training image left-right with probability `p` (fastai's `FlipItem`). */
export class FlipItem implements ItemTransform {
  /** What the decoding workers apply. */
  readonly spec: ItemTfmSpec;

  /** @throws RangeError when `p` is outside [0, 1]. */
  constructor(p = 0.5) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`FlipItem: p must be in [0, 1], got ${p}`);
    this.spec = { kind: 'flip', p };
  }
}
