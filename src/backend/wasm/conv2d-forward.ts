/**
 * Conv2D (forward) for the wasm backend on the larger convolutions of a ResNet: tfai's direct
 * convolution kernel (`conv_fw_r*`, tiles of 4 output pixels × 8 channels) on the zero-padded
 * input, split over output rows across tfai's kernel pool. On these it beats XNNPACK (one thread,
 * padding and packing included: 45 against 36 GFLOP/s on 32×32×64 → 64); XNNPACK stays ahead on
 * small inputs and few channels, so anything else goes to tfjs-backend-wasm's own (XNNPACK) kernel.
 */
import { tf } from '../tf.js';
import { asTensor, convGeometry, padOrCrop4D, type ConvGradAttrs } from './conv-geometry.js';
import { heapOffset, simdFor, type WasmBackendInternals } from './internals.js';
import { runUnits } from './pool.js';
import type { KernelArgs } from './fast-path.js';

/** When the direct kernel is used: least input channels, output width and multiply-adds. */
export interface DirectConvLimits {
  minChannels: number;
  minOutWidth: number;
  minWork: number;
}
/**
 * On one thread, XNNPACK keeps the small and few-channel convolutions; on several, every
 * convolution big enough to split goes to the direct kernel (XNNPACK's pool then has one thread,
 * see `xnnpackThreads`), smaller ones stay on XNNPACK. The RGB stem (3 channels) goes to the
 * direct kernel too: on two threads it is 1.5–1.8× faster than XNNPACK's, with the same values.
 */
const DEFAULT_LIMITS: Record<'single' | 'pool', DirectConvLimits> = {
  single: { minChannels: 16, minOutWidth: 4, minWork: 5e5 },
  pool: { minChannels: 3, minOutWidth: 4, minWork: 1e6 },
};
let defaults = DEFAULT_LIMITS.single;
const limits: DirectConvLimits = { ...defaults };

/** Changes when the direct forward kernel is used (for tests and benchmarks); no argument resets. */
export function setDirectConvLimits(l: Partial<DirectConvLimits> = defaults): void {
  Object.assign(limits, l);
}

/** Sets the default limits for tfai's kernel thread count (called with `setKernelThreads`). */
export function useDirectConvDefaults(threads: number): void {
  defaults = threads > 1 ? DEFAULT_LIMITS.pool : DEFAULT_LIMITS.single;
  Object.assign(limits, defaults);
}

/**
 * The direct-kernel forward convolution, or undefined when the case is not one it handles better
 * than XNNPACK (dtype, layout, dilation, channel counts, small work).
 */
export function conv2dDirect(args: KernelArgs, be: WasmBackendInternals): tf.TensorInfo | undefined {
  const { x, filter } = args.inputs;
  const attrs = args.attrs as unknown as ConvGradAttrs | undefined;
  if (!x || !filter || !attrs || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return undefined;
  const dil = attrs.dilations ?? 1;
  if (!(dil === 1 || (Array.isArray(dil) && dil[0] === 1 && dil[1] === 1))) return undefined;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const k = simdFor(be);
  if (!k) return undefined;
  const g = convGeometry('Conv2D', x.shape, filter.shape, attrs);
  if (g.outC % 4 !== 0 || g.inC < limits.minChannels || g.outW < limits.minOutWidth) return undefined;
  const work = g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  if (work < limits.minWork) return undefined;
  const R = g.outC % 8 === 0 ? 2 : 1;
  const B = 4 * R;
  const out = be.makeOutput([g.batch, g.outH, g.outW, g.outC], 'float32');
  tf.tidy(() => {
    const xt = asTensor(x) as tf.Tensor4D;
    const ft = asTensor(filter) as tf.Tensor4D;
    const xp = padOrCrop4D(xt, g.padTop, Math.max(0, g.padBottom), g.padLeft, Math.max(0, g.padRight));
    // packed[cob][kh][kw][ci][l] = filter[kh][kw][ci][cob*B + l]
    const rows = g.kH * g.kW * g.inC;
    const packed = tf.transpose(tf.reshape(ft, [rows, g.outC / B, B]), [1, 0, 2]);
    const [, hp, wp] = xp.shape;
    runUnits(k, R === 2 ? 'conv_fw_r2' : 'conv_fw_r1', [
      heapOffset(be, xp), heapOffset(be, packed), heapOffset(be, out), g.inC, g.outC, g.kH, g.kW,
      g.sW * g.inC, g.sH * wp * g.inC, hp * wp * g.inC, wp * g.inC, g.inC,
      g.outC, g.outW * g.outC, g.outH * g.outW * g.outC, g.outH, g.outW,
    ], g.batch * g.outH, work);
  });
  return out;
}
