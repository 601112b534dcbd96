/**
 * Creating the folder a writer needs, with a failure in words: a path through a file names that
 * file (`'runs' is a file, not a folder`) instead of Node's bare `EEXIST` / `ENOTDIR` from `mkdir`,
 * and other failures say why (read-only, no permission, …).
 */
import * as fs from '../platform/fs.js';
import * as path from '../platform/path.js';
import { describeFsError } from './fs-errors.js';
import { cwd } from '../platform/process.js';

/** The first existing component of `p` (from the root down, `p` included) that is not a folder, or null. */
export async function fileInPath(p: string): Promise<string | null> {
  const full = path.resolve(p);
  const parts = full.split(path.sep);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join(path.sep) || path.sep;
    const st = await fs.stat(prefix).catch(() => null);
    if (!st) return null;
    if (!st.isDirectory()) return path.isAbsolute(p) ? prefix : path.relative(cwd(), prefix); // as the caller wrote it
  }
  return null;
}

/**
 * Create folder `dir` and its parents if needed (`mkdir -p`).
 * @throws Error `<who>: cannot create the <what> '<dir>': <why>`, keeping the system's `code` and
 *   the original error as `cause`.
 */
export async function makeDir(dir: string, who: string, what: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const file = code === 'EEXIST' || code === 'ENOTDIR' ? await fileInPath(dir) : null;
    const why = file ? `'${file}' is a file, not a folder (${code}, mkdir)` : describeFsError(e);
    const err: Error & { code?: string } = new Error(`${who}: cannot create the ${what} '${dir}': ${why}`, { cause: e });
    if (code) err.code = code;
    throw err;
  }
}
