/**
 * `showBatch`: write the first images of a loader's batch as a labelled PNG grid (pngjs), labels
 * drawn with a tiny built-in 5×7 bitmap font so no font files or canvas are needed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { tf } from '../backend/tf.js';
import { encodePng } from './image-decode.js';

/**
 * 5×7 glyphs (capital-letter shapes; lower case maps to them): 7 rows, each a base-32 digit whose
 * 5 bits are the pixels left to right.
 */
const GLYPHS: Record<string, string> = {
  a: 'ehhvhhh', b: 'uhhuhhu', c: 'ehggghe', d: 'sihhhis', e: 'vgguggv', f: 'vgguggg', g: 'ehgnhhf',
  h: 'hhhvhhh', i: 'e44444e', j: '72222ic', k: 'hikokih', l: 'ggggggv', m: 'hrllhhh', n: 'hhpljhh',
  o: 'ehhhhhe', p: 'uhhuggg', q: 'ehhhlid', r: 'uhhukih', s: 'fgge11u', t: 'v444444',
  u: 'hhhhhhe', v: 'hhhhha4', w: 'hhhllla', x: 'hha4ahh', y: 'hha4444', z: 'v1248gv',
  '0': 'ehjlphe', '1': '4c4444e', '2': 'eh1248v', '3': 'v2421he', '4': '26aiv22', '5': 'vgu11he',
  '6': '68guhhe', '7': 'v124888', '8': 'ehhehhe', '9': 'ehhf12c', '-': '000v000', _: '000000v',
  '?': 'eh12404', ':': '0cc0cc0', '.': '00000cc', '/': '01248g0', ' ': '0000000',
};

/** Draw `text` in black at (x, y) into RGB `img` of width `W`, at most `maxW` pixels wide. */
function drawText(img: Uint8Array, W: number, text: string, x: number, y: number, maxW: number): void {
  const chars = [...text.toLowerCase()].slice(0, Math.max(0, Math.floor((maxW + 1) / 6)));
  chars.forEach((ch, k) => {
    const g = GLYPHS[ch] ?? GLYPHS['?'];
    for (let r = 0; r < 7; r++) {
      const bits = parseInt(g[r], 32);
      for (let c = 0; c < 5; c++) {
        if (bits & (16 >> c)) img.fill(0, ((y + r) * W + x + k * 6 + c) * 3, ((y + r) * W + x + k * 6 + c) * 3 + 3);
      }
    }
  });
}

/** Options of `showBatch`. */
export interface ShowBatchOptions {
  /** Class names: label `k` is shown as `classes[k]` (default: the number). */
  classes?: readonly string[];
  /** How many images (default 16; fewer if the batch is smaller). */
  n?: number;
  /** Mean used to normalise the inputs (scalar or per channel; default 0). */
  mean?: number | readonly number[];
  /** Std used to normalise the inputs (scalar or per channel; default 1). */
  std?: number | readonly number[];
  /** Columns of the grid (default `ceil(sqrt(n))`). */
  ncols?: number;
  /** Integer zoom of each image (default: enough to make it about 96 pixels wide). */
  scale?: number;
}

const GAP = 4;
const LABEL_H = 11;

/**
 * Take the first batch of `dl`, de-normalise its first `n` images (`x * std + mean`, clipped to
 * [0, 1]) and write them to `path` as a PNG grid with each label under its image. The batch's
 * tensors are disposed. Returns the PNG's size and the number of images drawn.
 * @throws Error if the loader is empty or its inputs are not NHWC images with 1 or 3 channels.
 */
export async function showBatch(dl: Iterable<[tf.Tensor, tf.Tensor]>, path: string, opts: ShowBatchOptions = {}): Promise<{ width: number; height: number; n: number }> {
  const it = dl[Symbol.iterator]();
  const first = it.next();
  it.return?.();
  if (first.done) throw new Error('showBatch: the loader produced no batch');
  const [xb, yb] = first.value;
  let xs: Float32Array | Int32Array | Uint8Array;
  let ys: Float32Array | Int32Array | Uint8Array;
  try {
    if (xb.rank !== 4 || (xb.shape[3] !== 1 && xb.shape[3] !== 3)) throw new Error(`showBatch: expected NHWC images with 1 or 3 channels, got a batch of shape [${xb.shape.join(', ')}]`);
    [xs, ys] = [(await xb.data()) as Float32Array, (await yb.data()) as Int32Array];
  } finally {
    xb.dispose();
    yb.dispose();
  }
  const [b, h, w, c] = xb.shape as [number, number, number, number];
  const n = Math.min(opts.n ?? 16, b);
  const ncols = opts.ncols ?? Math.ceil(Math.sqrt(n));
  const nrows = Math.ceil(n / ncols);
  const s = opts.scale ?? Math.max(1, Math.round(96 / w));
  const per = (v: number | readonly number[] | undefined, d: number): number[] =>
    Array.from({ length: c }, (_, i) => (v === undefined ? d : typeof v === 'number' ? v : v[i] ?? v[0]));
  const mean = per(opts.mean, 0);
  const std = per(opts.std, 1);
  const cw = w * s, ch = h * s + LABEL_H;
  const W = GAP + ncols * (cw + GAP), H = GAP + nrows * (ch + GAP);
  const img = new Uint8Array(W * H * 3).fill(255);
  for (let k = 0; k < n; k++) {
    const x0 = GAP + (k % ncols) * (cw + GAP), y0 = GAP + Math.floor(k / ncols) * (ch + GAP);
    for (let r = 0; r < h * s; r++) {
      for (let q = 0; q < w * s; q++) {
        const src = ((k * h + Math.floor(r / s)) * w + Math.floor(q / s)) * c;
        const dst = ((y0 + r) * W + x0 + q) * 3;
        for (let j = 0; j < 3; j++) {
          const ci = c === 1 ? 0 : j;
          const v = xs[src + ci] * std[ci] + mean[ci];
          img[dst + j] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
    const y = ys[k];
    drawText(img, W, opts.classes?.[y] ?? String(y), x0, y0 + h * s + 2, cw);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodePng(img, W, H));
  return { width: W, height: H, n };
}
