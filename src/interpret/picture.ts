/** Shared pieces of the interpretation pictures: pixels to display bytes, an image grid, sending a picture where figures go. */
import { encodePng } from '../data/image-decode.js';
import { fmt, svgDocument, svgText } from '../plot/svg.js';
import { textWidth } from '../plot/text-metrics.js';
import { outputFigure } from '../ui/figures.js';
import { pngDataUri } from '../plot/data-uri.js';

/** How inputs are turned back into pixels: `x * std + mean` (scalar or per channel), or `'auto'`: each image stretched from its min to its max. */
export type Denormalize =
  | {
      /** The mean the inputs were normalised with (one, or one per channel). */
      mean: number | readonly number[];
      /** The std the inputs were normalised with (one, or one per channel). */
      std: number | readonly number[];
    }
  | 'auto';

/** One NHWC image's values (`h × w × c`, c = 1 or 3) as RGB bytes, de-normalised and clipped to [0, 1]. */
export function toRgb(values: ArrayLike<number>, h: number, w: number, c: number, denorm: Denormalize = 'auto'): Uint8Array {
  const per = (v: number | readonly number[], i: number): number => (typeof v === 'number' ? v : (v[i] ?? v[0]));
  let lo = 0, hi = 1;
  if (denorm === 'auto') {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < h * w * c; i++) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
    if (!(hi > lo)) hi = lo + 1;
  }
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let j = 0; j < 3; j++) {
      const ci = c === 1 ? 0 : j;
      const x = values[p * c + ci];
      const v = denorm === 'auto' ? (x - lo) / (hi - lo) : x * per(denorm.std, ci) + per(denorm.mean, ci);
      out[p * 3 + j] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return out;
}

/** Nearest-neighbour upscaling of RGB bytes by an integer factor (crisp pixels in the picture). */
function upscale(rgb: Uint8Array, h: number, w: number, s: number): Uint8Array {
  if (s === 1) return rgb;
  const out = new Uint8Array(h * s * w * s * 3);
  for (let r = 0; r < h * s; r++) {
    for (let q = 0; q < w * s; q++) {
      const src = (Math.floor(r / s) * w + Math.floor(q / s)) * 3;
      out.set(rgb.subarray(src, src + 3), (r * w * s + q) * 3);
    }
  }
  return out;
}

/** A tile of an image grid: the image's RGB bytes and caption lines (each with an optional colour). */
export type Tile = { rgb: Uint8Array; h: number; w: number; lines: { text: string; color?: string }[] };

/** Options of `imageGrid`. */
export type ImageGridOptions = { title: string; ncols?: number; size?: number };

/**
 * An SVG grid of images (embedded PNGs, upscaled to about `size` pixels, default 112) with their
 * captions under them, in `ncols` columns (default `ceil(sqrt(n))`), titled.
 */
export function imageGrid(tiles: Tile[], opts: ImageGridOptions): string {
  const n = tiles.length;
  const ncols = Math.max(1, Math.min(n, opts.ncols ?? Math.ceil(Math.sqrt(n))));
  const nrows = Math.ceil(n / ncols);
  const h0 = tiles[0]?.h ?? 1, w0 = tiles[0]?.w ?? 1;
  const s = Math.max(1, Math.round((opts.size ?? 112) / Math.max(h0, w0)));
  const lineH = 14;
  const nLines = Math.max(0, ...tiles.map((t) => t.lines.length));
  const cellW = Math.max(w0 * s, 120), cellH = h0 * s + nLines * lineH + 8;
  const gap = 10, top = 36;
  // at least as wide as the title, with the grid centred under it
  const gridW = gap + ncols * (cellW + gap);
  const W = Math.max(gridW, Math.ceil(textWidth(opts.title, 16, true)) + 2 * gap);
  const left = (W - gridW) / 2;
  const H = top + nrows * (cellH + gap);
  const body: string[] = [svgText(W / 2, 22, opts.title, { size: 16, anchor: 'middle', bold: true })];
  tiles.forEach((t, k) => {
    const x0 = left + gap + (k % ncols) * (cellW + gap), y0 = top + Math.floor(k / ncols) * (cellH + gap);
    const png = encodePng(upscale(t.rgb, t.h, t.w, s), t.w * s, t.h * s);
    const ix = x0 + (cellW - t.w * s) / 2;
    body.push(`<image x="${fmt(ix)}" y="${fmt(y0)}" width="${t.w * s}" height="${t.h * s}" href="${pngDataUri(png)}"/>`);
    t.lines.forEach((l, i) => body.push(svgText(x0 + cellW / 2, y0 + t.h * s + 4 + (i + 1) * lineH - 3, l.text, { size: 11.5, anchor: 'middle', fill: l.color, bold: l.color !== undefined })));
  });
  return svgDocument(W, H, opts.title, body.join('\n'));
}

/**
 * Send a picture where figures go: shown in a notebook; written to `file` when given (SVG for a
 * `.svg` name, else PNG), in a script without `file` to `out/figures/<name>.png`. Returns the file
 * written (`file` itself when given), or undefined when the picture was only shown.
 */
export async function outputPicture(svg: string, name: string, file: string | undefined): Promise<string | undefined> {
  const files = await outputFigure({ svg, name }, { target: file === undefined ? undefined : { file } });
  return file ?? files.png;
}
