/**
 * Getting CIFAR-10 onto disk: a minimal tar reader/writer (512-byte headers, ustar / GNU long names /
 * pax paths), `.tar.gz` extraction, and `downloadCifar10(dir)`, which fetches the official binary
 * release, checks its MD5 and unpacks it — and does nothing when the files are already there.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CIFAR10_ARCHIVE, CIFAR10_MD5, CIFAR10_URL, findCifar10Bins } from './cifar10.js';

const BLOCK = 512;

/** One member of a tar archive. */
export interface TarEntry {
  /** Path inside the archive (`dir/file`). */
  name: string;
  /** Regular file, directory, or anything else (links, devices: not extracted). */
  type: 'file' | 'directory' | 'other';
  /** The file's bytes (a view into the archive; empty for directories). */
  data: Uint8Array;
}

function str(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const end = s.indexOf(0);
  return Buffer.from(end < 0 ? s : s.subarray(0, end)).toString('utf8');
}

function num(b: Uint8Array, off: number, len: number): number {
  if (b[off] & 0x80) {
    // GNU base-256: big-endian, first byte's top bit is the marker.
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxPath(data: Uint8Array): string | undefined {
  const text = Buffer.from(data).toString('utf8');
  for (const rec of text.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(rec);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Parse an (uncompressed) tar archive into its entries.
 * @throws Error naming `name` and the byte offset for a bad header checksum or a truncated member.
 */
export function readTar(bytes: Uint8Array, name = '<tar>'): TarEntry[] {
  const out: TarEntry[] = [];
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= bytes.length; ) {
    const h = bytes.subarray(off, off + BLOCK);
    if (h.every((v) => v === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    const stored = num(h, 148, 8);
    if (stored !== sum) throw new Error(`readTar: ${name}: bad header checksum at byte offset ${off} (stored ${stored}, computed ${sum}); not a tar file or corrupt`);
    const size = num(h, 124, 12);
    const flag = String.fromCharCode(h[156] || 0x30);
    const start = off + BLOCK;
    if (start + size > bytes.length) throw new Error(`readTar: ${name}: member at byte offset ${off} needs ${size} bytes but the archive ends after ${bytes.length - start}`);
    const data = bytes.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') longName = str(data, 0, data.length);
    else if (flag === 'x') longName = paxPath(data) ?? longName;
    else if (flag !== 'g') {
      const prefix = str(h, 257, 6) === 'ustar' ? str(h, 345, 155) : '';
      const path = longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
      longName = undefined;
      const type = flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : 'other';
      out.push({ name: path, type, data: type === 'file' ? data : new Uint8Array(0) });
    }
  }
  return out;
}

/**
 * Write regular files as a ustar archive (for test fixtures and small bundles).
 * @throws RangeError if a name is longer than 100 bytes.
 */
export function writeTar(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    const h = new Uint8Array(BLOCK);
    const put = (s: string, off: number): void => void h.set(Buffer.from(s, 'utf8'), off);
    if (Buffer.byteLength(f.name) > 100) throw new RangeError(`writeTar: name longer than 100 bytes: ${f.name}`);
    put(f.name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(f.data.length.toString(8).padStart(11, '0') + '\0', 124);
    put('00000000000\0', 136);
    put('        ', 148);
    put('0', 156);
    put('ustar\0' + '00', 257);
    const sum = h.reduce((a, b) => a + b, 0);
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    parts.push(h, f.data, new Uint8Array((BLOCK - (f.data.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(parts);
}

/**
 * Unpack the regular files of a `.tar.gz` (or plain `.tar`) held in `bytes` into `dest`, keeping
 * their paths; returns the written paths. Each file is written to a temporary name then renamed,
 * so an interrupted run never leaves a half-written file under its real name.
 * @throws Error for a corrupt archive or a member path that would escape `dest`.
 */
export async function extractTarGz(bytes: Uint8Array, dest: string, opts: { filter?: (name: string) => boolean } = {}): Promise<string[]> {
  const tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const written: string[] = [];
  for (const e of readTar(tar)) {
    if (e.type !== 'file' || (opts.filter && !opts.filter(e.name))) continue;
    const rel = normalize(e.name);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`extractTarGz: refusing member path outside ${dest}: ${e.name}`);
    const path = join(dest, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.part`, e.data);
    await rename(`${path}.part`, path);
    written.push(path);
  }
  return written;
}

/** What `downloadCifar10` needs of `fetch` (the global one fits; tests pass a stub). */
export type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; statusText: string; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Options of `downloadCifar10`. */
export interface DownloadCifar10Options {
  /** Archive URL (default `CIFAR10_URL`). */
  url?: string;
  /** Expected MD5 of the archive (default `CIFAR10_MD5`; `null` skips the check). */
  md5?: string | null;
  /** The fetch to use (default the global `fetch`). */
  fetch?: FetchLike;
  /** Progress messages (default: none). */
  log?: (msg: string) => void;
  /** Also save the downloaded archive as `<dir>/cifar-10-binary.tar.gz` (default false). */
  keepArchive?: boolean;
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Make sure the CIFAR-10 binary files are in `dir` and return the folder holding them
 * (`<dir>/cifar-10-batches-bin`, or `dir` itself when the files sit there). Idempotent: when valid
 * files are already present nothing is fetched. Otherwise a `<dir>/cifar-10-binary.tar.gz` placed
 * there by hand is used, else the archive is downloaded; its MD5 is checked before unpacking.
 * @throws Error saying where to put the files when there is no network, or naming the MD5 mismatch.
 */
export async function downloadCifar10(dir: string, opts: DownloadCifar10Options = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const found = await findCifar10Bins(dir);
  if (found) {
    log(`downloadCifar10: CIFAR-10 already in ${found}`);
    return found;
  }
  const url = opts.url ?? CIFAR10_URL;
  const want = opts.md5 === undefined ? CIFAR10_MD5 : opts.md5;
  const local = join(dir, CIFAR10_ARCHIVE);
  let bytes: Uint8Array;
  let from: string;
  if (await exists(local)) {
    bytes = await readFile(local);
    from = local;
  } else {
    const doFetch = opts.fetch ?? (globalThis.fetch as FetchLike);
    log(`downloadCifar10: downloading ${url} …`);
    try {
      const res = await doFetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new Error(
        `downloadCifar10: cannot download ${url}: ${(e as Error).message}. Without a network, get ${CIFAR10_ARCHIVE} ` +
          `elsewhere and put it in ${dir} (it is then unpacked without downloading), or unpack it yourself so that ` +
          `${join(dir, 'cifar-10-batches-bin', 'data_batch_1.bin')} … test_batch.bin exist.`,
        { cause: e },
      );
    }
    from = url;
  }
  const got = md5(bytes);
  if (want !== null && got !== want) {
    throw new Error(`downloadCifar10: ${from} (${bytes.length} bytes) has MD5 ${got}, expected ${want}; the archive is incomplete or not the CIFAR-10 binary release${from === local ? ' — delete it and retry' : ''}`);
  }
  await mkdir(dir, { recursive: true });
  if (opts.keepArchive && from !== local) await writeFile(local, bytes);
  log(`downloadCifar10: unpacking ${bytes.length} bytes into ${dir}`);
  await extractTarGz(bytes, dir);
  const ready = await findCifar10Bins(dir);
  if (!ready) throw new Error(`downloadCifar10: unpacked ${from} into ${dir} but the CIFAR-10 .bin files are not there; is it the binary release (${CIFAR10_URL})?`);
  return ready;
}
