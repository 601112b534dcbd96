/**
 * The page's files (the browser's `fs.ts`): a small file system in the page's IndexedDB (database
 * `tfai-files`), so that what tfai writes to files — `learn.save('models/mnist.safetensors')`,
 * checkpoint folders, CSV logs — works in a tab as in Node and stays there across reloads. Paths
 * are POSIX paths from `/` (a relative path starts there). Each call is one IndexedDB transaction,
 * so a rename of a folder, the step that makes a checkpoint current, is atomic as on a disk.
 *
 * The asynchronous calls tfai uses are here, with Node's error codes (`ENOENT`, `EEXIST`,
 * `ENOTDIR`, `EISDIR`, `ENOTEMPTY`); the synchronous ones and streams (used only by Node-only code)
 * throw `ENOSYS`. A page gets the bytes out with `fileBlob` / `downloadFile` (`tfai/io`).
 */
import type * as NodeFs from './fs.js';
import { noFileSystem } from './no-file-system.js';

export type { Dirent, FileHandle, WriteStream } from './fs.js';

const DB_NAME = 'tfai-files';
const STORE = 'files';

/** What the store holds under a path: a folder, or a file's bytes and modification time. */
type Entry = { dir: true; mtime: number } | { dir: false; data: Uint8Array; mtime: number };

/** A Node-style error: `ENOENT: no such file or directory, open 'x'`, with `code`, `syscall` and `path`. */
function fsError(code: string, syscall: string, path: string): Error {
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EEXIST: 'file already exists',
    ENOTDIR: 'not a directory',
    EISDIR: 'illegal operation on a directory',
    ENOTEMPTY: 'directory not empty',
    EINVAL: 'invalid argument',
  };
  return Object.assign(new Error(`${code}: ${words[code] ?? code}, ${syscall} '${path}'`), { code, syscall, path });
}

/** `p` as an absolute normalized path (`/a/b`; relative paths start at `/`). */
function abs(p: unknown, syscall: string): string {
  const s = p instanceof URL ? p.pathname : String(p);
  if (typeof p !== 'string' && !(p instanceof URL)) throw Object.assign(new TypeError(`${syscall}: the path must be a string, got ${typeof p}`), { code: 'ERR_INVALID_ARG_TYPE' });
  const parts: string[] = [];
  for (const part of s.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';
/** The key range of everything below folder `p`. */
const below = (p: string): IDBKeyRange => (p === '/' ? IDBKeyRange.bound('/', '/\uffff', true) : IDBKeyRange.bound(`${p}/`, `${p}/\uffff`));

let opened: Promise<IDBDatabase> | undefined;
function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(noFileSystem('open'));
      return;
    }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

/** A request as a promise (awaited inside its transaction, which stays active meanwhile). */
function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The operations of one transaction. */
type Tx = {
  get(p: string): Promise<Entry | undefined>;
  put(p: string, e: Entry): void;
  del(p: string | IDBKeyRange): void;
  keysBelow(p: string): Promise<string[]>;
};

/** Run `fn` in one transaction; resolves with its result once the transaction has committed. */
async function transaction<T>(mode: IDBTransactionMode, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const db = await database();
  const t = db.transaction(STORE, mode);
  const store = t.objectStore(STORE);
  const committed = new Promise<void>((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onabort = () => reject(t.error ?? new Error('the IndexedDB transaction was aborted'));
  });
  const tx: Tx = {
    get: async (p) => (p === '/' ? { dir: true, mtime: 0 } : ((await done(store.get(p))) as Entry | undefined)),
    put: (p, e) => void store.put(e, p),
    del: (p) => void store.delete(p),
    keysBelow: async (p) => (await done(store.getAllKeys(below(p)))) as string[],
  };
  let result: T;
  try {
    result = await fn(tx);
  } catch (e) {
    try {
      t.abort();
    } catch {
      // already finished
    }
    await committed.catch(() => {});
    throw e;
  }
  await committed;
  return result;
}

/** The folder `dir` must exist (for creating something in it). */
async function needDir(tx: Tx, dir: string, syscall: string, path: string): Promise<void> {
  const e = await tx.get(dir);
  if (!e) throw fsError('ENOENT', syscall, path);
  if (!e.dir) throw fsError('ENOTDIR', syscall, path);
}

function toBytes(data: unknown, encoding?: string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data.slice();
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  throw Object.assign(new TypeError(`writeFile: data must be a string, Uint8Array or ArrayBuffer, got ${typeof data}${encoding ? ` (${encoding})` : ''}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

function encodingOf(opts: unknown): string | undefined {
  if (typeof opts === 'string') return opts;
  if (opts && typeof opts === 'object' && typeof (opts as { encoding?: unknown }).encoding === 'string') return (opts as { encoding: string }).encoding;
  return undefined;
}

function flagOf(opts: unknown, fallback: string): string {
  return opts && typeof opts === 'object' && typeof (opts as { flag?: unknown }).flag === 'string' ? (opts as { flag: string }).flag : fallback;
}

/** What `stat` answers: the fields and methods of Node's `Stats` that tfai reads. */
function stats(e: Entry): NodeFs.Dirent & { size: number; mtimeMs: number; mtime: Date } {
  const size = e.dir ? 0 : e.data.length;
  return {
    name: '',
    parentPath: '',
    path: '',
    size,
    mtimeMs: e.mtime,
    mtime: new Date(e.mtime),
    isFile: () => !e.dir,
    isDirectory: () => e.dir,
    isSymbolicLink: () => false,
    isBlockDevice: () => false,
    isCharacterDevice: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  } as unknown as NodeFs.Dirent & { size: number; mtimeMs: number; mtime: Date };
}

async function statImpl(path: unknown, syscall = 'stat'): Promise<ReturnType<typeof stats>> {
  const p = abs(path, syscall);
  const e = await transaction('readonly', (tx) => tx.get(p));
  if (!e) throw fsError('ENOENT', syscall, p);
  return stats(e);
}

async function readImpl(path: unknown, opts?: unknown): Promise<Uint8Array | string> {
  const p = abs(path, 'open');
  const e = await transaction('readonly', (tx) => tx.get(p));
  if (!e) throw fsError('ENOENT', 'open', p);
  if (e.dir) throw fsError('EISDIR', 'read', p);
  const enc = encodingOf(opts);
  return enc ? new TextDecoder().decode(e.data) : e.data.slice();
}

async function writeImpl(path: unknown, data: unknown, opts: unknown, append: boolean): Promise<void> {
  const p = abs(path, 'open');
  const bytes = toBytes(data, encodingOf(opts));
  const flag = flagOf(opts, append ? 'a' : 'w');
  await transaction('readwrite', async (tx) => {
    if (p === '/') throw fsError('EISDIR', 'open', p);
    await needDir(tx, parentOf(p), 'open', p);
    const e = await tx.get(p);
    if (e?.dir) throw fsError('EISDIR', 'open', p);
    if (e && flag.includes('x')) throw fsError('EEXIST', 'open', p);
    const before = append && e ? e.data : new Uint8Array(0);
    const out = new Uint8Array(before.length + bytes.length);
    out.set(before);
    out.set(bytes, before.length);
    tx.put(p, { dir: false, data: out, mtime: Date.now() });
  });
}

async function mkdirImpl(path: unknown, opts?: unknown): Promise<string | undefined> {
  const p = abs(path, 'mkdir');
  const recursive = typeof opts === 'object' && opts !== null && (opts as { recursive?: boolean }).recursive === true;
  return transaction('readwrite', async (tx) => {
    if (!recursive) {
      if (await tx.get(p)) throw fsError('EEXIST', 'mkdir', p);
      await needDir(tx, parentOf(p), 'mkdir', p);
      tx.put(p, { dir: true, mtime: Date.now() });
      return undefined;
    }
    let first: string | undefined;
    let at = '';
    for (const part of p.split('/').filter(Boolean)) {
      at = `${at}/${part}`;
      const e = await tx.get(at);
      if (e && !e.dir) throw fsError(at === p ? 'EEXIST' : 'ENOTDIR', 'mkdir', p);
      if (!e) {
        tx.put(at, { dir: true, mtime: Date.now() });
        first ??= at;
      }
    }
    return first;
  });
}

async function readdirImpl(path: unknown, opts?: unknown): Promise<string[] | NodeFs.Dirent[]> {
  const p = abs(path, 'scandir');
  const withTypes = typeof opts === 'object' && opts !== null && (opts as { withFileTypes?: boolean }).withFileTypes === true;
  return transaction('readonly', async (tx) => {
    const e = await tx.get(p);
    if (!e) throw fsError('ENOENT', 'scandir', p);
    if (!e.dir) throw fsError('ENOTDIR', 'scandir', p);
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = (await tx.keysBelow(p)).map((k) => k.slice(prefix.length)).filter((n) => n && !n.includes('/')).sort();
    if (!withTypes) return names;
    const out: NodeFs.Dirent[] = [];
    for (const name of names) out.push(Object.assign(stats((await tx.get(prefix + name))!), { name, parentPath: p, path: p }));
    return out;
  });
}

async function renameImpl(from: unknown, to: unknown): Promise<void> {
  const a = abs(from, 'rename');
  const b = abs(to, 'rename');
  await transaction('readwrite', async (tx) => {
    const e = await tx.get(a);
    if (!e || a === '/') throw fsError('ENOENT', 'rename', a);
    if (a === b) return;
    if (b.startsWith(`${a}/`)) throw fsError('EINVAL', 'rename', a);
    await needDir(tx, parentOf(b), 'rename', b);
    const target = await tx.get(b);
    if (!e.dir) {
      if (target?.dir) throw fsError('EISDIR', 'rename', b);
      tx.put(b, e);
      tx.del(a);
      return;
    }
    if (target && !target.dir) throw fsError('ENOTDIR', 'rename', b);
    if (target && (await tx.keysBelow(b)).length) throw fsError('ENOTEMPTY', 'rename', b);
    const keys = await tx.keysBelow(a);
    const entries = await Promise.all(keys.map((k) => tx.get(k)));
    tx.del(a);
    tx.del(below(a));
    tx.put(b, e);
    keys.forEach((k, i) => tx.put(b + k.slice(a.length), entries[i]!));
  });
}

async function rmImpl(path: unknown, opts?: unknown): Promise<void> {
  const p = abs(path, 'rm');
  const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { recursive?: boolean; force?: boolean };
  await transaction('readwrite', async (tx) => {
    const e = await tx.get(p);
    if (!e) {
      if (o.force) return;
      throw fsError('ENOENT', 'rm', p);
    }
    if (e.dir) {
      if (!o.recursive) throw Object.assign(fsError('EISDIR', 'rm', p), { code: 'ERR_FS_EISDIR' });
      if (p === '/') throw fsError('EINVAL', 'rm', p);
      tx.del(below(p));
    }
    tx.del(p);
  });
}

async function unlinkImpl(path: unknown): Promise<void> {
  const p = abs(path, 'unlink');
  await transaction('readwrite', async (tx) => {
    const e = await tx.get(p);
    if (!e) throw fsError('ENOENT', 'unlink', p);
    if (e.dir) throw fsError('EISDIR', 'unlink', p);
    tx.del(p);
  });
}

async function linkImpl(from: unknown, to: unknown): Promise<void> {
  const a = abs(from, 'link');
  const b = abs(to, 'link');
  await transaction('readwrite', async (tx) => {
    const e = await tx.get(a);
    if (!e) throw fsError('ENOENT', 'link', a);
    if (e.dir) throw fsError('EPERM', 'link', a);
    if (await tx.get(b)) throw fsError('EEXIST', 'link', b);
    await needDir(tx, parentOf(b), 'link', b);
    tx.put(b, { ...e, data: e.data.slice() });
  });
}

/** A file handle: reads and writes go to the store at once; `sync` and `close` have nothing left to do. */
async function openImpl(path: unknown, flags: unknown = 'r'): Promise<NodeFs.FileHandle> {
  const p = abs(path, 'open');
  const f = String(flags);
  const e = await transaction('readonly', (tx) => tx.get(p));
  if (f.startsWith('r')) {
    if (!e) throw fsError('ENOENT', 'open', p);
  } else {
    if (e && f.includes('x')) throw fsError('EEXIST', 'open', p);
    if (e?.dir) throw fsError('EISDIR', 'open', p);
    if (!e || f.startsWith('w')) await writeImpl(p, new Uint8Array(0), { flag: 'w' }, false);
  }
  const handle = {
    fd: -1,
    writeFile: (data: unknown) => writeImpl(p, data, { flag: 'w' }, false),
    appendFile: (data: unknown) => writeImpl(p, data, { flag: 'a' }, true),
    readFile: (opts?: unknown) => readImpl(p, opts),
    read: async (buffer: Uint8Array, offset = 0, length = buffer.length - offset, position = 0) => {
      const data = (await readImpl(p)) as Uint8Array;
      const part = data.subarray(position ?? 0, (position ?? 0) + length);
      buffer.set(part, offset);
      return { bytesRead: part.length, buffer };
    },
    stat: () => statImpl(p, 'fstat'),
    sync: async () => {},
    datasync: async () => {},
    close: async () => {},
  };
  return handle as unknown as NodeFs.FileHandle;
}

function syncCall(op: string) {
  return (path?: unknown): never => {
    throw Object.assign(new Error(`${op}${typeof path === 'string' ? ` '${path}'` : ''}: a page's files can only be read and written asynchronously`), { code: 'ENOSYS' });
  };
}

export const access: typeof NodeFs.access = async (path) => {
  await statImpl(path, 'access');
};
export const appendFile: typeof NodeFs.appendFile = (path, data, opts) => writeImpl(path, data, opts, true);
export const link: typeof NodeFs.link = linkImpl;
export const lstat = ((path: unknown) => statImpl(path, 'lstat')) as unknown as typeof NodeFs.lstat;
export const mkdir = mkdirImpl as unknown as typeof NodeFs.mkdir;
export const mkdtemp = (async (prefix: string) => {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const name = `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => chars[b % chars.length]).join('')}`;
  await mkdirImpl(name);
  return name.startsWith('/') ? name : abs(name, 'mkdtemp');
}) as unknown as typeof NodeFs.mkdtemp;
export const open = openImpl as unknown as typeof NodeFs.open;
export const readdir = readdirImpl as unknown as typeof NodeFs.readdir;
export const realpath = (async (path: unknown) => {
  const p = abs(path, 'realpath');
  await statImpl(p, 'realpath');
  return p;
}) as unknown as typeof NodeFs.realpath;
export const readFile = readImpl as unknown as typeof NodeFs.readFile;
export const rename: typeof NodeFs.rename = renameImpl;
export const rm: typeof NodeFs.rm = rmImpl;
export const stat = ((path: unknown) => statImpl(path)) as unknown as typeof NodeFs.stat;
export const unlink: typeof NodeFs.unlink = unlinkImpl;
export const writeFile = ((path: unknown, data: unknown, opts?: unknown) => writeImpl(path, data, opts, false)) as unknown as typeof NodeFs.writeFile;
export const createReadStream: typeof NodeFs.createReadStream = syncCall('createReadStream') as unknown as typeof NodeFs.createReadStream;
export const createWriteStream: typeof NodeFs.createWriteStream = syncCall('createWriteStream') as unknown as typeof NodeFs.createWriteStream;
export const existsSync: typeof NodeFs.existsSync = () => false;
export const readFileSync: typeof NodeFs.readFileSync = syncCall('readFileSync') as unknown as typeof NodeFs.readFileSync;
export const statSync: typeof NodeFs.statSync = syncCall('statSync') as unknown as typeof NodeFs.statSync;
export const unlinkSync: typeof NodeFs.unlinkSync = syncCall('unlinkSync');
