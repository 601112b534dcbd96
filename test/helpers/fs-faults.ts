/**
 * Inject file-system failures (disk full, read-only) into tfai's own file code, in process: the
 * `node:fs` promise functions it calls are wrapped so that calls on paths under `prefix` fail with
 * `code`, as the kernel would report them. `restore()` puts the real functions back.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { vi } from 'vitest';

/** A Node-style system error. */
export function sysError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied' };
  const e: NodeJS.ErrnoException = new Error(`${code}: ${messages[code] ?? code}, ${syscall} '${path}'`);
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  return e;
}

/**
 * Make every write under `prefix` fail with EROFS: creating files and folders, writing, renaming,
 * linking and removing — what a read-only mount does. Reads still work.
 */
export function readOnly(prefix: string): () => void {
  const spies = (['mkdir', 'writeFile', 'rename', 'link', 'rm', 'unlink', 'rmdir'] as const).map((name) => {
    const real = fsp[name] as (...a: unknown[]) => Promise<unknown>;
    return vi.spyOn(fsp, name).mockImplementation((async (...args: unknown[]) => {
      // as on a real read-only mount, `mkdir -p` of a folder that exists succeeds
      const mkdirExisting = name === 'mkdir' && typeof args[0] === 'string' && existsSync(args[0]);
      if (!mkdirExisting && args.some((a) => typeof a === 'string' && a.startsWith(prefix))) throw sysError('EROFS', name, String(args[0]));
      return real.apply(fsp, args);
    }) as never);
  });
  const realOpen = fsp.open;
  spies.push(
    vi.spyOn(fsp, 'open').mockImplementation((async (file: string, flags?: string, mode?: number) => {
      if (typeof file === 'string' && file.startsWith(prefix) && flags && /[wax+]/.test(flags)) throw sysError('EROFS', 'open', file);
      return realOpen(file, flags, mode);
    }) as never) as never,
  );
  return () => spies.forEach((s) => s.mockRestore());
}

/** A switchable full disk: while `full` is true, writing file contents under its prefix fails. */
export type DiskFull = { full: boolean; restore(): void };

/**
 * Make writes of file contents under `prefix` fail with ENOSPC while `.full` is true (files are
 * still created, as on a real full disk, then the write fails).
 */
export function diskFull(prefix: string): DiskFull {
  const state = { full: false };
  const realOpen = fsp.open;
  const spy = vi.spyOn(fsp, 'open').mockImplementation((async (file: string, flags?: string, mode?: number) => {
    const fh = await realOpen(file, flags, mode);
    if (typeof file !== 'string' || !file.startsWith(prefix) || !flags || !/[wax+]/.test(flags) || !state.full) return fh;
    fh.writeFile = async () => {
      throw sysError('ENOSPC', 'write', file);
    };
    return fh;
  }) as never);
  const realWrite = fsp.writeFile;
  const spy2 = vi.spyOn(fsp, 'writeFile').mockImplementation((async (file: unknown, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.startsWith(prefix) && state.full) throw sysError('ENOSPC', 'write', file);
    return (realWrite as (...a: unknown[]) => Promise<void>)(file, ...rest);
  }) as never);
  const realAppend = fsp.appendFile;
  const spy3 = vi.spyOn(fsp, 'appendFile').mockImplementation((async (file: unknown, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.startsWith(prefix) && state.full) throw sysError('ENOSPC', 'write', file);
    return (realAppend as (...a: unknown[]) => Promise<void>)(file, ...rest);
  }) as never);
  return {
    get full() {
      return state.full;
    },
    set full(v: boolean) {
      state.full = v;
    },
    restore() {
      spy.mockRestore();
      spy2.mockRestore();
      spy3.mockRestore();
    },
  };
}
