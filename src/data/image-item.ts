/**
 * One image file to one batch slot: read its header (refusing decompression bombs before any
 * decoding), plan the item transforms on its viewed size (after EXIF orientation), decode and
 * resample just the rectangle needed, then write it into the float batch — turned to the viewed
 * orientation, mirrored when flipped, padded where the rectangle leaves the image, as RGB or grey
 * values in [0, 1]. Platform-neutral: the bytes and the decoder are given.
 */
import type { ImageDecoder, PixelRect } from './image-decoder.js';
import { checkImagePixels, readImageHeader, swapsAxes } from './image-header.js';
import { itemRng, planItem, type ItemTfmSpec, type PadMode } from './item-plan.js';

/** How every item of a dataset is made (plain data: it crosses to decoding workers). */
export interface ItemPipeline {
  /** Item transforms, applied in order; one must set the size. */
  tfms: ItemTfmSpec[];
  /** Training set (random transforms on) or validation (their deterministic centre versions). */
  train: boolean;
  /** 3: RGB (grey images repeated); 1: grey (ITU-R 601 luma of RGB, as Pillow's `convert('L')`). */
  channels: 1 | 3;
  /** Refuse images declaring more pixels than this (see `DEFAULT_MAX_IMAGE_PIXELS`). */
  maxPixels: number;
}

/**
 * Map a rectangle of the viewed image (after `orientation`) to the stored image of `sw × sh`.
 * Orientation 6 (turn 90° clockwise to view) maps viewed `x` to stored `y` counted from the bottom.
 */
export function toStoredRect(r: PixelRect, orientation: number, sw: number, sh: number): PixelRect {
  const { x, y, w, h } = r;
  switch (orientation) {
    case 2: return { x: sw - x - w, y, w, h };
    case 3: return { x: sw - x - w, y: sh - y - h, w, h };
    case 4: return { x, y: sh - y - h, w, h };
    case 5: return { x: y, y: x, w: h, h: w };
    case 6: return { x: y, y: sh - x - w, w: h, h: w };
    case 7: return { x: sw - y - h, y: sh - x - w, w: h, h: w };
    case 8: return { x: sw - y - h, y: x, w: h, h: w };
    default: return { ...r };
  }
}

/**
 * Where viewed pixel (0, 0) and one step right / down land in a stored `sw × sh` RGBA buffer
 * (element offsets), so that the viewed image is read by stepping through the stored one.
 */
function viewSteps(orientation: number, sw: number, sh: number): { at: number; dx: number; dy: number } {
  const px = (x: number, y: number): number => (y * sw + x) * 4;
  switch (orientation) {
    case 2: return { at: px(sw - 1, 0), dx: -4, dy: sw * 4 };
    case 3: return { at: px(sw - 1, sh - 1), dx: -4, dy: -sw * 4 };
    case 4: return { at: px(0, sh - 1), dx: 4, dy: -sw * 4 };
    case 5: return { at: px(0, 0), dx: sw * 4, dy: 4 };
    case 6: return { at: px(0, sh - 1), dx: -sw * 4, dy: 4 };
    case 7: return { at: px(sw - 1, sh - 1), dx: -sw * 4, dy: -4 };
    case 8: return { at: px(sw - 1, 0), dx: sw * 4, dy: -4 };
    default: return { at: 0, dx: 4, dy: sw * 4 };
  }
}

/** The index `i` reflected into `[lo, hi)` (mirror without repeating the edge, as `reflect` padding). */
function reflect(i: number, lo: number, hi: number): number {
  const n = hi - lo;
  if (n === 1) return lo;
  const period = 2 * (n - 1);
  let k = (i - lo) % period;
  if (k < 0) k += period;
  return lo + (k < n ? k : period - k);
}

/** Fill the output pixels outside `[x0, x1) × [y0, y1)` (the part taken from the image). */
function pad(out: Float32Array, at: number, W: number, H: number, c: number, x0: number, x1: number, y0: number, y1: number, mode: PadMode): void {
  if (x0 === 0 && y0 === 0 && x1 === W && y1 === H) return;
  for (let y = 0; y < H; y++) {
    const inside = y >= y0 && y < y1;
    for (let x = 0; x < W; x++) {
      if (inside && x >= x0 && x < x1) continue;
      const d = at + (y * W + x) * c;
      if (mode === 'zeros') {
        for (let k = 0; k < c; k++) out[d + k] = 0;
        continue;
      }
      const sx = mode === 'border' ? Math.min(x1 - 1, Math.max(x0, x)) : reflect(x, x0, x1);
      const sy = mode === 'border' ? Math.min(y1 - 1, Math.max(y0, y)) : reflect(y, y0, y1);
      const s = at + (sy * W + sx) * c;
      for (let k = 0; k < c; k++) out[d + k] = out[s + k];
    }
  }
}

/**
 * Decode `bytes` (the file `name`) through `pipeline` into `out` at element offset `at`
 * (`h × w × channels` floats in [0, 1], HWC). `seed` drives the item's random choices.
 * @throws Error naming the file: not an image, corrupt, or larger than `maxPixels`.
 */
export async function loadItemInto(bytes: Uint8Array, name: string, pipeline: ItemPipeline, seed: number, decoder: ImageDecoder, out: Float32Array, at: number): Promise<void> {
  const job = startItem(bytes, name, pipeline, seed);
  let rgba: Uint8Array;
  try {
    rgba = await decoder.decodeRegion(bytes, job.header, job.stored, job.sw, job.sh);
  } catch (e) {
    throw new Error(`${name}: cannot decode the ${job.header.format.toUpperCase()} image: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  finishItem(job, rgba, name, out, at);
}

/** The same as `loadItemInto` with a decoder that answers synchronously. */
export function loadItemIntoSync(bytes: Uint8Array, name: string, pipeline: ItemPipeline, seed: number, decoder: ImageDecoder, out: Float32Array, at: number): void {
  const job = startItem(bytes, name, pipeline, seed);
  let rgba: Uint8Array | Promise<Uint8Array>;
  try {
    rgba = decoder.decodeRegionSync ? decoder.decodeRegionSync(bytes, job.header, job.stored, job.sw, job.sh) : decoder.decodeRegion(bytes, job.header, job.stored, job.sw, job.sh);
  } catch (e) {
    throw new Error(`${name}: cannot decode the ${job.header.format.toUpperCase()} image: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!(rgba instanceof Uint8Array)) throw new Error(`${name}: the decoder ${decoder.name} only decodes asynchronously: read this dataset through its loader (for await)`);
  finishItem(job, rgba, name, out, at);
}

type ItemJob = ReturnType<typeof startItem>;

function startItem(bytes: Uint8Array, name: string, pipeline: ItemPipeline, seed: number) {
  const header = readImageHeader(bytes, name);
  checkImagePixels(header, name, pipeline.maxPixels);
  const o = header.orientation;
  const [vw, vh] = swapsAxes(o) ? [header.height, header.width] : [header.width, header.height];
  const plan = planItem(pipeline.tfms, vw, vh, pipeline.train, itemRng(seed));
  const { rect, outW, outH } = plan;
  // the part of the rectangle inside the image, and the output pixels it covers
  const cx0 = Math.max(0, rect.x), cy0 = Math.max(0, rect.y);
  const cx1 = Math.min(vw, rect.x + rect.w), cy1 = Math.min(vh, rect.y + rect.h);
  const ox0 = Math.min(outW - 1, Math.round(((cx0 - rect.x) * outW) / rect.w));
  const oy0 = Math.min(outH - 1, Math.round(((cy0 - rect.y) * outH) / rect.h));
  const ox1 = Math.max(ox0 + 1, Math.round(((cx1 - rect.x) * outW) / rect.w));
  const oy1 = Math.max(oy0 + 1, Math.round(((cy1 - rect.y) * outH) / rect.h));
  const stored = toStoredRect({ x: cx0, y: cy0, w: cx1 - cx0, h: cy1 - cy0 }, o, header.width, header.height);
  const [sw, sh] = swapsAxes(o) ? [oy1 - oy0, ox1 - ox0] : [ox1 - ox0, oy1 - oy0];
  return { header, plan, stored, sw, sh, ox0, oy0, ox1, oy1, channels: pipeline.channels };
}

function finishItem(job: ItemJob, rgba: Uint8Array, name: string, out: Float32Array, at: number): void {
  const { header, plan, sw, sh, ox0, oy0, ox1, oy1, channels: c } = job;
  if (rgba.length !== sw * sh * 4) throw new Error(`${name}: the decoder returned ${rgba.length} bytes for ${sw}×${sh} RGBA pixels`);
  const { outW, outH, flip } = plan;
  const steps = viewSteps(header.orientation, sw, sh);
  for (let y = oy0; y < oy1; y++) {
    let s = steps.at + (y - oy0) * steps.dy;
    const row = at + y * outW * c;
    for (let x = ox0; x < ox1; x++, s += steps.dx) {
      const d = row + (flip ? outW - 1 - x : x) * c;
      if (c === 3) {
        out[d] = rgba[s] / 255;
        out[d + 1] = rgba[s + 1] / 255;
        out[d + 2] = rgba[s + 2] / 255;
      } else {
        out[d] = (rgba[s] * 299 + rgba[s + 1] * 587 + rgba[s + 2] * 114) / 255000;
      }
    }
  }
  const [px0, px1] = flip ? [outW - ox1, outW - ox0] : [ox0, ox1];
  pad(out, at, outW, outH, c, px0, px1, oy0, oy1, plan.padMode);
}
