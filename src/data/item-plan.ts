/**
 * Where each item transform takes its pixels from: the geometry of `Resize`, `RandomResizedCrop`
 * and `FlipItem` as plain data (`ItemTfmSpec`) and one pure function, `planItem`, that turns an
 * image's size and a seeded generator into a source rectangle, an output size and a flip. Plain
 * data so that it crosses to decoding workers; no decoding, no I/O, no TF.js here.
 */

/** How `Resize` fits an image to the target's aspect ratio (fastai's `ResizeMethod`). */
export type ResizeMethod = 'crop' | 'pad' | 'squish';

/** What fills the border that `Resize` with method `'pad'` adds (fastai's `PadMode`). */
export type PadMode = 'zeros' | 'border' | 'reflection';

/** `Resize` as plain data. */
export interface ResizeSpec {
  /** The transform. */
  kind: 'resize';
  /** Output height. */
  h: number;
  /** Output width. */
  w: number;
  /** Crop, pad or squish to the output's aspect. */
  method: ResizeMethod;
  /** The padding of `method: 'pad'`. */
  padMode: PadMode;
}

/** `RandomResizedCrop` as plain data. */
export interface RandomResizedCropSpec {
  /** The transform. */
  kind: 'randomResizedCrop';
  /** Output height. */
  h: number;
  /** Output width. */
  w: number;
  /** Smallest fraction of the image's area a crop covers. */
  minScale: number;
  /** Largest fraction. */
  maxScale: number;
  /** Range of the crop's aspect ratio w/h. */
  ratio: [number, number];
  /** Validation: the extra fraction the image is resized to before its centre is taken. */
  valXtra: number;
}

/** `FlipItem` as plain data. */
export interface FlipSpec {
  /** The transform. */
  kind: 'flip';
  /** Probability of a mirror. */
  p: number;
}

/** An item transform as plain data (what `Resize`, `RandomResizedCrop` and `FlipItem` hold). */
export type ItemTfmSpec = ResizeSpec | RandomResizedCropSpec | FlipSpec;

/** One item's plan: take `rect` of the (viewed) image, resample it to `outW × outH`, maybe flip. */
export interface ItemPlan {
  /** Source rectangle in viewed pixels (after EXIF orientation); may extend outside for padding. */
  rect: { x: number; y: number; w: number; h: number };
  /** Output width. */
  outW: number;
  /** Output height. */
  outH: number;
  /** Mirror the output left-right. */
  flip: boolean;
  /** Fill of output pixels that `rect` places outside the image. */
  padMode: PadMode;
}

/** A small fast generator (mulberry32) for one item's draws, from a 32-bit seed. */
export function itemRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix two 32-bit numbers into a new seed (a murmur3-style finaliser). */
export function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The size transform of a pipeline (the first `resize` or `randomResizedCrop`), if any. */
export function sizeTfm(tfms: readonly ItemTfmSpec[]): ResizeSpec | RandomResizedCropSpec | undefined {
  return tfms.find((t): t is ResizeSpec | RandomResizedCropSpec => t.kind !== 'flip');
}

/** The output `[h, w]` of a pipeline, or undefined when it has no size transform. */
export function outputSize(tfms: readonly ItemTfmSpec[]): [number, number] | undefined {
  const s = sizeTfm(tfms);
  return s ? [s.h, s.w] : undefined;
}

/** fastai's `Resize.encodes`: crop or pad to the target's aspect (at `pcts`), or squish. */
function planResize(t: ResizeSpec, W: number, H: number, train: boolean, rand: () => number): ItemPlan {
  const base = { outW: t.w, outH: t.h, flip: false, padMode: t.padMode };
  if (t.method === 'squish') return { ...base, rect: { x: 0, y: 0, w: W, h: H } };
  const [px, py] = train ? [rand(), rand()] : [0.5, 0.5];
  const rw = W / t.w;
  const rh = H / t.h;
  const m = t.method === 'crop' ? Math.min(rw, rh) : Math.max(rw, rh);
  const cw = Math.max(1, Math.trunc(m * t.w));
  const ch = Math.max(1, Math.trunc(m * t.h));
  return { ...base, rect: { x: Math.trunc(px * (W - cw)), y: Math.trunc(py * (H - ch)), w: cw, h: ch } };
}

/**
 * fastai's `RandomResizedCrop`: in training a crop of random area (`minScale`–`maxScale` of the
 * image) and aspect (log-uniform in `ratio`), 10 tries, else a centre crop clamped to `ratio`; in
 * validation the whole image squished to `size × (1 + valXtra)` (rounded up to a multiple of 8)
 * and centre-cropped to `size`.
 */
function planRandomResizedCrop(t: RandomResizedCropSpec, W: number, H: number, train: boolean, rand: () => number): ItemPlan {
  const base = { outW: t.w, outH: t.h, flip: false, padMode: 'zeros' as PadMode };
  if (!train) {
    const xtra = Math.ceil((Math.max(t.w, t.h) * t.valXtra) / 8) * 8;
    const fw = t.w + xtra;
    const fh = t.h + xtra;
    // the centre `w × h` of the image squished to `fw × fh`, in source pixels
    const w = Math.max(1, Math.round((W * t.w) / fw));
    const h = Math.max(1, Math.round((H * t.h) / fh));
    return { ...base, rect: { x: Math.floor((W - w) / 2), y: Math.floor((H - h) / 2), w, h } };
  }
  const [lr0, lr1] = [Math.log(t.ratio[0]), Math.log(t.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = (t.minScale + rand() * (t.maxScale - t.minScale)) * W * H;
    const ratio = Math.exp(lr0 + rand() * (lr1 - lr0));
    const nw = Math.round(Math.sqrt(area * ratio));
    const nh = Math.round(Math.sqrt(area / ratio));
    if (nw >= 1 && nh >= 1 && nw <= W && nh <= H) {
      return { ...base, rect: { x: Math.floor(rand() * (W - nw + 1)), y: Math.floor(rand() * (H - nh + 1)), w: nw, h: nh } };
    }
  }
  let [cw, ch] = [W, H];
  if (W / H < t.ratio[0]) ch = Math.max(1, Math.trunc(W / t.ratio[0]));
  else if (W / H > t.ratio[1]) cw = Math.max(1, Math.trunc(H * t.ratio[1]));
  return { ...base, rect: { x: Math.floor((W - cw) / 2), y: Math.floor((H - ch) / 2), w: cw, h: ch } };
}

/**
 * Plan one item of a `W × H` (viewed) image: the size transform's rectangle and output size, then
 * the flips. Random choices are made only when `train` (fastai applies random item transforms to
 * the training set; validation gets the deterministic centre version) and come from `rand`.
 * @throws Error when the pipeline has no size transform.
 */
export function planItem(tfms: readonly ItemTfmSpec[], W: number, H: number, train: boolean, rand: () => number): ItemPlan {
  const s = sizeTfm(tfms);
  if (!s) throw new Error('item transforms: the pipeline needs a Resize or RandomResizedCrop to give every item one size');
  const plan = s.kind === 'resize' ? planResize(s, W, H, train, rand) : planRandomResizedCrop(s, W, H, train, rand);
  for (const t of tfms) if (t.kind === 'flip' && train && rand() < t.p) plan.flip = !plan.flip;
  return plan;
}
