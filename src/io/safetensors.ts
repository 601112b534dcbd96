/**
 * The safetensors format (Hugging Face's, what PyTorch users exchange weights in): an 8-byte
 * little-endian header length `N`, `N` bytes of JSON
 * `{ "<name>": { "dtype", "shape", "data_offsets": [begin, end] }, "__metadata__": { … } }`
 * (padded with spaces to 8-byte alignment), then the raw little-endian tensor bytes; offsets count
 * from the start of that data.
 *
 * This file only encodes and decodes bytes on the host (no tensors, no layouts): reading checks
 * everything — header length, JSON, dtypes, shapes, offsets in bounds and non-overlapping, byte
 * counts — and every error names the file and the byte offset or key at fault.
 */
import * as fs from '../platform/fs.js';
import { writeFileAtomic } from './atomic-write.js';
import { bf16, f16 } from './half-floats.js';

/** On little-endian hosts F32/I32 blocks are copied as bytes instead of value by value. */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The element types tfai reads (floats become float32, integers and bools int32). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The element types tfai writes. */
export type WritableDtype = 'F32' | 'I32' | 'I64';

/** A tensor on the host as tfai holds it: float32 or int32 values, row-major. */
export type HostTensor = {
  /** Shape (row-major, as stored in the file). */
  shape: number[];
  /** The values: float32 for float dtypes, int32 for integer and bool dtypes. */
  data: Float32Array | Int32Array;
  /** The dtype the file stored (`F64` values arrive here as float32, `I64` as int32). */
  fileDtype: SafetensorsDtype;
};

/** A tensor to encode: its values and the dtype to store them as. */
export type TensorToWrite = {
  /** The tensor's shape. */
  shape: number[];
  /** Its values, row-major. */
  data: Float32Array | Int32Array;
  /** The dtype written to the file. */
  dtype: WritableDtype;
};

/** A decoded file: tensors in header order, and the string metadata. */
export type SafetensorsContents = {
  /** The tensors, by name, in header order. */
  tensors: Map<string, HostTensor>;
  /** The file's `__metadata__` strings. */
  metadata: Record<string, string>;
};

/** A malformed safetensors file; the message names the file and where in it the fault is. */
export class SafetensorsError extends Error {
  /** The file (or buffer label) being read. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SafetensorsError';
    this.file = file;
  }
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Header sizes above this are refused, as the reference implementation does. */
const MAX_HEADER = 100_000_000;

const isKnownDtype = (d: unknown): d is SafetensorsDtype => typeof d === 'string' && Object.hasOwn(ITEM_SIZE, d);

/** Encode tensors (in the given order) and string metadata as a safetensors file. */
export function encodeSafetensors(tensors: Iterable<[string, TensorToWrite]>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = [...tensors];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
  }
  // 8-byte items first so every I64 block stays 8-aligned (the reference writer sorts likewise).
  const order = entries.map((e, i) => [e, i] as const).sort((a, b) => ITEM_SIZE[b[0][1].dtype] - ITEM_SIZE[a[0][1].dtype] || a[1] - b[1]);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const offsets = new Map<string, [number, number]>();
  let pos = 0;
  for (const [[name, t]] of order) {
    if (name === '__metadata__') throw new Error(`encodeSafetensors: '__metadata__' cannot name a tensor`);
    if (offsets.has(name)) throw new Error(`encodeSafetensors: tensor '${name}' given twice`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`encodeSafetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${n} values) but ${t.data.length} values`);
    offsets.set(name, [pos, pos + n * ITEM_SIZE[t.dtype]]);
    pos += n * ITEM_SIZE[t.dtype];
  }
  for (const [name, t] of entries) header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets.get(name) };
  const jsonUnpadded = new TextEncoder().encode(JSON.stringify(header));
  const hlen = jsonUnpadded.length + ((8 - ((8 + jsonUnpadded.length) % 8)) % 8);
  const out = new Uint8Array(8 + hlen + pos);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hlen), true);
  out.set(jsonUnpadded, 8);
  out.fill(0x20, 8 + jsonUnpadded.length, 8 + hlen); // the header is padded with spaces to 8 bytes
  const base = 8 + hlen;
  for (const [name, t] of entries) {
    const [b] = offsets.get(name)!;
    writeValues(view, base + b, t);
  }
  return out;
}

function writeValues(view: DataView, at: number, t: TensorToWrite): void {
  const d = t.data;
  const same = (t.dtype === 'F32' && d instanceof Float32Array) || (t.dtype === 'I32' && d instanceof Int32Array);
  if (LE && same) {
    new Uint8Array(view.buffer, view.byteOffset + at, d.byteLength).set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    return;
  }
  for (let i = 0; i < d.length; i++) {
    if (t.dtype === 'F32') view.setFloat32(at + 4 * i, d[i], true);
    else if (t.dtype === 'I32') view.setInt32(at + 4 * i, d[i], true);
    else view.setBigInt64(at + 8 * i, BigInt(Math.trunc(d[i])), true);
  }
}

type RawEntry = { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number };

/**
 * Decode and validate a safetensors file held in memory: a `Uint8Array` (also a Node `Buffer`, e.g.
 * from `readFileSync`, or a view at any offset of a larger buffer), another typed-array view, or an
 * `ArrayBuffer`. The tensors' values are copied out, so `input` may be reused afterwards. `source`
 * names the file in errors (a path).
 * @throws SafetensorsError naming the file and the byte offset or key at fault.
 */
export function decodeSafetensors(input: Uint8Array | ArrayBufferView | ArrayBufferLike, source = '<buffer>'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new SafetensorsError(source, msg);
  };
  const bytes = asBytes(input, fail);
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlenBig = view.getBigUint64(0, true);
  if (hlenBig > BigInt(bytes.length - 8)) {
    const foreign = foreignFormat(bytes);
    if (foreign) fail(`not a safetensors file: it starts as ${foreign}`);
    if (bytes[8] !== 0x7b) fail(`not a safetensors file: its first 8 bytes give a header length of ${hlenBig}, more than the file's ${bytes.length} bytes, and no JSON header follows at byte 8 (a safetensors file starts with its header's length, then '{')`);
    fail(`header length ${hlenBig} (bytes 0..8) goes beyond the end of the file (${bytes.length} bytes: at most ${bytes.length - 8} header bytes): the file is truncated or damaged`);
  }
  const hlen = Number(hlenBig);
  if (hlen > MAX_HEADER) fail(`header length ${hlen} (bytes 0..8) is larger than the ${MAX_HEADER}-byte limit`);
  if (hlen < 2) fail(`header length ${hlen} (bytes 0..8) is too small to hold a JSON object`);
  const header = parseHeader(bytes.subarray(8, 8 + hlen), fail);
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const { entries, metadata } = checkEntries(header, dataStart, dataLen, fail);
  checkLayout(entries, dataStart, dataLen, fail);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    tensors.set(e.name, { shape: e.shape, data: convert(bytes.subarray(dataStart + e.begin, dataStart + e.end), e, dataStart, fail), fileDtype: e.dtype });
  }
  return { tensors, metadata };
}

/** Formats recognised by their first bytes, for "not a safetensors file" (a valid file never starts so: its length word would be huge). */
const FOREIGN: [number[], string, string?][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip file'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive', 'a PyTorch .pth / .pt written by torch.save is one: read it with loadTorchStateDict, or give it to learn.load / loadWeights, which read .pth files'],
  [[0x80], 'a Python pickle', 'an old PyTorch .pth / .pt: read it with loadTorchStateDict, or give it to learn.load / loadWeights'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file', 'Keras .h5 weights'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy file'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
];

/** `a PNG image does (89 50 4e 47)`, with a hint for formats that hold weights; null when none matches. */
function foreignFormat(bytes: Uint8Array): string | null {
  const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  for (const [magic, name, hint] of FOREIGN) if (magic.every((b, i) => bytes[i] === b)) return `${name} does (${start})${hint ? `; ${hint}` : ''}`;
  return null;
}

/** The bytes `input` covers, as a `Uint8Array` view (no copy). */
function asBytes(input: Uint8Array | ArrayBufferView | ArrayBufferLike, fail: (m: string) => never): Uint8Array {
  const v: unknown = input;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) return new Uint8Array(v);
  return fail(`expected the file's bytes (Uint8Array, Buffer or ArrayBuffer), got ${v === null ? 'null' : typeof v === 'object' ? (v as object).constructor?.name ?? 'an object' : typeof v}`);
}

function parseHeader(raw: Uint8Array, fail: (m: string) => never): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail(`the header is damaged, or this is not a safetensors file: bytes 8..${8 + raw.length} are not valid UTF-8 text`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const where = m ? `byte ${8 + Number(m[1])}` : `bytes 8..${8 + raw.length}`;
    return fail(`the header is damaged, or this is not a safetensors file: it is not valid JSON (at ${where}): ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail(`header (bytes 8..${8 + raw.length}) must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  return parsed as Record<string, unknown>;
}

function checkEntries(header: Record<string, unknown>, dataStart: number, dataLen: number, fail: (m: string) => never): { entries: RawEntry[]; metadata: Record<string, string> } {
  const metadata: Record<string, string> = {};
  const entries: RawEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`__metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(info as object)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const at = `tensor '${name}'`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`the header is damaged: entry '${name}' is not a tensor (${JSON.stringify(info)?.slice(0, 40)}; a tensor is an object with dtype, shape, data_offsets)`);
    const keys = Object.keys(info as object);
    if (!['dtype', 'shape', 'data_offsets'].every((k) => keys.includes(k))) {
      fail(`the header is damaged: entry '${name}' is not a tensor (it has ${keys.join(', ') || 'nothing'}; a tensor has dtype, shape, data_offsets)`);
    }
    const { dtype, shape, data_offsets: off } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isKnownDtype(dtype)) fail(`${at}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${at}: shape must be an array of integers >= 0, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(`${at}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const d = dtype as SafetensorsDtype;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end > dataLen) fail(`${at}: data_offsets [${begin}, ${end}] (file bytes ${dataStart + begin}..${dataStart + end}) go beyond the end of the file (${dataStart + dataLen} bytes): the file is truncated`);
    if (end - begin !== count * ITEM_SIZE[d]) {
      fail(`${at}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${d} needs ${count} × ${ITEM_SIZE[d]} = ${count * ITEM_SIZE[d]}`);
    }
    entries.push({ name, dtype: d, shape: shape as number[], begin, end });
  }
  return { entries, metadata };
}

/** Tensors must tile the data region: no overlaps, no gaps, nothing after the last one. */
function checkLayout(entries: RawEntry[], dataStart: number, dataLen: number, fail: (m: string) => never): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: RawEntry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) fail(`tensor '${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps tensor '${prev!.name}' (ends at ${pos}; file byte ${dataStart + e.begin})`);
    if (e.begin > pos) fail(`gap in the data before tensor '${e.name}': bytes ${pos}..${e.begin} of the data (file bytes ${dataStart + pos}..${dataStart + e.begin}) belong to no tensor`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} bytes after the last tensor (file bytes ${dataStart + pos}..${dataStart + dataLen}) belong to no tensor: the header does not describe this data`);
}

function convert(raw: Uint8Array, e: RawEntry, dataStart: number, fail: (m: string) => never): Float32Array | Int32Array {
  const n = raw.length / ITEM_SIZE[e.dtype];
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (LE && (e.dtype === 'F32' || e.dtype === 'I32')) {
    // Copy the bytes into a fresh array: `raw` may sit at any offset of a larger buffer (a Node
    // Buffer from the shared pool, a view), so its `.buffer` is not the tensor's bytes.
    const out = e.dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  switch (e.dtype) {
    case 'F32':
      return float32(n, (i) => v.getFloat32(4 * i, true));
    case 'F64':
      return float32(n, (i) => v.getFloat64(8 * i, true));
    case 'F16':
      return float32(n, (i) => f16(v.getUint16(2 * i, true)));
    case 'BF16':
      return float32(n, (i) => bf16(v.getUint16(2 * i, true)));
    case 'I32':
      return int32(n, (i) => v.getInt32(4 * i, true));
    case 'I16':
      return int32(n, (i) => v.getInt16(2 * i, true));
    case 'I8':
      return int32(n, (i) => v.getInt8(i));
    case 'U8':
    case 'BOOL':
      return int32(n, (i) => v.getUint8(i));
    case 'I64':
      return int32(n, (i) => {
        const x = v.getBigInt64(8 * i, true);
        if (x > 2147483647n || x < -2147483648n) fail(`tensor '${e.name}': I64 value ${x} at element ${i} (file byte ${dataStart + e.begin + 8 * i}) does not fit in int32`);
        return Number(x);
      });
  }
}

function float32(n: number, at: (i: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = at(i);
  return out;
}

function int32(n: number, at: (i: number) => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = at(i);
  return out;
}

/**
 * Read and validate a safetensors file.
 * @throws SafetensorsError naming the file and the byte offset or key at fault; the fs error if
 *   the file cannot be read.
 */
export async function readSafetensors(file: string): Promise<SafetensorsContents> {
  return decodeSafetensors(await fs.readFile(file), file);
}

/** Write tensors and metadata as a safetensors file, atomically (the old file survives a failure). */
export async function writeSafetensors(file: string, tensors: Iterable<[string, TensorToWrite]>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
