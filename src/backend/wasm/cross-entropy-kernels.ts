/**
 * Mean softmax cross-entropy against class indices as two wasm kernels (`TfaiCrossEntropy`,
 * `TfaiCrossEntropyGrad`) where the tf ops take about twenty kernels forward and twenty backward.
 * Logits are `[N, C]` float32; targets `[N]` int32 or float32 class indices. A target that is not
 * an integer in `[0, C)` makes the loss NaN (and its row's gradient NaN), as `crossEntropy` does.
 * Per row: `loss = log Σ exp(l − max) + max − l[t]`, in float64; gradient `(softmax − onehot)·dy/N`.
 */
import { tf } from '../tf.js';
import { heapOffset, wasmInternals, type WasmBackendInternals } from './internals.js';

/** Kernel names. */
export const CROSS_ENTROPY_KERNEL_NAMES = { forward: 'TfaiCrossEntropy', backward: 'TfaiCrossEntropyGrad' } as const;

type Inputs = { be: WasmBackendInternals; logits: tf.TensorInfo; targets: tf.TensorInfo; n: number; c: number };

function read(args: Parameters<tf.KernelFunc>[0], name: string): Inputs {
  const be = wasmInternals(args.backend);
  if (!be) throw new Error(`tfai: the fused kernel '${name}' needs the wasm backend`);
  const { logits, targets } = args.inputs;
  if (!logits || logits.dtype !== 'float32' || logits.shape.length !== 2) throw new Error(`tfai ${name}: logits must be a float32 [N, C] tensor`);
  const [n, c] = logits.shape as [number, number];
  if (!targets || (targets.dtype !== 'int32' && targets.dtype !== 'float32') || targets.shape.length !== 1 || targets.shape[0] !== n) {
    throw new Error(`tfai ${name}: targets must be [${n}] int32 or float32 class indices, got ${targets ? `${targets.dtype} [${targets.shape}]` : 'none'}`);
  }
  return { be, logits, targets, n, c };
}

/** Row `i`'s target as a class index, or -1 when it is not an integer in [0, c). */
function targetOf(be: WasmBackendInternals, targets: tf.TensorInfo, i: number, c: number): number {
  const off = (heapOffset(be, targets) >>> 2) + i;
  const t = targets.dtype === 'int32' ? be.wasm.HEAP32[off]! : be.wasm.HEAPF32[off]!;
  return Number.isInteger(t) && t >= 0 && t < c ? t : -1;
}

/** log Σ exp(row) and the row's max, in float64. */
function logSumExp(f: Float32Array, base: number, c: number): { lse: number; max: number } {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, f[base + j]!);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(f[base + j]! - max);
  return { lse: Math.log(s) + max, max };
}

const forward: tf.KernelFunc = (args) => {
  const { be, logits, targets, n, c } = read(args, CROSS_ENTROPY_KERNEL_NAMES.forward);
  const out = be.makeOutput([], 'float32');
  const f = be.wasm.HEAPF32;
  const l0 = heapOffset(be, logits) >>> 2;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const t = targetOf(be, targets, i, c);
    const base = l0 + i * c;
    total += t < 0 ? Number.NaN : logSumExp(f, base, c).lse - f[base + t]!;
  }
  f[heapOffset(be, out) >>> 2] = total / n;
  return out;
};

const backward: tf.KernelFunc = (args) => {
  const { be, logits, targets, n, c } = read(args, CROSS_ENTROPY_KERNEL_NAMES.backward);
  const dyInfo = args.inputs.dy;
  if (!dyInfo || dyInfo.dtype !== 'float32') throw new Error(`tfai ${CROSS_ENTROPY_KERNEL_NAMES.backward}: dy must be a float32 scalar`);
  const dx = be.makeOutput([n, c], 'float32');
  const f = be.wasm.HEAPF32;
  const scale = f[heapOffset(be, dyInfo) >>> 2]! / n;
  const l0 = heapOffset(be, logits) >>> 2;
  const d0 = heapOffset(be, dx) >>> 2;
  for (let i = 0; i < n; i++) {
    const t = targetOf(be, targets, i, c);
    const base = l0 + i * c;
    if (t < 0) {
      f.fill(Number.NaN, d0 + i * c, d0 + (i + 1) * c);
      continue;
    }
    const { lse } = logSumExp(f, base, c);
    for (let j = 0; j < c; j++) f[d0 + i * c + j] = (Math.exp(f[base + j]! - lse) - (j === t ? 1 : 0)) * scale;
  }
  return dx;
};

/** The cross-entropy kernels, for registration on the wasm backend. */
export const CROSS_ENTROPY_KERNELS: ReadonlyArray<[string, tf.KernelFunc]> = [
  [CROSS_ENTROPY_KERNEL_NAMES.forward, forward],
  [CROSS_ENTROPY_KERNEL_NAMES.backward, backward],
];
