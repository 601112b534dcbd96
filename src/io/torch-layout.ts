/**
 * PyTorch layouts for state dicts: tfai stores conv weights `[kh, kw, in, out]` and linear weights
 * `[in, out]` (TF.js), PyTorch `[out, in, kh, kw]` and `[out, in]`. Files tfai writes use PyTorch's
 * names *and* layouts, so they load in PyTorch with `load_file` + `load_state_dict` and back.
 *
 * Which tensors to transpose is decided by the layers themselves (`Conv2d` and `Linear` declare
 * `torchLayouts()`), not by guessing from ranks — and without the core importing layer classes.
 */
import { tf } from '../backend/tf.js';
import type { LayoutKind, Persistable, StateDict } from './persistable.js';
import type { SafetensorsContents, TensorToWrite } from './safetensors.js';

export type { LayoutKind };

const TO_TORCH: Record<LayoutKind, number[]> = { conv: [3, 2, 0, 1], linear: [1, 0] };
const FROM_TORCH: Record<LayoutKind, number[]> = { conv: [2, 3, 1, 0], linear: [1, 0] };
const TORCH_NAMES: Record<LayoutKind, string> = { conv: '[out, in, kh, kw]', linear: '[out, in]' };

/** The state-dict keys whose layout differs from PyTorch's (conv and linear weights), from the module tree. */
export function layoutKinds(model: Persistable): Map<string, LayoutKind> {
  const kinds = new Map<string, LayoutKind>();
  for (const [path, m] of model.namedModules('', { removeDuplicate: false })) { // every path a state-dict key can have
    for (const [name, kind] of Object.entries(m.torchLayouts())) kinds.set(path ? `${path}.${name}` : name, kind);
  }
  return kinds;
}

/** `shape` (tfai layout) as PyTorch lays it out. */
export function torchShape(shape: readonly number[], kind: LayoutKind | undefined): number[] {
  return kind ? TO_TORCH[kind].map((i) => shape[i]) : [...shape];
}

/**
 * The model's state dict on the host in PyTorch names and layouts, ready to encode: float32 as F32,
 * `num_batches_tracked` as I64 (PyTorch's int64), other int32 buffers as I32.
 */
export async function toTorchTensors(model: Persistable): Promise<[string, TensorToWrite][]> {
  const kinds = layoutKinds(model);
  const out: [string, TensorToWrite][] = [];
  for (const [key, v] of Object.entries(model.stateDict())) {
    if (v.isDisposed) throw new Error(`saving weights: '${key}' has been disposed`);
    if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new Error(`saving weights: '${key}' has dtype ${v.dtype}; only float32 and int32 tensors can be saved`);
    const kind = kinds.get(key);
    const t = kind ? tf.transpose(v, TO_TORCH[kind]) : v;
    const data = (await t.data()) as Float32Array | Int32Array;
    if (t !== v) t.dispose();
    const dtype = v.dtype === 'float32' ? 'F32' : key === 'num_batches_tracked' || key.endsWith('.num_batches_tracked') ? 'I64' : 'I32';
    out.push([key, { shape: torchShape(v.shape, kind), data, dtype }]);
  }
  return out;
}

/**
 * Check a decoded file against `model` — every key present, none unexpected (with `strict`), every
 * shape the model's in PyTorch layout — then build the tensors in tfai layout. Nothing is written to
 * the model; the caller passes the result to `model.loadStateDict` and disposes it.
 * @throws Error naming `source` and the first mismatching key (in the model's key order).
 */
export function fromTorchTensors(model: Persistable, file: SafetensorsContents, source: string, opts: { strict?: boolean } = {}): StateDict {
  const strict = opts.strict ?? true;
  const kinds = layoutKinds(model);
  const own = model.stateDict();
  const ownKeys = Object.keys(own);
  for (const key of ownKeys) {
    const want = torchShape(own[key].shape, kinds.get(key));
    const got = file.tensors.get(key);
    if (!got) {
      if (strict) throw new Error(`${source}: missing key '${key}' (expected by the model, shape ${fmt(want)}; the file has ${file.tensors.size} tensors: ${preview([...file.tensors.keys()])})${prefixHint(key, [...file.tensors.keys()])}`);
      continue;
    }
    if (!tf.util.arraysEqual(got.shape, want)) {
      const layout = kinds.get(key) ? ` (PyTorch layout ${TORCH_NAMES[kinds.get(key)!]})` : '';
      throw new Error(`${source}: shape mismatch for '${key}': the model expects ${fmt(want)}${layout}, the file has ${fmt(got.shape)}`);
    }
  }
  if (strict) {
    const extra = [...file.tensors.keys()].filter((k) => !(k in own));
    if (extra.length) throw new Error(`${source}: unexpected key '${extra[0]}' (not in the model${extra.length > 1 ? `; ${extra.length - 1} more: ${preview(extra.slice(1))}` : ''})`);
  }
  const sd: StateDict = {};
  for (const key of ownKeys) {
    const got = file.tensors.get(key);
    if (!got) continue;
    const kind = kinds.get(key);
    sd[key] = tf.tidy(() => {
      const t = tf.tensor(got.data, got.shape, got.data instanceof Float32Array ? 'float32' : 'int32');
      return kind ? tf.transpose(t, FROM_TORCH[kind]) : t;
    });
  }
  return sd;
}

/** A hint when the file's keys are the model's under a prefix (`module.` from `DataParallel`). */
function prefixHint(key: string, fileKeys: string[]): string {
  const hit = fileKeys.find((k) => k.endsWith(`.${key}`));
  if (!hit) return '';
  const prefix = hit.slice(0, -key.length);
  return fileKeys.every((k) => k.startsWith(prefix)) ? `. Every key in the file starts with '${prefix}' (a model saved wrapped, e.g. by DataParallel): remove that prefix` : '';
}

function fmt(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function preview(keys: string[]): string {
  return keys.length > 6 ? `${keys.slice(0, 6).join(', ')}, …` : keys.join(', ') || '(none)';
}
