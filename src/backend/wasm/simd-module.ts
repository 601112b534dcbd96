/**
 * tfai's WebAssembly SIMD module, assembled at run time from the kernels written in named
 * instructions (`*-fn.ts`, see `wasm-emitter.ts`), sharing the tfjs wasm backend's linear memory.
 * It implements the memory-bound element-wise and reduction loops that tfjs-backend-wasm 4.22 runs
 * slowly (broadcasting binary ops, comparisons, select, leaky relu, axis reductions: plain scalar
 * C++ there, 5-20x slower than the 128-bit SIMD loops here), the convolution loops of tfai's
 * training kernels and the loops of its fused kernels.
 *
 * All pointers are byte offsets into the shared memory; all element counts are float32 counts.
 * test/backend/simd-module-bytes.test.ts pins the module's bytes.
 */

import { assemble, type Fn } from './wasm-emitter.js';
import { BIN_OPS, binaryFn } from './binary-fn.js';
import { selectFn } from './select-fn.js';
import { leakyReluFn } from './leaky-relu-fn.js';
import { reduceSumFn } from './reduce-sum-fn.js';
import { col2imFn } from './col2im-fn.js';
import { convDwFn, convFwFn, packTapsFn } from './conv-fn.js';
import { sgdStepFn } from './sgd-step-fn.js';
import { generalReluFn, generalReluGradFn } from './general-relu-fn.js';
import { padNhwcFn } from './pad-fn.js';
import { reluGradFn } from './relu-grad-fn.js';
import { reluFn } from './relu-fn.js';
import { JS_UNITS, jsUnits } from './js-units.js';
import type { UnitKernel } from './unit-kernel.js';

/** Signature of the generated binary kernels: (a, b, out, rows, c) byte pointers / counts. */
export type BinaryFn = (a: number, b: number, out: number, rows: number, c: number) => void;

/** The exported functions of the SIMD module. */
export interface SimdKernels {
  /** `binary[`${op}_vt`]`: full operand first; `binary[`${op}_tv`]`: broadcast operand first. */
  binary: Record<string, BinaryFn>;
  /** out = cond ? a : b (cond is one byte per element). */
  select: (cond: number, a: number, b: number, out: number, n: number) => void;
  /** out = x > 0 ? x : alpha * x. */
  leakyRelu: (x: number, out: number, n: number, alpha: number) => void;
  /** Reduction over the middle axis of [outer, mid, inner], float64 accumulation, times `scale`. */
  reduceSum: (x: number, out: number, outer: number, mid: number, inner: number, scratch: number, scale: number) => void;
  /** The unit-range kernels (`UNIT_KERNELS`: conv-fn.ts's forward, `pad_nhwc`, `relu`, `relu_grad`, the JavaScript row-block units of js-units.ts), by name. */
  units: Record<string, UnitKernel>;
  /** Copies a filter tap into channel blocks for the input-gradient kernel (see conv-fn.ts). */
  packTaps: (src: number, dst: number, c: number, co: number, block: number, dstStride: number) => void;
  /** The fused SGD step over one parameter (see sgd-step-fn.ts). */
  sgdStep: (p: number, g: number, buf: number, outP: number, outBuf: number, n: number, lr: number, mom: number, wd: number, hasMom: number) => void;
  /** out = min(leaky(x, alpha) − sub, maxv) (see general-relu-fn.ts). */
  generalRelu: (x: number, out: number, n: number, alpha: number, sub: number, maxv: number) => void;
  /** Its gradient from x and dy. */
  generalReluGrad: (x: number, dy: number, dx: number, n: number, alpha: number, sub: number, maxv: number) => void;
  /** The compiled module (what pool workers instantiate over the same memory). */
  module: WebAssembly.Module;
  /** The memory the kernels run on. */
  memory: WebAssembly.Memory;
  /** Scatter-add of per-tap input gradients into a zeroed NHWC input gradient (see col2im-fn.ts). */
  col2im: (
    cols: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ) => void;
}

/** Names of the unit-range kernels: the module's own, then the JavaScript row-block ones (js-units.ts). */
export const UNIT_KERNELS = ['conv_fw_r1', 'conv_fw_r2', 'pad_nhwc', 'relu', 'relu_grad', ...JS_UNITS] as const;

const cachedBytes = new Map<boolean, Uint8Array<ArrayBuffer>>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** The module's bytes (assembled once per memory kind): plain, or importing a shared memory. */
export function simdModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  let bytes = cachedBytes.get(shared);
  if (!bytes) {
    const fns: Fn[] = [];
    for (const op of BIN_OPS) fns.push(binaryFn(op, true), binaryFn(op, false));
    fns.push(selectFn(), leakyReluFn(), reduceSumFn(), col2imFn());
    fns.push(convDwFn(1), convDwFn(2), convFwFn(1), convFwFn(2), packTapsFn());
    fns.push(sgdStepFn(), generalReluFn(), generalReluGradFn(), padNhwcFn(), reluFn(), reluGradFn());
    bytes = assemble(fns, shared);
    cachedBytes.set(shared, bytes);
  }
  return bytes;
}

/**
 * Instantiates (once per memory) the SIMD kernels over the given wasm memory, or returns
 * undefined when this runtime cannot validate the module (no wasm SIMD).
 */
export function simdKernelsFor(memory: WebAssembly.Memory): SimdKernels | undefined {
  const hit = instances.get(memory);
  if (hit) return hit;
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = simdModuleBytes(shared);
  let module: WebAssembly.Module;
  let instance: WebAssembly.Instance;
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    module = new WebAssembly.Module(bytes);
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch {
    return undefined; // no wasm SIMD, or a memory this module cannot import
  }
  const ex = instance.exports as Record<string, unknown>;
  const binary: Record<string, BinaryFn> = {};
  for (const op of BIN_OPS) {
    binary[`${op.name}_vt`] = ex[`${op.name}_vt`] as BinaryFn;
    binary[`${op.name}_tv`] = ex[`${op.name}_tv`] as BinaryFn;
  }
  const kernels: SimdKernels = {
    binary,
    select: ex.select as SimdKernels['select'],
    leakyRelu: ex.leaky_relu as SimdKernels['leakyRelu'],
    reduceSum: ex.reduce_sum as SimdKernels['reduceSum'],
    col2im: ex.col2im as SimdKernels['col2im'],
    units: { ...jsUnits(instance.exports), ...Object.fromEntries(UNIT_KERNELS.filter((n) => ex[n]).map((n) => [n, ex[n] as UnitKernel])) },
    packTaps: ex.pack_taps as SimdKernels['packTaps'],
    sgdStep: ex.sgd_step as SimdKernels['sgdStep'],
    generalRelu: ex.general_relu as SimdKernels['generalRelu'],
    generalReluGrad: ex.general_relu_grad as SimdKernels['generalReluGrad'],
    module,
    memory,
  };
  instances.set(memory, kernels);
  return kernels;
}
