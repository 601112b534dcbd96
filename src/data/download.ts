/**
 * Getting CIFAR-10 onto disk: `downloadCifar10(dir)` fetches the official binary release, checks
 * its MD5 and unpacks it (see `./tar.ts`) — and does nothing when the files are already there. The
 * download is streamed to a temporary file while its MD5 is computed, so the archive is never held
 * in memory whole.
 */
import { createHash, randomHex } from '../platform/crypto.js';
import { createReadStream } from '../platform/fs.js';
import { mkdir, open, rename, rm, stat } from '../platform/fs.js';
import { join } from '../platform/path.js';
import { CIFAR10_ARCHIVE, CIFAR10_MD5, CIFAR10_URL, findCifar10Bins } from './cifar10.js';
import { extractTarGz } from './tar.js';
import { pid } from '../platform/process.js';

/**
 * What `downloadCifar10` needs of `fetch` (the global one fits; tests pass a stub). When the
 * response has a `body` stream it is streamed to disk; otherwise `arrayBuffer()` is read.
 */
export type FetchLike = (url: string) => Promise<{
  /** Whether the status is 2xx. */
  ok: boolean;
  /** The HTTP status. */
  status: number;
  /** The HTTP status text. */
  statusText: string;
  /** The whole body. */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** The body as a stream of chunks, when available (streamed to disk). */
  body?: AsyncIterable<Uint8Array> | null;
}>;

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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** MD5 of a file, streamed. */
async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Save a response's body to `file` (streamed when it has a body stream); returns its size and MD5. */
async function saveBody(res: Awaited<ReturnType<FetchLike>>, file: string): Promise<{ bytes: number; md5: string }> {
  const h = createHash('md5');
  let bytes = 0;
  const fh = await open(file, 'wx');
  try {
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = res.body ?? [new Uint8Array(await res.arrayBuffer())];
    for await (const chunk of chunks) {
      h.update(chunk);
      bytes += chunk.length;
      await fh.write(chunk);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, md5: h.digest('hex') };
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
  let archive: string;
  let from: string;
  let got: { bytes: number; md5: string };
  let downloaded: string | null = null;
  if (await exists(local)) {
    archive = local;
    from = local;
    got = { bytes: (await stat(local)).size, md5: await md5File(local) };
  } else {
    const doFetch = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
    log(`downloadCifar10: downloading ${url} …`);
    await mkdir(dir, { recursive: true });
    downloaded = join(dir, `.tfai-tmp-${CIFAR10_ARCHIVE}-${pid()}-${randomHex(4)}`);
    try {
      const res = await doFetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      got = await saveBody(res, downloaded);
    } catch (e) {
      await rm(downloaded, { force: true });
      throw new Error(
        `downloadCifar10: cannot download ${url}: ${(e as Error).message}. Without a network, get ${CIFAR10_ARCHIVE} ` +
          `elsewhere and put it in ${dir} (it is then unpacked without downloading), or unpack it yourself so that ` +
          `${join(dir, 'cifar-10-batches-bin', 'data_batch_1.bin')} … test_batch.bin exist.`,
        { cause: e },
      );
    }
    archive = downloaded;
    from = url;
  }
  try {
    if (want !== null && got.md5 !== want) {
      throw new Error(`downloadCifar10: ${from} (${got.bytes} bytes) has MD5 ${got.md5}, expected ${want}; the archive is incomplete or not the CIFAR-10 binary release${from === local ? ' — delete it and retry' : ''}`);
    }
    log(`downloadCifar10: unpacking ${got.bytes} bytes into ${dir}`);
    await extractTarGz(archive, dir);
    if (downloaded && opts.keepArchive) {
      await rename(downloaded, local);
      downloaded = null;
    }
  } finally {
    if (downloaded) await rm(downloaded, { force: true });
  }
  const ready = await findCifar10Bins(dir);
  if (!ready) throw new Error(`downloadCifar10: unpacked ${from} into ${dir} but the CIFAR-10 .bin files are not there; is it the binary release (${CIFAR10_URL})?`);
  return ready;
}
