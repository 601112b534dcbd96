/**
 * Batch augmentation on the device: random horizontal flips, pad-then-random-crop and random
 * erasing, one draw per
 * sample from the project's seeded RNG (or a generator you pass), composable as plain functions
 * `(xb) => xb`, and a `Dataset` wrapper that applies them to every batch it hands out.
 */
import { tf } from '../backend/tf.js';
import { random } from '../core/rng.js';
import type { Dataset } from './dataset.js';

/**
 * A batch transform: takes an NHWC batch and returns a NEW tensor (it never disposes its input,
 * and may return it unchanged only when it is the identity).
 */
export type ImageTransform = (xb: tf.Tensor) => tf.Tensor;

/** Where a transform's random numbers come from: a uniform [0, 1) source (default: the global `random`). */
export interface RandomOptions {
  /** Uniform [0, 1) generator, e.g. `makeRng(seed)`; default the global seeded `random`. */
  rand?: () => number;
}

function check4d(who: string, x: tf.Tensor): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`${who}: expected an NHWC batch [N, H, W, C], got [${x.shape.join(', ')}]`);
  return x as tf.Tensor4D;
}

/**
 * `randomFlip({ p = 0.5 })`: mirror each image left-right independently with probability `p`.
 * Exact (a reversed copy along the width axis, selected per sample).
 */
export function randomFlip(opts: RandomOptions & { p?: number } = {}): ImageTransform {
  const rand = opts.rand ?? random;
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomFlip: p must be in [0, 1], got ${p}`);
  return (xb) => {
    const x = check4d('randomFlip', xb);
    const flags = Uint8Array.from({ length: x.shape[0] }, () => (rand() < p ? 1 : 0));
    return tf.tidy(() => tf.where(tf.tensor4d(flags, [flags.length, 1, 1, 1], 'bool'), tf.reverse(x, 2), x));
  };
}

/**
 * Crop a `[h, w]` window from every image of `xb`, image `i` at row `tops[i]`, column `lefts[i]`.
 * One `tf.gather` of precomputed pixel indices, so values are copied exactly (no resampling).
 * @throws RangeError if a window does not fit inside its image.
 */
export function cropBatch(xb: tf.Tensor, tops: ArrayLike<number>, lefts: ArrayLike<number>, h: number, w: number): tf.Tensor {
  const x = check4d('cropBatch', xb);
  const [n, H, W, C] = x.shape;
  if (tops.length !== n || lefts.length !== n) throw new RangeError(`cropBatch: need ${n} tops and lefts, got ${tops.length} and ${lefts.length}`);
  const idx = new Int32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const t = tops[i], l = lefts[i];
    if (!(t >= 0 && l >= 0 && t + h <= H && l + w <= W)) throw new RangeError(`cropBatch: a ${h}×${w} window at (${t}, ${l}) does not fit in image ${i} of ${H}×${W}`);
    for (let r = 0; r < h; r++) {
      const src = (i * H + t + r) * W + l;
      const dst = (i * h + r) * w;
      for (let c = 0; c < w; c++) idx[dst + c] = src + c;
    }
  }
  return tf.tidy(() => tf.gather(tf.reshape(x, [n * H * W, C]), tf.tensor1d(idx, 'int32')).reshape([n, h, w, C]));
}

/** Options of `padCrop`. */
export interface PadCropOptions extends RandomOptions {
  /** Pixels added on each side (default 4). */
  pad?: number;
  /**
   * `'zeros'` (default; zero in normalised space is the mean colour), `'constant'` (fill with
   * `value`, e.g. the normalised black background of Fashion-MNIST) or `'reflect'` (mirror, edge
   * not repeated).
   */
  mode?: 'zeros' | 'constant' | 'reflect';
  /** Fill value of `mode: 'constant'` (default 0). */
  value?: number;
  /** Output size, square `n` or `[h, w]` (default: the input's size). */
  size?: number | readonly [number, number];
}

/**
 * `padCrop({ pad: 4, mode: 'zeros', size: 32 })`: pad every image by `pad` on each side, then take
 * a random `size` window from each (offsets uniform over every valid position, per sample), as
 * the classic CIFAR-10 augmentation.
 */
export function padCrop(opts: PadCropOptions = {}): ImageTransform {
  const rand = opts.rand ?? random;
  const pad = opts.pad ?? 4;
  const mode = opts.mode ?? 'zeros';
  const value = opts.value ?? 0;
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`padCrop: pad must be an integer >= 0, got ${pad}`);
  if (mode !== 'zeros' && mode !== 'constant' && mode !== 'reflect') throw new RangeError(`padCrop: mode must be 'zeros', 'constant' or 'reflect', got ${JSON.stringify(mode)}`);
  if (!Number.isFinite(value)) throw new RangeError(`padCrop: value must be a finite number, got ${value}`);
  return (xb) => {
    const x = check4d('padCrop', xb);
    const [n, H, W] = x.shape;
    const [h, w] = opts.size === undefined ? [H, W] : typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size;
    const Hp = H + 2 * pad, Wp = W + 2 * pad;
    if (h > Hp || w > Wp) throw new RangeError(`padCrop: size ${h}×${w} is larger than the padded ${Hp}×${Wp} images`);
    if (mode === 'reflect' && (pad >= H || pad >= W)) throw new RangeError(`padCrop: reflect padding ${pad} needs images larger than ${pad}, got ${H}×${W}`);
    const tops = Array.from({ length: n }, () => Math.floor(rand() * (Hp - h + 1)));
    const lefts = Array.from({ length: n }, () => Math.floor(rand() * (Wp - w + 1)));
    const padded = tf.tidy(() => {
      const p: [number, number][] = [[0, 0], [pad, pad], [pad, pad], [0, 0]];
      return mode === 'reflect' ? tf.mirrorPad(x, p, 'reflect') : tf.pad(x, p, mode === 'constant' ? value : 0);
    });
    try {
      return cropBatch(padded, tops, lefts, h, w);
    } finally {
      padded.dispose();
    }
  };
}

/** Options of `randomErasing`. */
export interface RandomErasingOptions extends RandomOptions {
  /** Probability that an image gets a rectangle erased (default 0.5). */
  p?: number;
  /** Range of the rectangle's area as a fraction of the image's (default [0.02, 0.33]). */
  scale?: readonly [number, number];
  /** Range of the rectangle's aspect ratio h/w, drawn log-uniformly (default [0.3, 3.3]). */
  ratio?: readonly [number, number];
  /** Fill value (default 0: the mean colour of a normalised batch). */
  value?: number;
}

function checkRange(who: string, name: string, r: readonly [number, number], lo: number, hi: number): void {
  if (!(r.length === 2 && r[0] >= lo && r[0] <= r[1] && r[1] <= hi)) {
    throw new RangeError(`${who}: ${name} must be [min, max] with ${lo} <= min <= max <= ${hi}, got [${Array.from(r).join(', ')}]`);
  }
}

/**
 * `randomErasing({ p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0 })`: with probability
 * `p` per image, fill one random rectangle with `value` (Zhong et al. 2017; torchvision's
 * `RandomErasing` with the same defaults). The rectangle's area is uniform in `scale` × the
 * image's, its aspect ratio log-uniform in `ratio`, its place uniform; a draw that does not fit is
 * retried up to 10 times, then the image is left as it is (as torchvision). The rectangles are
 * drawn on the host and applied as one mask, so no device read.
 */
export function randomErasing(opts: RandomErasingOptions = {}): ImageTransform {
  const rand = opts.rand ?? random;
  const p = opts.p ?? 0.5;
  const scale = opts.scale ?? [0.02, 0.33];
  const ratio = opts.ratio ?? [0.3, 3.3];
  const value = opts.value ?? 0;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomErasing: p must be in [0, 1], got ${p}`);
  checkRange('randomErasing', 'scale', scale, 0, 1);
  checkRange('randomErasing', 'ratio', ratio, Number.MIN_VALUE, Infinity);
  if (!Number.isFinite(value)) throw new RangeError(`randomErasing: value must be a finite number, got ${value}`);
  const [logR0, logR1] = [Math.log(ratio[0]), Math.log(ratio[1])];
  return (xb) => {
    const x = check4d('randomErasing', xb);
    const [n, H, W] = x.shape;
    const mask = new Uint8Array(n * H * W);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!(rand() < p)) continue;
      for (let attempt = 0; attempt < 10; attempt++) {
        const area = H * W * (scale[0] + rand() * (scale[1] - scale[0]));
        const r = Math.exp(logR0 + rand() * (logR1 - logR0));
        const h = Math.round(Math.sqrt(area * r));
        const w = Math.round(Math.sqrt(area / r));
        if (h < 1 || w < 1 || h > H || w > W) continue;
        const top = Math.floor(rand() * (H - h + 1));
        const left = Math.floor(rand() * (W - w + 1));
        for (let y = top; y < top + h; y++) mask.fill(1, (i * H + y) * W + left, (i * H + y) * W + left + w);
        any = true;
        break;
      }
    }
    if (!any) return tf.clone(x);
    return tf.tidy(() => tf.where(tf.tensor4d(mask, [n, H, W, 1], 'bool'), tf.fill(x.shape, value, x.dtype), x));
  };
}

/** `compose(f, g, …)`: apply the transforms left to right, freeing the intermediate batches. */
export function compose(...tfms: ImageTransform[]): ImageTransform {
  return (xb) => {
    let x = xb;
    for (const f of tfms) {
      const next = f(x);
      if (x !== xb && next !== x) x.dispose();
      x = next;
    }
    return x;
  };
}

/**
 * A dataset whose batches are `tfm(x)` of `base`'s batches (e.g. augmentation of the training set
 * only). `itemShape` is the base's, so use shape-preserving transforms.
 */
export class TransformedDataset implements Dataset {
  /** The dataset whose batches are transformed. */
  readonly base: Dataset;
  /** The transform applied to every input batch. */
  readonly tfm: ImageTransform;

  constructor(base: Dataset, tfm: ImageTransform) {
    this.base = base;
    this.tfm = tfm;
  }

  /** Number of items (the base's). */
  get length(): number {
    return this.base.length;
  }

  /** Shape of one input item (the base's). */
  get itemShape(): readonly number[] | undefined {
    return this.base.itemShape;
  }

  /** The base's batch with `tfm` applied to `x` (new tensors; the untransformed `x` is freed). */
  getBatch(indices: Int32Array): [tf.Tensor, tf.Tensor] {
    const [x, y] = this.base.getBatch(indices);
    let out: tf.Tensor;
    try {
      out = this.tfm(x);
    } catch (e) {
      x.dispose();
      y.dispose();
      throw e;
    }
    if (out !== x) x.dispose();
    return [out, y];
  }

  /** Dispose the base dataset. */
  dispose(): void {
    this.base.dispose?.();
  }
}
