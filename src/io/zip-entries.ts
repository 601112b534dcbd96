/**
 * A reader of the zip archives `torch.save` writes: stored (uncompressed) entries found through
 * the central directory (torch writes sizes only there and in data descriptors), zip64 records
 * when present. Entries are views of the file's bytes, never copies or inflations, so an entry
 * cannot be larger than the file: nothing here can be made to allocate more than it was given.
 * Compressed entries are refused, naming the entry; every CRC-32 is checked.
 */
import CRC32 from 'crc-32';

/** One stored entry: its name and its bytes (a view of the archive's bytes). */
export type ZipEntry = { name: string; data: Uint8Array; offset: number };

/** A malformed or unsupported zip archive; the message names the file and the byte offset. */
export class ZipError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'ZipError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** More entries than this is no state dict (ResNet-152 has ~1,000 tensors). */
const MAX_ENTRIES = 1_000_000;

/** Whether `bytes` start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * The stored entries of the zip archive in `bytes`, by name, in central-directory order.
 * @throws ZipError naming `source` and the offset at fault: no end record, an entry outside the
 *   file, a compressed or encrypted entry, a CRC mismatch, a duplicate name.
 */
export function readZipEntries(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const fail = (msg: string): never => {
    throw new ZipError(source, msg);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number, what: string): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} (byte ${at}) is not a plausible size`);
    return Number(v);
  };
  const end = findEndRecord(bytes, view);
  if (end < 0) fail(`not a zip archive: no end-of-central-directory record in the last 64 KB of ${bytes.length} bytes (truncated download?)`);
  let count = u16(end + 10);
  let cdSize = u32(end + 12);
  let cdOffset = u32(end + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = end - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR) fail(`the end record at byte ${end} needs zip64 values but has no zip64 locator before it`);
    const z = u64(loc + 8, 'zip64 end-record offset');
    if (z + 56 > bytes.length || u32(z) !== ZIP64_EOCD) fail(`no zip64 end record at byte ${z} (named by the locator at byte ${loc})`);
    count = u64(z + 32, 'entry count');
    cdSize = u64(z + 40, 'central-directory size');
    cdOffset = u64(z + 48, 'central-directory offset');
  }
  if (count > MAX_ENTRIES) fail(`${count} entries (end record at byte ${end}): more than the ${MAX_ENTRIES} a weights file can have`);
  if (cdOffset + cdSize > bytes.length) fail(`the central directory (bytes ${cdOffset}..${cdOffset + cdSize}) goes beyond the end of the file (${bytes.length} bytes): truncated?`);
  const entries = new Map<string, ZipEntry>();
  const names = new TextDecoder('utf-8');
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== CENTRAL) fail(`central-directory entry ${i} at byte ${p}: bad signature`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let local = u32(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize) fail(`central-directory entry ${i} at byte ${p} runs past the directory`);
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: 8-byte values for the 32-bit fields that hold 0xffffffff, in this order
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff) (usize = u64(q, `size of '${name}'`)), (q += 8);
        if (csize === 0xffffffff) (csize = u64(q, `compressed size of '${name}'`)), (q += 8);
        if (local === 0xffffffff) local = u64(q, `offset of '${name}'`);
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry '${name}' (central directory byte ${p}) is encrypted`);
    if (method !== 0) fail(`entry '${name}' (central directory byte ${p}) is compressed (method ${method}); torch.save writes stored entries: was the file re-zipped?`);
    if (csize !== usize) fail(`entry '${name}' (central directory byte ${p}) is stored but its sizes differ (${csize} vs ${usize})`);
    if (local + 30 > bytes.length || u32(local) !== LOCAL) fail(`entry '${name}': no local header at byte ${local}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + csize > bytes.length) fail(`entry '${name}' (bytes ${start}..${start + csize}) goes beyond the end of the file (${bytes.length} bytes): the file is truncated`);
    const data = bytes.subarray(start, start + csize);
    if ((CRC32.buf(data) >>> 0) !== crc) fail(`entry '${name}' (bytes ${start}..${start + csize}) fails its CRC-32 check: the file is corrupt`);
    if (entries.has(name)) fail(`entry '${name}' appears twice (central directory byte ${p})`);
    entries.set(name, { name, data, offset: start });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The offset of the end-of-central-directory record (searched back over a maximal comment), or -1. */
function findEndRecord(bytes: Uint8Array, view: DataView): number {
  const last = bytes.length - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (bytes[at] === 0x50 && view.getUint32(at, true) === EOCD) return at;
  }
  return -1;
}
