/**
 * Reader (and a small writer, for fixtures) for the IDX format of the MNIST files: a big-endian
 * header `0x00 0x00 <type> <ndims>`, then `ndims` uint32 dimension sizes, then the data. Only the
 * unsigned-byte type (0x08) is supported: labels are magic 0x00000801 (`[n]`), images 0x00000803
 * (`[n, rows, cols]`). Files may be gzipped (detected by the gzip magic bytes 1f 8b).
 */
import { readFile } from 'node:fs/promises';
import { constants as zc, gunzip, type InputType, type ZlibOptions } from 'node:zlib';

/** Magic number of an IDX labels file (unsigned bytes, 1 dimension). */
export const IDX_LABELS_MAGIC = 0x00000801;
/** Magic number of an IDX images file (unsigned bytes, 3 dimensions: n × rows × cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;

const UBYTE = 0x08;
const MAX_DIMS = 8;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** The contents of an IDX file. */
export interface IdxData {
  /** The magic number read from the file (e.g. `IDX_IMAGES_MAGIC`). */
  magic: number;
  /** Dimension sizes, e.g. `[60000, 28, 28]`. */
  shape: number[];
  /** The values, row-major, `shape.reduce(*)` bytes. */
  data: Uint8Array;
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * Parse an (already decompressed) IDX byte buffer. `name` (usually the file path) is put in every
 * error message.
 * @throws Error naming `name`, the byte offset and the expected vs actual sizes when the buffer is
 *   truncated, has a wrong magic number, or its size does not match the dimensions in its header.
 */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxData {
  const who = `readIdx: ${name}`;
  if (bytes.length < 4) {
    throw new Error(
      `${who}: truncated header: expected a 4-byte magic number at byte offset 0, ` +
        `but the file has only ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const ndims = bytes[3];
  const expectMsg =
    `expected an IDX unsigned-byte magic number 0x000008NN, e.g. ${hex(IDX_LABELS_MAGIC)} (labels) or ` +
    `${hex(IDX_IMAGES_MAGIC)} (images)`;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this looks like gzip data)' : '';
    throw new Error(`${who}: bad magic number ${hex(magic)} at byte offset 0${gz}; ${expectMsg}`);
  }
  if (type !== UBYTE) {
    const tn = TYPE_NAMES[type];
    throw new Error(
      `${who}: unsupported magic number ${hex(magic)} at byte offset 0: data type 0x${type.toString(16).padStart(2, '0')}` +
        `${tn ? ` (${tn})` : ' (unknown)'}; ${expectMsg}`,
    );
  }
  if (ndims < 1 || ndims > MAX_DIMS) {
    throw new Error(
      `${who}: bad magic number ${hex(magic)} at byte offset 0: ${ndims} dimensions; expected 1 to ${MAX_DIMS} ` +
        `(${expectMsg})`,
    );
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new Error(
      `${who}: truncated header: expected ${ndims} 4-byte dimension sizes at byte offsets 4..${headerLen - 1} ` +
        `(header of ${headerLen} bytes), but the file has only ${bytes.length} bytes`,
    );
  }
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const s = view.getUint32(4 + 4 * d, false);
    shape.push(s);
    size *= s;
  }
  const actual = bytes.length - headerLen;
  if (actual !== size) {
    const what = actual < size ? 'file is truncated' : 'file has extra trailing bytes';
    throw new Error(
      `${who}: data size mismatch (${what}): header at byte offsets 0..${headerLen - 1} declares shape ` +
        `[${shape.join(', ')}], i.e. ${size} data bytes from byte offset ${headerLen} (file size ${headerLen + size}), ` +
        `but the file has ${actual} data bytes (file size ${bytes.length})`,
    );
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + headerLen, size);
  return { magic, shape, data };
}

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzipAsync(buf: InputType, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(buf, opts, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * Read an IDX file, plain or gzipped. Gzip is detected by its magic bytes (`1f 8b`), so a `.gz`
 * name whose content was already decompressed (as some downloaders do) still reads fine.
 * @throws Error naming `path` for an unreadable file, a corrupt/truncated gzip stream, or any of
 *   the header/size problems `parseIdx` reports.
 */
export async function readIdx(path: string): Promise<IdxData> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new Error(`readIdx: ${path}: cannot read file: ${(e as Error).message}`, { cause: e });
  }
  if (!isGzip(raw)) return parseIdx(raw, path);
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(raw, {});
  } catch (e) {
    // Decompress leniently to say how far the data got, then report both problems.
    const why = `gzip stream is corrupt or truncated (${(e as Error).message}; compressed size ${raw.length} bytes)`;
    let detail = '';
    try {
      const partial = await gunzipAsync(raw, { finishFlush: zc.Z_SYNC_FLUSH });
      try {
        parseIdx(partial, path);
        detail = `; the ${partial.length} bytes that could be decompressed form a complete IDX file but the gzip trailer is missing or wrong`;
      } catch (pe) {
        detail = `; after decompressing what is there: ${(pe as Error).message.replace(`readIdx: ${path}: `, '')}`;
      }
    } catch {
      // nothing recoverable
    }
    throw new Error(`readIdx: ${path}: ${why}${detail}`, { cause: e });
  }
  return parseIdx(bytes, path);
}

/**
 * Encode `data` with dimensions `shape` as an IDX unsigned-byte file (e.g. to write test fixtures;
 * gzip the result with `zlib.gzipSync` for a `.gz` file).
 * @throws RangeError if `shape` is empty, too long, or its product differs from `data.length`.
 */
export function encodeIdx(data: Uint8Array, shape: readonly number[]): Uint8Array {
  if (shape.length < 1 || shape.length > MAX_DIMS) {
    throw new RangeError(`encodeIdx: shape must have 1 to ${MAX_DIMS} dimensions, got ${shape.length}`);
  }
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) {
      throw new RangeError(`encodeIdx: dimension sizes must be integers in [0, 2^32), got [${shape.join(', ')}]`);
    }
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(`encodeIdx: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  }
  const headerLen = 4 + 4 * shape.length;
  const out = new Uint8Array(headerLen + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | shape.length, false);
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  out.set(data, headerLen);
  return out;
}
