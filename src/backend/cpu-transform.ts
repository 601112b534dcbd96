/**
 * A working `Transform` kernel (`tf.image.transform`) for the cpu backend. tfjs-backend-cpu 4.22's
 * returns from inside its loop over the batch, so every image after the first comes back as the
 * fill value; this one transforms every image, with TensorFlow's semantics (ImageProjectiveTransformV3:
 * output pixel `(x, y)` reads input `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
 * `k = c0 x + c1 y + 1`; fill modes constant, reflect, wrap, nearest; nearest or bilinear).
 */
import * as tf from '@tensorflow/tfjs-core';

type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Map a coordinate outside `[0, len)` back inside, as TensorFlow's fill modes do. */
function mapCoord(c: number, len: number, mode: FillMode): number {
  if (mode === 'nearest') return clamp(c, 0, len - 1);
  if (mode === 'constant' || (c >= 0 && c <= len - 1)) return c;
  if (len <= 1) return 0;
  if (mode === 'reflect') {
    // [abcd] → [dcba|abcd|dcba]
    const sz2 = 2 * len;
    let v = c;
    if (v < 0) {
      if (v < sz2) v = sz2 * Math.trunc(-v / sz2) + v;
      v = v < -len ? v + sz2 : -v - 1;
    } else {
      v -= sz2 * Math.trunc(v / sz2);
      if (v >= len) v = sz2 - v - 1;
    }
    return clamp(v, 0, len - 1);
  }
  // wrap: [abcd] → [abcd|abcd|abcd]
  const sz = len - 1;
  const v = c < 0 ? c + len * (Math.trunc(-c / sz) + 1) : c - len * Math.trunc(c / sz);
  return clamp(v, 0, len - 1);
}

const transformKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { image, transforms } = inputs as { image: tf.TensorInfo; transforms: tf.TensorInfo };
  const { interpolation, fillMode, fillValue, outputShape } = attrs as unknown as { interpolation: 'nearest' | 'bilinear'; fillMode: FillMode; fillValue: number; outputShape?: [number, number] };
  const cpu = backend as unknown as { data: { get(id: object): { values: tf.TypedArray } }; makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo };
  const [batch, H, W, C] = image.shape;
  const [oh, ow] = outputShape ?? [H, W];
  const img = cpu.data.get(image.dataId).values;
  const tv = cpu.data.get(transforms.dataId).values;
  const out = new Float32Array(batch * oh * ow * C).fill(fillValue);
  const read = (b: number, y: number, x: number, c: number): number => (y >= 0 && y < H && x >= 0 && x < W ? img[((b * H + y) * W + x) * C + c] : fillValue);
  for (let b = 0; b < batch; b++) {
    const t = transforms.shape[0] === 1 ? 0 : b * 8;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const k = tv[t + 6] * ox + tv[t + 7] * oy + 1;
        if (k === 0) continue;
        const x = mapCoord((tv[t] * ox + tv[t + 1] * oy + tv[t + 2]) / k, W, fillMode);
        const y = mapCoord((tv[t + 3] * ox + tv[t + 4] * oy + tv[t + 5]) / k, H, fillMode);
        const at = ((b * oh + oy) * ow + ox) * C;
        if (interpolation === 'nearest') {
          const [ry, rx] = [Math.round(y), Math.round(x)];
          for (let c = 0; c < C; c++) out[at + c] = read(b, ry, rx, c);
          continue;
        }
        const [y0, x0] = [Math.floor(y), Math.floor(x)];
        const [fy, fx] = [y - y0, x - x0];
        for (let c = 0; c < C; c++) {
          const top = (1 - fx) * read(b, y0, x0, c) + fx * read(b, y0, x0 + 1, c);
          const bottom = (1 - fx) * read(b, y0 + 1, x0, c) + fx * read(b, y0 + 1, x0 + 1, c);
          out[at + c] = (1 - fy) * top + fy * bottom;
        }
      }
    }
  }
  return cpu.makeTensorInfo([batch, oh, ow, C], image.dtype, out);
};

/** Replace the cpu backend's `Transform` kernel by one that transforms every image of the batch. */
export function registerCpuTransform(): void {
  if (tf.getKernel(tf.Transform, 'cpu') !== undefined) tf.unregisterKernel(tf.Transform, 'cpu');
  tf.registerKernel({ kernelName: tf.Transform, backendName: 'cpu', kernelFunc: transformKernel });
}
