/**
 * The browser's stand-in for `fs.ts`: a page has no file system, so every call fails with an
 * error naming the operation and the path, and what to use in a page instead (weights to
 * IndexedDB or a download, data from URLs, `Blob`s and `File`s).
 */
import type * as NodeFs from './fs.js';
import { noFileSystem } from './no-file-system.js';

function rejects(op: string) {
  return async (path?: unknown): Promise<never> => {
    throw noFileSystem(op, path);
  };
}

function throws(op: string) {
  return (path?: unknown): never => {
    throw noFileSystem(op, path);
  };
}

export const access: typeof NodeFs.access = rejects('access');
export const appendFile: typeof NodeFs.appendFile = rejects('appendFile');
export const link: typeof NodeFs.link = rejects('link');
export const lstat: typeof NodeFs.lstat = rejects('lstat') as typeof NodeFs.lstat;
export const mkdir: typeof NodeFs.mkdir = rejects('mkdir') as typeof NodeFs.mkdir;
export const mkdtemp: typeof NodeFs.mkdtemp = rejects('mkdtemp') as typeof NodeFs.mkdtemp;
export const open: typeof NodeFs.open = rejects('open');
export const readdir: typeof NodeFs.readdir = rejects('readdir') as typeof NodeFs.readdir;
export const readFile: typeof NodeFs.readFile = rejects('readFile') as typeof NodeFs.readFile;
export const rename: typeof NodeFs.rename = rejects('rename');
export const rm: typeof NodeFs.rm = rejects('rm');
export const stat: typeof NodeFs.stat = rejects('stat') as typeof NodeFs.stat;
export const unlink: typeof NodeFs.unlink = rejects('unlink');
export const writeFile: typeof NodeFs.writeFile = rejects('writeFile');
export const createReadStream: typeof NodeFs.createReadStream = throws('createReadStream');
export const createWriteStream: typeof NodeFs.createWriteStream = throws('createWriteStream');
export const existsSync: typeof NodeFs.existsSync = () => false;
export const readFileSync: typeof NodeFs.readFileSync = throws('readFileSync') as typeof NodeFs.readFileSync;
export const statSync: typeof NodeFs.statSync = throws('statSync') as typeof NodeFs.statSync;
export const unlinkSync: typeof NodeFs.unlinkSync = throws('unlinkSync');
export type { Dirent, FileHandle, WriteStream } from './fs.js';
