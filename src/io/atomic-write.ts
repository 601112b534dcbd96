/**
 * Crash-safe file and folder writes: everything is written under a temporary name in the target's
 * own directory, flushed to disk (`fsync`), then renamed into place, and the directory itself is
 * flushed so the rename survives a power cut. A failure at any point leaves what was there before
 * untouched and removes the temporary.
 *
 * Temporary names come from `crypto.randomBytes`, never from the seeded RNG, so saving a checkpoint
 * does not change the random stream a run depends on.
 */
import * as fs from '../platform/fs.js';
import { randomHex } from '../platform/crypto.js';
import * as path from '../platform/path.js';
import { fsFailure } from './fs-errors.js';
import { pid } from '../platform/process.js';

/** Contents a file can be written from. */
export type FileContents = Uint8Array | string;

/** Prefix of every temporary file or folder made here (left-overs of a crash can be removed by it). */
export const TEMP_PREFIX = '.tfai-tmp-';

/** A fresh temporary name beside `target` (same directory, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `${TEMP_PREFIX}${path.basename(target)}-${pid()}-${randomHex(4)}`);
}

/**
 * Write `data` to `file` and flush it to disk before returning. The file must not exist yet.
 * Failures name `shown` (the file's final path, not the temporary's) and the step.
 */
async function writeAndSync(file: string, data: FileContents, shown: string): Promise<void> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'wx');
  } catch (e) {
    throw fsFailure('creating', shown, e);
  }
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    throw fsFailure('writing', shown, e);
  } finally {
    await fh.close();
  }
}

/**
 * Flush a directory's entries (renames, new files) to disk. Platforms that cannot open a directory
 * for syncing (Windows) are skipped silently.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await fh?.close();
  }
}

/**
 * Replace `file` with `data` atomically: readers see either the old contents or the new, never a
 * partial file, and a failed write leaves the old file as it was.
 */
export async function writeFileAtomic(file: string, data: FileContents): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    await writeAndSync(tmp, data, file);
    await fs.rename(tmp, file).catch((e: unknown) => {
      throw fsFailure('replacing', file, e);
    });
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/**
 * Create the folder `dir` holding `files` (name → contents) atomically: the files are written and
 * flushed in a temporary folder beside it, which is then renamed to `dir`. `dir` must not exist
 * (an existing folder is never replaced). Returns `dir`.
 */
export async function writeDirAtomic(dir: string, files: Record<string, FileContents>): Promise<string> {
  for (const name of Object.keys(files)) {
    if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`writeDirAtomic: file name '${name}' must be a plain name (no folders, not hidden)`);
  }
  const tmp = tempPathFor(dir);
  await fs.mkdir(tmp).catch((e: unknown) => {
    throw fsFailure('creating a folder for', dir, e);
  });
  try {
    for (const [name, data] of Object.entries(files)) await writeAndSync(path.join(tmp, name), data, path.join(dir, name));
    await fsyncDir(tmp);
    // rename(2) onto an existing non-empty folder fails (ENOTEMPTY / EEXIST); check first so an empty
    // folder of that name is not silently replaced either.
    if (await exists(dir)) throw new Error(`writeDirAtomic: '${dir}' already exists; it is never overwritten`);
    await fs.rename(tmp, dir).catch((e: unknown) => {
      throw fsFailure('moving into place', dir, e);
    });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await fsyncDir(path.dirname(dir));
  return dir;
}

/** Whether `p` exists (file or folder). */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
