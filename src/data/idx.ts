/**
 * Reader (and a small writer, for fixtures) for the IDX format of the MNIST files: a big-endian
 * header `0x00 0x00 <type> <ndims>`, then `ndims` uint32 dimension sizes, then the data. Only the
 * unsigned-byte type (0x08) is supported: labels are magic 0x00000801 (`[n]`), images 0x00000803
 * (`[n, rows, cols]`). Files may be gzipped (detected by the gzip magic bytes 1f 8b).
 */
import { open, readFile, stat } from '../platform/fs.js';
import { gunzipChunks } from '../platform/zlib.js';

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

/** The header of an IDX file: magic, shape, its length in bytes and the data bytes it declares. */
type IdxHeader = { magic: number; shape: number[]; headerLen: number; size: number };

/**
 * Read and check the header at the start of `bytes` (all of the file, or its first bytes).
 * @throws Error naming `name` and the byte offset for a wrong magic number or a truncated header.
 */
function parseHeader(bytes: Uint8Array, name: string): IdxHeader {
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
  return { magic, shape, headerLen, size };
}

/** The header's length in bytes once `bytes` (the file's first bytes) hold enough to tell, else null. */
function headerLength(bytes: Uint8Array): number | null {
  if (bytes.length < 4) return null;
  const ndims = bytes[3];
  return ndims < 1 || ndims > MAX_DIMS ? 4 : 4 + 4 * ndims;
}

function sizeMismatch(h: IdxHeader, name: string, actual: number): Error {
  const what = actual < h.size ? 'file is truncated' : 'file has extra trailing bytes';
  return new Error(
    `readIdx: ${name}: data size mismatch (${what}): header at byte offsets 0..${h.headerLen - 1} declares shape ` +
      `[${h.shape.join(', ')}], i.e. ${h.size} data bytes from byte offset ${h.headerLen} (file size ${h.headerLen + h.size}), ` +
      `but the file has ${actual} data bytes (file size ${h.headerLen + actual})`,
  );
}

/** Throw when `h` declares more data bytes than `maxBytes` (before anything that size is allocated). */
function checkLimit(h: IdxHeader, name: string, maxBytes: number): void {
  if (h.size > maxBytes) {
    throw new RangeError(
      `readIdx: ${name}: the header declares shape [${h.shape.join(', ')}], i.e. ${h.size} data bytes, more than the limit of ` +
        `${maxBytes} bytes (the maxBytes option of readIdx); a damaged file, or a decompression bomb`,
    );
  }
}

/**
 * Parse an (already decompressed) IDX byte buffer. `name` (usually the file path) is put in every
 * error message.
 * @throws Error naming `name`, the byte offset and the expected vs actual sizes when the buffer is
 *   truncated, has a wrong magic number, or its size does not match the dimensions in its header.
 */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxData {
  const h = parseHeader(bytes, name);
  const actual = bytes.length - h.headerLen;
  if (actual !== h.size) throw sizeMismatch(h, name, actual);
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + h.headerLen, h.size);
  return { magic: h.magic, shape: h.shape, data };
}

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The default limit on the data an IDX file may declare: 1 GiB (MNIST's training images are 47 MB,
 * EMNIST's largest file 550 MB). A header that declares more is refused before anything is
 * allocated; pass `maxBytes` to `readIdx` to read a bigger file.
 */
export const IDX_MAX_BYTES = 2 ** 30;

/** Options of `readIdx`. */
export type ReadIdxOptions = {
  /** Refuse a file whose header declares more data bytes than this (default `IDX_MAX_BYTES`, 1 GiB). */
  maxBytes?: number;
};

/**
 * Read an IDX file, plain or gzipped. Gzip is detected by its magic bytes (`1f 8b`), so a `.gz`
 * name whose content was already decompressed (as some downloaders do) still reads fine.
 *
 * Decompression bombs are refused before the memory is allocated: the header's declared size is
 * checked against `maxBytes` as soon as it is decompressed, and decompression stops as soon as the
 * stream gives more than the header declares.
 * @throws Error naming `path` for an unreadable file, a corrupt/truncated gzip stream, a declared
 *   size over the limit, or any of the header/size problems `parseIdx` reports.
 */
export async function readIdx(path: string, opts: ReadIdxOptions = {}): Promise<IdxData> {
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError(`readIdx: maxBytes must be an integer >= 0, got ${maxBytes}`);
  let raw: Uint8Array;
  try {
    const st = await stat(path);
    if (st.isFile() && st.size > maxBytes + 4 + 4 * MAX_DIMS) {
      // too big whatever it holds: read only its first bytes, to name what its header declares
      const fh = await open(path, 'r');
      const head = new Uint8Array(64);
      try {
        await fh.read(head, 0, 64, 0);
      } finally {
        await fh.close();
      }
      if (!isGzip(head)) {
        const h = parseHeader(head, path);
        checkLimit(h, path, maxBytes);
        throw sizeMismatch(h, path, st.size - h.headerLen); // bigger than the limit, so more than it declares
      }
    }
    raw = await readFile(path);
  } catch (e) {
    if (e instanceof RangeError || (e instanceof Error && e.message.startsWith('readIdx:'))) throw e;
    throw new Error(`readIdx: ${path}: cannot read file: ${(e as Error).message}`, { cause: e });
  }
  return decodeIdxFile(raw, path, { maxBytes });
}

/**
 * Parse the bytes of an IDX file, plain or gzipped (by its magic bytes), read from a file or
 * fetched from a URL (`path` names it in errors), with `readIdx`'s limit and checks.
 * @throws as `readIdx` does, past reading.
 */
export async function decodeIdxFile(raw: Uint8Array, path: string, opts: ReadIdxOptions = {}): Promise<IdxData> {
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  if (!isGzip(raw)) {
    checkLimit(parseHeader(raw, path), path, maxBytes);
    return parseIdx(raw, path);
  }
  return parseIdx(await gunzipIdx(raw, path, maxBytes), path);
}

/**
 * Decompress gzipped IDX bytes as a stream: the header is checked against `maxBytes` as soon as it
 * is out, the output is allocated once at the declared size, and a stream that gives more stops there.
 */
async function gunzipIdx(raw: Uint8Array, path: string, maxBytes: number): Promise<Uint8Array> {
  let head = new Uint8Array(0);
  let header: IdxHeader | null = null;
  let out: Uint8Array | null = null;
  let got = 0;
  try {
    for await (const chunk of gunzipChunks(raw)) {
      if (!out) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        const len = headerLength(head);
        if (len === null || head.length < len) continue;
        header = parseHeader(head, path);
        checkLimit(header, path, maxBytes);
        out = new Uint8Array(header.headerLen + header.size);
        const take = Math.min(head.length, out.length);
        out.set(head.subarray(0, take));
        got = head.length;
        if (got > out.length) break;
        continue;
      }
      const take = Math.min(chunk.length, out.length - got);
      out.set(chunk.subarray(0, take), got);
      got += chunk.length;
      if (got > out.length) break;
    }
  } catch (e) {
    if (e instanceof RangeError || (e instanceof Error && e.message.startsWith('readIdx:'))) throw e;
    // a corrupt or truncated stream: say how far the data got, then report both problems
    const why = `gzip stream is corrupt or truncated (${(e as Error).message}; compressed size ${raw.length} bytes)`;
    let detail = '';
    if (header && out) {
      detail = got >= out.length
        ? `; the ${got} bytes that could be decompressed form a complete IDX file but the gzip trailer is missing or wrong`
        : `; after decompressing what is there: ${sizeMismatch(header, path, got - header.headerLen).message.replace(`readIdx: ${path}: `, '')}`;
    } else if (head.length) {
      try {
        parseHeader(head, path);
      } catch (pe) {
        detail = `; after decompressing what is there: ${(pe as Error).message.replace(`readIdx: ${path}: `, '')}`;
      }
    }
    throw new Error(`readIdx: ${path}: ${why}${detail}`, { cause: e });
  }
  if (!header || !out) return head; // too short for a header: parseIdx names what is missing
  if (got > out.length) {
    throw new Error(
      `readIdx: ${path}: data size mismatch (file has extra trailing bytes): the header declares shape [${header.shape.join(', ')}], ` +
        `i.e. ${header.size} data bytes (file size ${out.length}), but the gzip stream decompresses to more; stopped after ${got} bytes`,
    );
  }
  return got === out.length ? out : out.subarray(0, got);
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
