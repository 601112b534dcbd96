/**
 * Where `loadMnist` finds its files in Node: the embedded digits in the package's `assets/`, and a
 * source that is a directory of IDX files (listed with the file system) or a URL of a folder
 * holding them (fetched). In a browser build `mnist-files.browser.ts` takes this module's place.
 */
import { existsSync, readdir, readFile, stat } from '../platform/fs.js';
import { decodeIdxFile, readIdx, type IdxData } from './idx.js';
import { dirname, join } from '../platform/path.js';
import { fileURLToPath } from 'node:url';
import { fetchBytes, isUrl, mnistUrls } from './fetch-bytes.js';
import { MNIST_FILES } from './mnist-names.js';

/** The embedded digits' files (in `assets/` of the package). */
export const EMBEDDED_MNIST_FILES = {
  images: 'mnist-10k-images-idx3-ubyte.gz',
  labels: 'mnist-10k-labels-idx1-ubyte.gz',
} as const;

/**
 * The package root's `assets/` file `name`: this module sits at `src/data/` in a checkout and at
 * `dist/` or `dist/<entry>/` in a build, so look a few folders up.
 */
function findEmbeddedFile(name: string): string {
  const rel = `assets/${name}`;
  const here = dirname(fileURLToPath(import.meta.url));
  const tried: string[] = [];
  for (let dir = here, up = 0; up < 4; up++, dir = dirname(dir)) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    tried.push(p);
  }
  throw new Error(`loadMnist: source 'embedded' needs ${rel} from the tfai package; not found (looked at ${tried.join(', ')})`);
}

/** The bytes of one of the embedded digits' files, and the path they were read from. */
export async function readEmbeddedFile(kind: keyof typeof EMBEDDED_MNIST_FILES): Promise<{ bytes: Uint8Array; name: string }> {
  const name = findEmbeddedFile(EMBEDDED_MNIST_FILES[kind]);
  return { bytes: await readFileBytes(name), name };
}

/** The IDX file at a path (`readIdx`, with its size checks) or URL (fetched). */
export async function readIdxAt(where: string): Promise<IdxData> {
  return isUrl(where) ? decodeIdxFile(await fetchBytes(where, 'loadMnist'), where) : readIdx(where);
}

/** The bytes of a file. */
async function readFileBytes(where: string): Promise<Uint8Array> {
  try {
    return await readFile(where);
  } catch (e) {
    throw new Error(`readIdx: ${where}: cannot read file: ${(e as Error).message}`, { cause: e });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The four IDX files of `source`: in a directory, each plain or `.gz`; at a URL of a folder, the
 * `.gz` names (a plain file is fetched when the `.gz` one is not there).
 * @throws Error naming the directory and what is missing (and what it holds).
 */
export async function findMnistFiles(source: string): Promise<Record<keyof typeof MNIST_FILES, string>> {
  if (isUrl(source)) return mnistUrls(source);
  let isDir = false;
  try {
    isDir = (await stat(source)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new Error(
      `loadMnist: source '${source}' is not a directory; pass source: 'embedded', a URL, or a directory holding ` +
        `${Object.values(MNIST_FILES).join(', ')} (each plain or .gz)`,
    );
  }
  const found: Partial<Record<keyof typeof MNIST_FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, base] of Object.entries(MNIST_FILES) as [keyof typeof MNIST_FILES, string][]) {
    for (const name of [base, `${base}.gz`]) {
      const p = join(source, name);
      if (await isFile(p)) {
        found[key] = p;
        break;
      }
    }
    if (!found[key]) missing.push(`${base} or ${base}.gz`);
  }
  if (missing.length > 0) {
    let present = '';
    try {
      const names = await readdir(source);
      present = names.length ? ` (the directory contains: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ' (the directory is empty)';
    } catch {
      // ignore
    }
    throw new Error(`loadMnist: missing MNIST file(s) in ${source}: looked for ${missing.join('; ')}${present}`);
  }
  return found as Record<keyof typeof MNIST_FILES, string>;
}
