/**
 * Where Fashion-MNIST's four IDX files live and how to get them: the official names and MD5s,
 * Debian's `dataset-fashion-mnist` folder, `findFashionMnist(dir)` and `downloadFashionMnist(dir)`
 * (checksummed, atomic, idempotent).
 */
import { createHash } from '../platform/crypto.js';
import { mkdir, rename, stat, writeFile } from '../platform/fs.js';
import { join } from '../platform/path.js';
import type { FetchLike } from './download.js';
import { MNIST_FILES } from './mnist-names.js';

/** The class names, in label order (label 0 = `'T-shirt/top'`, …, 9 = `'Ankle boot'`). */
export const FASHION_MNIST_CLASSES: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The folder Debian's `dataset-fashion-mnist` package installs the four `.gz` files into. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** Where `loadFashionMnist()` without `dir` downloads to when the Debian folder is absent (relative to the working directory). */
export const FASHION_MNIST_DEFAULT_DIR = 'data/fashion-mnist';

/** The official download location (the files are `<url><name>.gz`). */
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * MD5 of each official `.gz` file, as published in the dataset's README. Only downloads are
 * checked against them: Debian's package re-compresses the files (same content, other bytes).
 */
export const FASHION_MNIST_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};

/** The four files' base names (the same as MNIST's), each present plain or with `.gz`. */
export const FASHION_MNIST_FILES = MNIST_FILES;

/** Paths of the four files found in a folder. */
export type FashionMnistPaths = Record<keyof typeof MNIST_FILES, string>;

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * The four files in `dir` (each `name` or `name.gz`, plain preferred), or `undefined` unless all
 * four are there. Contents are not read: `loadFashionMnistArrays` checks them.
 */
export async function findFashionMnist(dir: string): Promise<FashionMnistPaths | undefined> {
  const out: Partial<FashionMnistPaths> = {};
  for (const [key, base] of Object.entries(MNIST_FILES) as [keyof typeof MNIST_FILES, string][]) {
    for (const name of [base, `${base}.gz`]) {
      if (await isFile(join(dir, name))) {
        out[key] = join(dir, name);
        break;
      }
    }
    if (!out[key]) return undefined;
  }
  return out as FashionMnistPaths;
}

/**
 * What `dir` holds of the four files, in words, for error messages: `<dir> does not exist`, `dir
 * '<dir>' is a file, not a folder: …`, `no Fashion-MNIST files in <dir>`, or `<dir> has 2 of the 4
 * Fashion-MNIST files (…); missing: …`.
 */
export async function describeFashionMnistDir(dir: string): Promise<string> {
  const st = await stat(dir).catch(() => null);
  if (!st) return `${dir} does not exist`;
  if (!st.isDirectory()) return `dir '${dir}' is a file, not a folder: give the folder that holds the four Fashion-MNIST files`;
  const found: string[] = [];
  const missing: string[] = [];
  for (const base of Object.values(MNIST_FILES)) {
    const name = (await isFile(join(dir, base))) ? base : (await isFile(join(dir, `${base}.gz`))) ? `${base}.gz` : null;
    if (name) found.push(name);
    else missing.push(`${base}(.gz)`);
  }
  if (!found.length) return `no Fashion-MNIST files in ${dir}`;
  return `${dir} has ${found.length} of the 4 Fashion-MNIST files (${found.join(', ')}); missing: ${missing.join(', ')}`;
}

/** How to get the data, for error messages: the apt package, the URL, the download function. */
export function fashionMnistHelp(dir: string): string {
  const names = Object.values(MNIST_FILES).map((b) => `${b}.gz`).join(', ');
  return (
    `Install Debian's package (\`apt-get install dataset-fashion-mnist\`, as root), which puts the files in ${FASHION_MNIST_DEBIAN_DIR}; ` +
    `or, with a network, \`await downloadFashionMnist(${JSON.stringify(dir)})\`; ` +
    `or copy ${names} from ${FASHION_MNIST_URL} into ${dir}.`
  );
}

/** Options of `downloadFashionMnist`. */
export interface DownloadFashionMnistOptions {
  /** Base URL, ending in `/` (default `FASHION_MNIST_URL`). */
  url?: string;
  /** Expected MD5 per `.gz` name (default `FASHION_MNIST_MD5`; `null` skips the checks). */
  md5?: Readonly<Record<string, string>> | null;
  /** The fetch to use (default the global `fetch`). */
  fetch?: FetchLike;
  /** Progress messages (default: none). */
  log?: (msg: string) => void;
}

/**
 * Make sure the four Fashion-MNIST files are in `dir` and return their paths. Idempotent: files
 * already there (plain or `.gz`) are kept and nothing is fetched for them. Each missing file is
 * downloaded as `<url><name>.gz`, its MD5 checked, written to `<name>.gz.part` and renamed, so an
 * interrupted run never leaves a partial file under the real name.
 * @throws Error naming the URL and saying how else to get the data when a download fails, or
 *   naming the file and both checksums on an MD5 mismatch (nothing is written then).
 */
export async function downloadFashionMnist(dir: string, opts: DownloadFashionMnistOptions = {}): Promise<FashionMnistPaths> {
  const log = opts.log ?? (() => {});
  const base = opts.url ?? FASHION_MNIST_URL;
  const sums = opts.md5 === undefined ? FASHION_MNIST_MD5 : opts.md5;
  const doFetch = opts.fetch ?? (globalThis.fetch as FetchLike);
  for (const b of Object.values(MNIST_FILES)) {
    if ((await isFile(join(dir, b))) || (await isFile(join(dir, `${b}.gz`)))) continue;
    const name = `${b}.gz`;
    const url = `${base}${name}`;
    log(`downloadFashionMnist: downloading ${url} …`);
    let bytes: Uint8Array;
    try {
      const res = await doFetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new Error(`downloadFashionMnist: cannot download ${url}: ${(e as Error).message}. ${fashionMnistHelp(dir)}`, { cause: e });
    }
    const want = sums?.[name];
    const got = createHash('md5').update(bytes).digest('hex');
    if (want && got !== want) {
      throw new Error(`downloadFashionMnist: ${url} (${bytes.length} bytes) has MD5 ${got}, expected ${want}; the download is incomplete or not the official file`);
    }
    const path = join(dir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(`${path}.part`, bytes);
    await rename(`${path}.part`, path);
  }
  const found = await findFashionMnist(dir);
  if (!found) throw new Error(`downloadFashionMnist: the files are still missing from ${dir} after downloading; ${fashionMnistHelp(dir)}`);
  return found;
}
