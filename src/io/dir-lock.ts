/**
 * A lock on a directory, so that two processes (or two fits in one process) never write the same
 * checkpoint directory: `<dir>/.tfai-lock` holds the owner's pid, host, process start time and a
 * random token. It is created atomically with its contents (written to a temporary file, then
 * hard-linked into place, which fails if the lock exists), so nobody ever reads a half-written lock.
 *
 * A lock whose owner is gone is stale and is taken over with a notice: on the same host, a pid that
 * no longer runs (or now belongs to a process started at another time: a reused pid), or a lock of
 * this very process that no live `DirLock` holds (a fit that did not release it). A lock file that
 * names no owner (empty after a crash or a full disk, damaged, foreign) is taken over at once with
 * a notice saying so: a tfai lock is never seen half-written where the file system has hard links. A lock from
 * another host cannot be checked and is never taken over: the error says how to remove it.
 *
 * Release removes the file only if it still holds this lock's token; a process that exits (also
 * through `process.exit`, e.g. a second Ctrl-C) releases its locks on the way out. After `kill -9`
 * the lock stays behind and the next run takes it over.
 */
import * as fs from '../platform/fs.js';
import { readFileSync, unlinkSync } from '../platform/fs.js';
import { randomHex } from '../platform/crypto.js';
import { hostname, onExit, pid } from '../platform/process.js';
import * as path from '../platform/path.js';
import { TEMP_PREFIX, tempPathFor } from './atomic-write.js';
import { describeFsError } from './fs-errors.js';

/** The lock file's name inside the locked directory. */
export const LOCK_FILE = '.tfai-lock';

/** What a lock file holds. */
export type LockOwner = {
  /** The owning process. */
  pid: number;
  /** `hostname()` of the owner. */
  host: string;
  /** The owner's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), when known. */
  start: number | null;
  /** When the lock was taken (ISO time). */
  since: string;
  /** What holds it (e.g. `CheckpointCallback`). */
  by: string;
  /** Random: tells this lock from an earlier one of the same process. */
  token: string;
};

/** Options of `lockDir`. */
export type LockDirOptions = {
  /** Who takes the lock, for the lock file and the messages (e.g. `CheckpointCallback`). */
  by: string;
  /** Where the stale-lock notice goes (default `console.warn`). */
  log?: (line: string) => void;
};

/** Locks this process holds, by lock file (also what the exit handler removes). */
const held = new Map<string, DirLock>();
let exitHandler = false;

/** A held lock on a directory; `release()` it when done (idempotent). */
export class DirLock {
  private live = true;

  /** @internal Use `lockDir`. */
  constructor(
    /** The locked directory. */
    readonly dir: string,
    /** The lock file. */
    readonly file: string,
    /** What the lock file holds. */
    readonly owner: LockOwner,
  ) {}

  /** Whether this lock is still held (not released). */
  get held(): boolean {
    return this.live;
  }

  /** Remove the lock file if it is still this lock's (idempotent). */
  async release(): Promise<void> {
    if (!this.live) return;
    this.live = false;
    held.delete(this.file);
    const current = await readOwner(this.file).catch(() => null);
    if (current?.token === this.owner.token) await fs.rm(this.file, { force: true });
  }

  /** As `release`, synchronously (for the process exit handler). */
  releaseSync(): void {
    if (!this.live) return;
    this.live = false;
    held.delete(this.file);
    try {
      const current = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<LockOwner>;
      if (current.token === this.owner.token) unlinkSync(this.file);
    } catch {
      // gone already, or not ours: nothing to remove
    }
  }
}

/** This process's start time in clock ticks since boot (Linux), or null where `/proc` is absent. */
function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after it
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]); // field 22 overall
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` is running (EPERM: it is, under another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  return parseOwner(await fs.readFile(file, 'utf8'));
}

/** The owner a lock file's text names, or null when it is not a tfai lock (empty, damaged, foreign). */
function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (o && Number.isInteger(o.pid) && typeof o.host === 'string' && typeof o.token === 'string') return o as LockOwner;
  } catch {
    // not JSON: a foreign or damaged file
  }
  return null;
}

/** Why a lock file that names no owner is not a lock: empty, or what it holds instead. */
function damagedReason(file: string, text: string): string {
  if (text.length === 0) return `the lock file '${file}' is empty (0 bytes): left by a crash or a full disk, it names no owner`;
  const shown = JSON.stringify(text.slice(0, 40)) + (text.length > 40 ? '…' : '');
  return `the lock file '${file}' is damaged (not a tfai lock: ${text.length} bytes starting ${shown}), it names no owner`;
}

/** Why `owner` no longer holds its lock, or null when it may still (then the lock is respected). */
function staleReason(owner: LockOwner): string | null {
  if (owner.host !== hostname()) return null;
  if (owner.pid === pid()) {
    const mine = [...held.values()].some((l) => l.owner.token === owner.token);
    return mine ? null : `left by an earlier fit of this process (pid ${owner.pid}) that did not release it`;
  }
  if (!pidAlive(owner.pid)) return `left by process ${owner.pid}, which is no longer running`;
  const now = startTime(owner.pid);
  if (owner.start !== null && owner.start !== undefined && now !== null && now !== owner.start) return `left by process ${owner.pid}, which is no longer running (that pid now belongs to another process)`;
  return null;
}

function describeOwner(o: LockOwner): string {
  return `${o.by || 'a tfai process'} (pid ${o.pid} on ${o.host}, since ${o.since})`;
}

/**
 * What `createExclusive` did: created the lock, or found one — `linked` when this file system has
 * hard links, so any tfai lock on it was complete from the moment it existed (one that cannot be
 * read is damaged, not being written).
 */
type CreateResult = 'created' | 'exists-linked' | 'exists-plain' | 'retry';

/** Create `file` holding `text` only if it does not exist (atomic, never half-written). */
async function createExclusive(file: string, text: string): Promise<CreateResult> {
  const tmp = tempPathFor(file);
  await fs.writeFile(tmp, text, { flag: 'wx' });
  try {
    await fs.link(tmp, file);
    return 'created';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists-linked';
    if (code === 'ENOENT') return 'retry'; // our temporary was removed under us (a lock holder clearing leftovers): look again
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    // no hard links on this file system: exclusive create (a reader may see it empty for a moment)
    try {
      await fs.writeFile(file, text, { flag: 'wx' });
      return 'created';
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return 'exists-plain';
      throw e2;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Remove the stale lock `file` if it still is the one judged stale (`token`); a lock created
 * meanwhile by another process is put back. Returns whether the stale lock was removed.
 */
async function removeStale(file: string, token: string | null): Promise<boolean> {
  const aside = path.join(path.dirname(file), `${TEMP_PREFIX}stale-lock-${pid()}-${randomHex(4)}`);
  try {
    await fs.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // someone else removed it
    throw e;
  }
  const moved = await readOwner(aside).catch(() => null);
  if ((moved?.token ?? null) !== token) {
    // not the lock we judged stale (another process took over in between): put it back
    await fs.link(aside, file).catch(() => undefined);
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}

/**
 * Lock directory `dir` (which must exist) for this process.
 * @throws Error naming the directory and the owner (pid, host, since) when another live process
 *   or another fit of this process holds it; naming the directory and the failure when the lock
 *   file cannot be written (a read-only or full file system, no permission).
 */
export async function lockDir(dir: string, opts: LockDirOptions): Promise<DirLock> {
  const file = path.join(dir, LOCK_FILE);
  const log = opts.log ?? ((l: string) => console.warn(l));
  const owner: LockOwner = { pid: pid(), host: hostname(), start: startTime(pid()), since: new Date().toISOString(), by: opts.by, token: randomHex(8) };
  for (let attempt = 0; attempt < 5; attempt++) {
    let created: CreateResult;
    try {
      created = await createExclusive(file, `${JSON.stringify(owner)}\n`);
    } catch (e) {
      throw new Error(`${opts.by}: cannot lock the directory '${dir}': ${describeFsError(e)}`, { cause: e });
    }
    if (created === 'retry') continue;
    if (created === 'created') {
      const lock = new DirLock(dir, file, owner);
      held.set(file, lock);
      if (!exitHandler) {
        exitHandler = true;
        onExit(() => {
          for (const l of [...held.values()]) l.releaseSync();
        });
      }
      return lock;
    }
    let current: LockOwner | null;
    let text: string;
    let age = 0;
    try {
      text = await fs.readFile(file, 'utf8');
      current = parseOwner(text);
      age = Date.now() - (await fs.stat(file)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
      throw new Error(`${opts.by}: cannot lock the directory '${dir}': reading its lock file '${file}' failed: ${describeFsError(e)}`, { cause: e });
    }
    let reason: string | null;
    if (current) reason = staleReason(current);
    else if (created === 'exists-plain' && age < 1000) {
      // without hard links a lock is created empty, then filled: give its writer a moment (once per attempt, under a second in all)
      await new Promise((r) => setTimeout(r, 200));
      continue;
    } else reason = damagedReason(file, text);
    if (reason === null) {
      const who = describeOwner(current!);
      const remote = current!.host !== hostname();
      throw new Error(
        `${opts.by}: the directory '${dir}' is in use by ${who}: two fits must not write one checkpoint directory. ` +
          (remote
            ? `It was locked from another host, which cannot be checked from here: if nothing there uses it any more, delete '${file}'.`
            : 'Wait for that fit to end, or give this one another directory.'),
      );
    }
    if (await removeStale(file, current?.token ?? null)) log(`${opts.by}: taking over the lock of '${dir}': ${reason}${current ? ` (locked since ${current.since})` : ''}`);
  }
  throw new Error(`${opts.by}: cannot lock the directory '${dir}': the lock file '${file}' keeps changing (other processes are starting on it)`);
}
