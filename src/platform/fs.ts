/**
 * The file system, as tfai's modules use it: Node's `fs` (promises and the few synchronous calls).
 * Each function calls through Node's own `fs` / `fs.promises` objects when it runs, so a test that
 * wraps one of those (a full disk, a read-only mount) reaches tfai's file code. In a browser build
 * `fs.browser.ts` takes this module's place: the page's files, in IndexedDB.
 */
import fsNode, { promises as fsp } from 'node:fs';

export type { FileHandle } from 'node:fs/promises';
export type { Dirent, WriteStream } from 'node:fs';

type Fn = (...args: unknown[]) => unknown;
/** `fs.promises[name]`, looked up at each call. */
const viaPromises = <K extends keyof typeof fsp>(name: K): (typeof fsp)[K] => ((...args: unknown[]) => (fsp[name] as Fn)(...args)) as (typeof fsp)[K];
/** `fs[name]`, looked up at each call. */
const viaFs = <K extends keyof typeof fsNode>(name: K): (typeof fsNode)[K] => ((...args: unknown[]) => (fsNode[name] as Fn)(...args)) as (typeof fsNode)[K];

export const access = viaPromises('access');
export const appendFile = viaPromises('appendFile');
export const link = viaPromises('link');
export const lstat = viaPromises('lstat');
export const mkdir = viaPromises('mkdir');
export const mkdtemp = viaPromises('mkdtemp');
export const open = viaPromises('open');
export const readdir = viaPromises('readdir');
export const readFile = viaPromises('readFile');
export const realpath = viaPromises('realpath');
export const rename = viaPromises('rename');
export const rm = viaPromises('rm');
export const stat = viaPromises('stat');
export const unlink = viaPromises('unlink');
export const writeFile = viaPromises('writeFile');
export const createReadStream = viaFs('createReadStream');
export const createWriteStream = viaFs('createWriteStream');
export const existsSync = viaFs('existsSync');
export const readFileSync = viaFs('readFileSync');
export const statSync = viaFs('statSync');
export const unlinkSync = viaFs('unlinkSync');
