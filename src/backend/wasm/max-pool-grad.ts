/**
 * `MaxPoolGrad` for the wasm backend, computed in place in the wasm heap. tfjs-backend-wasm 4.22's
 * own kernel takes ≈ 20 ns per input element (a third of a training step of the CIFAR lab's CNN,
 * for one 2×2 pool); this one visits each pooling window once, finds the first
 * maximum in row-major window order (strictly greater, as TF.js's cpu kernel and PyTorch pick it)
 * for all channels at once, and adds `dy` there.
 */
import { tf } from '../tf.js';
import { heapOffset, sizeOf, type WasmBackendInternals } from './internals.js';
import type { FastPath } from './fast-path.js';

/** Attributes of TF.js's `MaxPoolGrad`. */
type MaxPoolGradAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The gradient of a 2D max pool with respect to its NHWC float32 input (undefined otherwise: the stock kernel runs). */
export const maxPoolGradFast: FastPath = (args, be: WasmBackendInternals) => {
  const { dy, input } = args.inputs as { dy?: tf.TensorInfo; input?: tf.TensorInfo };
  const attrs = args.attrs as unknown as MaxPoolGradAttrs | undefined;
  if (!dy || !input || !attrs || dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  if (dy.shape.join() !== [N, OH, OW, C].join()) return undefined;
  const dx = be.makeOutput(input.shape, 'float32');
  const heap = be.wasm.HEAPF32; // after makeOutput: the heap may have grown
  const xo = heapOffset(be, input) >> 2;
  const dyo = heapOffset(be, dy) >> 2;
  const dxo = heapOffset(be, dx) >> 2;
  heap.fill(0, dxo, dxo + sizeOf(input.shape));
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * info.strideHeight - info.padInfo.top;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * info.strideWidth - info.padInfo.left;
        best.fill(-Infinity);
        at.fill(-1);
        for (let fh = 0; fh < info.effectiveFilterHeight; fh++) {
          const h = h0 + fh;
          if (h < 0 || h >= H) continue;
          for (let fw = 0; fw < info.effectiveFilterWidth; fw++) {
            const w = w0 + fw;
            if (w < 0 || w >= W) continue;
            const base = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = heap[xo + base + c];
              if (v > best[c]) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        const g = dyo + ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (at[c] >= 0) heap[dxo + at[c]] += heap[g + c];
      }
    }
  }
  return dx;
};
