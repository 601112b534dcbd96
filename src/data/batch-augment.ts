/**
 * fastai's `aug_transforms` on the device, per batch: flip (or the 8 dihedral turns), rotation,
 * zoom and a perspective warp composed into one projective transform per image and applied with a
 * single bilinear resampling (`tf.image.transform`, reflection padding), then brightness and
 * contrast in logit space. Every random choice is drawn on the host from the seeded generator, one
 * set per image, so a run is reproducible and nothing is read back from the device.
 */
import { tf } from '../backend/tf.js';
import { random } from '../core/rng.js';
import type { ImageTransform, RandomOptions } from './augment.js';

/** A 3×3 matrix, row-major. */
type Mat3 = [number, number, number, number, number, number, number, number, number];

const I3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function mul(a: Mat3, b: Mat3): Mat3 {
  const o = new Array(9).fill(0) as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return o;
}

/** Solve the 8×8 system `A x = b` (Gaussian elimination with partial pivoting). */
function solve8(A: number[][], b: number[]): number[] {
  const n = 8;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || M[c][c] === 0) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** The projective map taking each point of `from` to the matching point of `to` (4 pairs). */
export function homography(from: readonly [number, number][], to: readonly [number, number][]): Mat3 {
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [X, Y] = to[i];
    A.push([x, y, 1, 0, 0, 0, -x * X, -y * X]);
    b.push(X);
    A.push([0, 0, 0, x, y, 1, -x * Y, -y * Y]);
    b.push(Y);
  }
  const h = solve8(A, b);
  return [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1];
}

/** Options of `augTransforms` (fastai's names and defaults). */
export interface AugTransformsOptions extends RandomOptions {
  /** Multiplies `maxRotate`, `maxLighting` and `maxWarp` (default 1). */
  mult?: number;
  /** Mirror left-right with probability 0.5 (default true). */
  doFlip?: boolean;
  /** With `doFlip`: one of the 8 dihedral turns and flips instead (default false: for photos taken upright). */
  flipVert?: boolean;
  /** Largest rotation, degrees either way (default 10). */
  maxRotate?: number;
  /** Smallest zoom (default 1). */
  minZoom?: number;
  /** Largest zoom (default 1.1). */
  maxZoom?: number;
  /** Largest brightness and contrast change (default 0.2). */
  maxLighting?: number;
  /** Largest perspective warp, as a fraction of half the image (default 0.2). */
  maxWarp?: number;
  /** Probability of each of rotation, zoom and warp per image (default 0.75). */
  pAffine?: number;
  /** Probability of each of brightness and contrast per image (default 0.75). */
  pLighting?: number;
  /** What fills pixels taken from outside the image (default `'reflection'`, as fastai). */
  padMode?: 'reflection' | 'zeros' | 'border';
}

function check(who: string, name: string, v: number, lo: number, hi: number): number {
  if (!(v >= lo && v <= hi)) throw new RangeError(`${who}: ${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

/**
 * One image's geometric transform, in normalised coordinates (`[-1, 1]`, corners on pixel centres):
 * the matrix taking an output point to the input point it is read from — flip, rotation and zoom
 * (fastai's order), then the warp.
 */
function drawGeometry(o: Required<Omit<AugTransformsOptions, 'rand' | 'padMode' | 'mult' | 'maxLighting' | 'pLighting'>>, rand: () => number): Mat3 {
  let m = I3;
  if (o.doFlip) {
    if (o.flipVert) {
      const k = rand() < 0.5 ? Math.floor(rand() * 8) : 0;
      const fx = k & 1 ? -1 : 1;
      const fy = k & 2 ? -1 : 1;
      m = k & 4 ? [0, fx, 0, fy, 0, 0, 0, 0, 1] : [fx, 0, 0, 0, fy, 0, 0, 0, 1];
    } else if (rand() < 0.5) m = [-1, 0, 0, 0, 1, 0, 0, 0, 1];
  }
  if (o.maxRotate > 0 && rand() < o.pAffine) {
    const t = ((rand() * 2 - 1) * o.maxRotate * Math.PI) / 180;
    m = mul(m, [Math.cos(t), Math.sin(t), 0, -Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  }
  if ((o.minZoom < 1 || o.maxZoom > 1) && rand() < o.pAffine) {
    const s = 1 / (o.minZoom + rand() * (o.maxZoom - o.minZoom));
    const cx = (1 - s) * (2 * rand() - 1);
    const cy = (1 - s) * (2 * rand() - 1);
    m = mul(m, [s, 0, cx, 0, s, cy, 0, 0, 1]);
  }
  if (o.maxWarp > 0 && rand() < o.pAffine) {
    const xt = (rand() * 2 - 1) * o.maxWarp;
    const yt = (rand() * 2 - 1) * o.maxWarp;
    const corners: [number, number][] = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
    const moved: [number, number][] = [[-1 - yt, -1 - xt], [-1 + yt, 1 + xt], [1 + yt, -1 + xt], [1 - yt, 1 - xt]];
    m = mul(homography(corners, moved), m);
  }
  return m;
}

/** `m` (normalised coordinates) as the 8 numbers of `tf.image.transform` (pixel coordinates). */
function toPixelTransform(m: Mat3, h: number, w: number): number[] {
  const sx = w > 1 ? 2 / (w - 1) : 1;
  const sy = h > 1 ? 2 / (h - 1) : 1;
  const N: Mat3 = [sx, 0, -1, 0, sy, -1, 0, 0, 1];
  const Ninv: Mat3 = [1 / sx, 0, 1 / sx, 0, 1 / sy, 1 / sy, 0, 0, 1];
  const p = mul(Ninv, mul(m, N));
  const k = p[8];
  return [p[0] / k, p[1] / k, p[2] / k, p[3] / k, p[4] / k, p[5] / k, p[6] / k, p[7] / k];
}

/**
 * `augTransforms()`: fastai's `aug_transforms` as batch transforms for the training set — a
 * geometric one (flip, rotate ±10°, zoom 1–1.1, warp 0.2, each of the last three with probability
 * 0.75, in one resampling) and a lighting one (brightness and contrast ±0.2, probability 0.75).
 * Inputs are NHWC images with values in [0, 1] (before normalisation). Each returned transform
 * gives a new tensor.
 * @throws RangeError for an option out of range.
 */
export function augTransforms(opts: AugTransformsOptions = {}): ImageTransform[] {
  const who = 'augTransforms';
  const rand = opts.rand ?? random;
  const mult = check(who, 'mult', opts.mult ?? 1, 0, 10);
  const geo = {
    doFlip: opts.doFlip ?? true,
    flipVert: opts.flipVert ?? false,
    maxRotate: check(who, 'maxRotate', (opts.maxRotate ?? 10) * mult, 0, 180),
    minZoom: check(who, 'minZoom', opts.minZoom ?? 1, 0.01, 100),
    maxZoom: check(who, 'maxZoom', opts.maxZoom ?? 1.1, 0.01, 100),
    maxWarp: check(who, 'maxWarp', (opts.maxWarp ?? 0.2) * mult, 0, 0.9),
    pAffine: check(who, 'pAffine', opts.pAffine ?? 0.75, 0, 1),
  };
  if (geo.minZoom > geo.maxZoom) throw new RangeError(`${who}: minZoom ${geo.minZoom} is larger than maxZoom ${geo.maxZoom}`);
  const maxLighting = check(who, 'maxLighting', (opts.maxLighting ?? 0.2) * mult, 0, 0.99);
  const pLighting = check(who, 'pLighting', opts.pLighting ?? 0.75, 0, 1);
  const padMode = opts.padMode ?? 'reflection';
  const fillMode = ({ reflection: 'reflect', zeros: 'constant', border: 'nearest' } as const)[padMode];
  if (!fillMode) throw new RangeError(`${who}: padMode must be 'reflection', 'zeros' or 'border', got ${JSON.stringify(padMode)}`);

  const out: ImageTransform[] = [];
  if (geo.doFlip || geo.maxRotate > 0 || geo.minZoom < 1 || geo.maxZoom > 1 || geo.maxWarp > 0) {
    out.push((xb) => {
      const x = checkImages(who, xb);
      const [n, h, w] = x.shape;
      const params = new Float32Array(n * 8);
      for (let i = 0; i < n; i++) params.set(toPixelTransform(drawGeometry(geo, rand), h, w), i * 8);
      return tf.tidy(() => tf.image.transform(x, tf.tensor2d(params, [n, 8]), 'bilinear', fillMode, 0));
    });
  }
  if (maxLighting > 0) {
    out.push((xb) => {
      const x = checkImages(who, xb);
      const n = x.shape[0];
      const shift = new Float32Array(n); // logit of the brightness draw (0: unchanged)
      const scale = new Float32Array(n).fill(1); // the contrast draw
      for (let i = 0; i < n; i++) {
        if (rand() < pLighting) {
          const b = 0.5 * (1 - maxLighting) + rand() * maxLighting;
          shift[i] = Math.log(b / (1 - b));
        }
        if (rand() < pLighting) scale[i] = Math.exp(Math.log(1 - maxLighting) * (1 - 2 * rand()));
      }
      return tf.tidy(() => {
        const eps = 1e-6;
        const c = tf.clipByValue(x, eps, 1 - eps);
        const logit = tf.log(tf.div(c, tf.sub(1, c)));
        return tf.sigmoid(tf.mul(tf.add(logit, tf.tensor4d(shift, [n, 1, 1, 1])), tf.tensor4d(scale, [n, 1, 1, 1])));
      });
    });
  }
  return out;
}

function checkImages(who: string, x: tf.Tensor): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`${who}: expected an NHWC batch [N, H, W, C], got [${x.shape.join(', ')}]`);
  return x as tf.Tensor4D;
}
