/**
 * File-system failures in words: what was being done, to which path, and why in plain terms (disk
 * full, read-only, no permission …) with the system's code, instead of Node's bare
 * `ENOSPC: no space left on device, write` that names neither the file nor the step.
 */

const HINTS: Record<string, string> = {
  ENOSPC: 'no space left on the device (the disk is full)',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error (a failing disk or a lost network file system?)',
};

/** Why `e` failed, e.g. `the file system is read-only (EROFS, open)`; other errors: their message. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const hint = err?.code ? HINTS[err.code] : undefined;
  if (!hint) return err instanceof Error ? err.message : String(e);
  return `${hint} (${err.code}${err.syscall ? `, ${err.syscall}` : ''})`;
}

/**
 * An error saying `<doing> '<target>' failed: <why>` that keeps the system's `code` (so callers can
 * still test `e.code === 'ENOSPC'`) and the original error as `cause`.
 */
export function fsFailure(doing: string, target: string, e: unknown): Error & { code?: string } {
  const out: Error & { code?: string } = new Error(`${doing} '${target}' failed: ${describeFsError(e)}`, { cause: e });
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code) out.code = code;
  return out;
}
