/**
 * PyTorch's own weight files (`.pth` / `.pt`, what `torch.save(model.state_dict(), f)` writes and
 * torchvision publishes) read without Python and without running anything from the file.
 *
 * Two layouts: the zip archive of PyTorch ≥ 1.6 (`<name>/data.pkl`, the state dict pickled with
 * each tensor's storage as a persistent id, `<name>/data/<key>` the storages' raw bytes,
 * `<name>/byteorder`, `<name>/version`), and the legacy stream of PyTorch < 1.6 (magic number,
 * protocol and system-info pickles, the state-dict pickle, the list of storage keys, then each
 * storage as an int64 element count and its bytes). Both go through `restricted-pickle.ts`, which
 * refuses anything a state dict is not made of.
 */
import * as fs from '../platform/fs.js';
import { looksLikeZip, readZipEntries } from './zip-entries.js';
import { STORAGE_TYPES, describe, unpickle, type PickleDict, type PickleValue, type StorageRef, type TensorRef } from './restricted-pickle.js';
import type { HostTensor, SafetensorsDtype } from './safetensors.js';
import { bf16, f16 } from './half-floats.js';

/** PyTorch's dtype names, as the storage classes give them. */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** One tensor of a `.pth` file on the host: float dtypes as float32 values, integer and bool ones as int32. */
export type TorchTensor = {
  /** The dtype stored in the file. */
  dtype: TorchDtype;
  /** PyTorch's shape (PyTorch's layout: a conv weight is `[out, in, kh, kw]`). */
  shape: number[];
  /** Row-major values. */
  data: Float32Array | Int32Array;
};

const DTYPES: Record<string, { dtype: TorchDtype; st: SafetensorsDtype }> = {
  FloatStorage: { dtype: 'float32', st: 'F32' },
  DoubleStorage: { dtype: 'float64', st: 'F64' },
  HalfStorage: { dtype: 'float16', st: 'F16' },
  BFloat16Storage: { dtype: 'bfloat16', st: 'BF16' },
  LongStorage: { dtype: 'int64', st: 'I64' },
  IntStorage: { dtype: 'int32', st: 'I32' },
  ShortStorage: { dtype: 'int16', st: 'I16' },
  CharStorage: { dtype: 'int8', st: 'I8' },
  ByteStorage: { dtype: 'uint8', st: 'U8' },
  BoolStorage: { dtype: 'bool', st: 'BOOL' },
};

/** The legacy format's magic number, `0x1950a86a20f9469cfc6c`, as the first pickle's LONG1 opcode writes it. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** A `.pth` file that is not a readable state dict; the message names the file and what is wrong where. */
export class TorchFileError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'TorchFileError';
  }
}

/** Whether `bytes` start like a `torch.save` file (zip archive or legacy stream). */
export function looksLikeTorchFile(bytes: Uint8Array): boolean {
  return looksLikeZip(bytes) || LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}

/** Where a storage's bytes are and how to read them. */
type StorageBytes = { bytes: Uint8Array; littleEndian: boolean; at: number };

/**
 * Decode the state dict of a `torch.save` file held in memory. A checkpoint dict holding the state
 * dict under `state_dict`, `model` or `model_state_dict` (and other plain values) is accepted too.
 * @throws TorchFileError / PickleError / ZipError naming `source` and what is wrong where: a global
 *   or opcode a state dict does not use (e.g. `GLOBAL os.system`), a truncated storage, a TorchScript
 *   archive, a tensor that reaches past its storage.
 */
export function decodeTorchStateDict(bytes: Uint8Array, source = '<buffer>'): Map<string, TorchTensor> {
  if (looksLikeZip(bytes)) return decodeZip(bytes, source);
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) return decodeLegacy(bytes, source);
  if (bytes.length >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    throw new TorchFileError(source, 'a tar archive: the tar layout of PyTorch < 0.4 is not read; load it in PyTorch and save it again with torch.save');
  }
  throw new TorchFileError(source, `not a torch.save file: it starts with bytes ${hex(bytes.subarray(0, 8))}, neither a zip archive (PK\\x03\\x04) nor a legacy PyTorch stream`);
}

/**
 * Read a `.pth` / `.pt` state dict: `name → { dtype, shape, data }` in the file's order, with
 * PyTorch's shapes and layouts. `source` is a path or the file's bytes.
 */
export async function loadTorchStateDict(source: string | Uint8Array): Promise<Map<string, TorchTensor>> {
  if (typeof source !== 'string') return decodeTorchStateDict(source);
  return decodeTorchStateDict(await fs.readFile(source), source);
}

/** The tensors as safetensors' host tensors (what the PyTorch-layout import takes). */
export function asHostTensors(tensors: Map<string, TorchTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of tensors) {
    const st = Object.values(DTYPES).find((d) => d.dtype === t.dtype)!.st;
    out.set(k, { shape: t.shape, data: t.data, fileDtype: st });
  }
  return out;
}

function decodeZip(bytes: Uint8Array, source: string): Map<string, TorchTensor> {
  const entries = readZipEntries(bytes, source);
  const pkls = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    if ([...entries.keys()].some((n) => /^[^/]+\/(constants\.pkl|code\/)/.test(n))) {
      throw new TorchFileError(source, 'a TorchScript archive (torch.jit.save), not a torch.save state dict: save model.state_dict() with torch.save');
    }
    throw new TorchFileError(source, `a zip archive but not a torch.save file: ${pkls.length ? `${pkls.length} data.pkl entries` : 'no <name>/data.pkl entry'} (entries: ${[...entries.keys()].slice(0, 5).join(', ')})`);
  }
  const prefix = pkls[0].slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const byteorder = order ? new TextDecoder().decode(order.data).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new TorchFileError(source, `${prefix}byteorder says '${byteorder}' (expected 'little' or 'big')`);
  const pkl = entries.get(pkls[0])!;
  const storages = new Map<string, StorageBytes>();
  const persistentLoad = (pid: PickleValue, at: number): PickleValue => {
    const s = storageRef(pid, at, source, pkl.offset);
    const entry = entries.get(`${prefix}data/${s.key}`);
    if (!entry) throw new TorchFileError(source, `storage '${s.key}' (named at byte ${pkl.offset + at}) has no entry ${prefix}data/${s.key}`);
    storages.set(s.key, { bytes: entry.data, littleEndian: byteorder === 'little', at: entry.offset });
    return s;
  };
  const { value } = unpickle(pkl.data, { source: `${source} (${pkls[0]})`, base: pkl.offset, persistentLoad });
  return materialise(stateDictOf(value, source), storages, source);
}

function decodeLegacy(bytes: Uint8Array, source: string): Map<string, TorchTensor> {
  let pos = 0;
  const next = (what: string, persistentLoad?: (pid: PickleValue, at: number) => PickleValue): PickleValue => {
    const { value, end } = unpickle(bytes.subarray(pos), { source: `${source} (${what})`, base: pos, persistentLoad });
    pos += end;
    return value;
  };
  // the magic-number pickle is the 14 bytes checked already, then STOP
  if (bytes[LEGACY_MAGIC.length] !== 0x2e) throw new TorchFileError(source, `a legacy PyTorch magic number not followed by STOP (byte ${LEGACY_MAGIC.length})`);
  pos = LEGACY_MAGIC.length + 1;
  const protocol = next('protocol version');
  if (protocol !== 1001) throw new TorchFileError(source, `legacy protocol version ${describe(protocol)} (this reader knows 1001)`);
  const sys = next('system info');
  const little = sys instanceof Map ? sys.get('little_endian') !== false : true;
  const refs = new Map<string, StorageRef>();
  const mainAt = pos;
  const value = next('state dict', (pid, at) => {
    const s = storageRef(pid, at, source, mainAt);
    refs.set(s.rootKey, s);
    return s;
  });
  const keys = next('storage keys');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new TorchFileError(source, `the storage-key list at byte ${pos} is ${describe(keys)}, not a list of strings`);
  const storages = new Map<string, StorageBytes>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const ref = refs.get(key);
    if (!ref) throw new TorchFileError(source, `storage '${key}' (listed at byte ${pos}) is used by no tensor`);
    if (pos + 8 > bytes.length) throw new TorchFileError(source, `storage '${key}': the file ends at byte ${bytes.length}, before its size (truncated?)`);
    const numel = Number(view.getBigInt64(pos, little));
    const n = numel * STORAGE_TYPES[ref.storageType];
    if (numel < 0 || pos + 8 + n > bytes.length) throw new TorchFileError(source, `storage '${key}' (byte ${pos}) holds ${numel} elements, more than the ${bytes.length - pos - 8} bytes left: the file is truncated`);
    storages.set(key, { bytes: bytes.subarray(pos + 8, pos + 8 + n), littleEndian: little, at: pos + 8 });
    pos += 8 + n;
  }
  return materialise(stateDictOf(value, source), storages, source);
}

/** The storage a persistent id names: `('storage', torch.XStorage, key, location, numel[, view])`. */
function storageRef(pid: PickleValue, at: number, source: string, base: number): StorageRef {
  const where = `persistent id at byte ${base + at}`;
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new TorchFileError(source, `${where} is ${describe(pid)}, not a ('storage', type, key, location, size) tuple`);
  const [, type, key, , numel, view] = pid;
  const t = type as { kind?: string; module?: string; name?: string } | null;
  if (!t || t.kind !== 'global' || t.module !== 'torch' || !(t.name! in STORAGE_TYPES)) throw new TorchFileError(source, `${where}: storage type ${describe(type)} is not one of torch's typed storages`);
  if (typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) throw new TorchFileError(source, `${where}: key ${describe(key)} / size ${describe(numel)} are not a storage key and an element count`);
  let viewOffset = 0;
  let numelOut = numel as number;
  let rootKey = key;
  if (Array.isArray(view)) {
    // legacy views: (view_key, offset, view_size) of root storage `key`
    const [vk, off, vsize] = view;
    if (typeof vk !== 'string' || !Number.isSafeInteger(off) || !Number.isSafeInteger(vsize)) throw new TorchFileError(source, `${where}: a storage view ${describe(view)} that is not (key, offset, size)`);
    viewOffset = off as number;
    numelOut = vsize as number;
    rootKey = key;
  }
  return { kind: 'storage', storageType: t.name!, key, numel: numelOut, viewOffset, rootKey };
}

/** The name → tensor mapping inside the unpickled value (a state dict, or a checkpoint holding one). */
function stateDictOf(value: PickleValue, source: string): Map<string, TensorRef> {
  const isTensors = (v: PickleValue): v is PickleDict => v instanceof Map && v.size > 0 && [...v.values()].every((t) => (t as { kind?: string } | null)?.kind === 'tensor');
  if (isTensors(value)) return value as Map<string, TensorRef>;
  if (value instanceof Map) {
    for (const k of ['state_dict', 'model_state_dict', 'model']) {
      const inner = value.get(k);
      if (inner !== undefined && isTensors(inner)) return inner as Map<string, TensorRef>;
    }
    const keys = [...value.keys()].slice(0, 8).map((k) => JSON.stringify(k)).join(', ');
    const nonTensor = [...value.entries()].find(([, t]) => (t as { kind?: string } | null)?.kind !== 'tensor');
    throw new TorchFileError(source, `holds a dict that is not a state dict (keys ${keys}${value.size > 8 ? ', …' : ''}${nonTensor ? `; '${nonTensor[0]}' is ${describe(nonTensor[1])}` : ''}) and no state dict under 'state_dict', 'model_state_dict' or 'model'`);
  }
  throw new TorchFileError(source, `holds ${describe(value)}, not a state dict (a dict of tensors)`);
}

/** Every tensor's values read from its storage (contiguous or strided), with bounds checked. */
function materialise(sd: Map<string, TensorRef>, storages: Map<string, StorageBytes>, source: string): Map<string, TorchTensor> {
  let storageElems = 0;
  for (const s of storages.values()) storageElems += s.bytes.length;
  // A pickle may view one storage many times, or with zero strides: cap what it may make us allocate.
  const budget = 16 * storageElems + (1 << 20);
  let made = 0;
  const out = new Map<string, TorchTensor>();
  for (const [key, t] of sd) {
    if (typeof key !== 'string') throw new TorchFileError(source, `state-dict key ${describe(key)} is not a string`);
    const ref = t.storage;
    const info = DTYPES[ref.storageType];
    const item = STORAGE_TYPES[ref.storageType];
    const st = storages.get(ref.rootKey);
    if (!st) throw new TorchFileError(source, `'${key}': storage '${ref.rootKey}' was never loaded`);
    const avail = st.bytes.length / item;
    const count = t.shape.reduce((a, b) => a * b, 1);
    made += count;
    if (made > budget) throw new TorchFileError(source, `'${key}': the tensors would hold ${made} values from ${storageElems} bytes of storage: refused (a state dict does not reuse its storages this much)`);
    const base = ref.viewOffset + t.offset;
    const last = base + t.shape.reduce((a, d, i) => a + (d - 1) * t.stride[i], 0);
    if (count > 0 && last >= avail) {
      throw new TorchFileError(source, `'${key}' (shape [${t.shape.join(', ')}], offset ${t.offset}, stride [${t.stride.join(', ')}]) reaches element ${last} of storage '${ref.rootKey}', which holds ${avail} (bytes ${st.at}..${st.at + st.bytes.length})`);
    }
    out.set(key, { dtype: info.dtype, shape: [...t.shape], data: gather(st, info.dtype, item, base, t.shape, t.stride, count, key, source) });
  }
  return out;
}

function gather(st: StorageBytes, dtype: TorchDtype, item: number, base: number, shape: readonly number[], stride: readonly number[], count: number, key: string, source: string): Float32Array | Int32Array {
  const v = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
  const le = st.littleEndian;
  const isFloat = dtype.startsWith('float') || dtype === 'bfloat16';
  const out = isFloat ? new Float32Array(count) : new Int32Array(count);
  const read = reader(v, dtype, le, key, source, st.at);
  // row-major contiguous strides: one run from `base`
  let contiguous = true;
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== s) contiguous = false;
    s *= shape[i];
  }
  if (contiguous && dtype === 'float32' && le) {
    new Uint8Array(out.buffer).set(st.bytes.subarray(base * 4, (base + count) * 4));
    return out;
  }
  if (contiguous) {
    for (let i = 0; i < count; i++) out[i] = read((base + i) * item);
    return out;
  }
  const idx = new Array<number>(shape.length).fill(0);
  let off = base;
  for (let i = 0; i < count; i++) {
    out[i] = read(off * item);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += stride[d];
      if (idx[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

function reader(v: DataView, dtype: TorchDtype, le: boolean, key: string, source: string, at: number): (byte: number) => number {
  switch (dtype) {
    case 'float32':
      return (b) => v.getFloat32(b, le);
    case 'float64':
      return (b) => v.getFloat64(b, le);
    case 'float16':
      return (b) => f16(v.getUint16(b, le));
    case 'bfloat16':
      return (b) => bf16(v.getUint16(b, le));
    case 'int64':
      return (b) => {
        const x = v.getBigInt64(b, le);
        if (x > 2147483647n || x < -2147483648n) throw new TorchFileError(source, `'${key}': int64 value ${x} (file byte ${at + b}) does not fit in int32`);
        return Number(x);
      };
    case 'int32':
      return (b) => v.getInt32(b, le);
    case 'int16':
      return (b) => v.getInt16(b, le);
    case 'int8':
      return (b) => v.getInt8(b);
    case 'uint8':
    case 'bool':
      return (b) => v.getUint8(b);
  }
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}
