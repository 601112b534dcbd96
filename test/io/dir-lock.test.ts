/**
 * `lockDir`: one holder per directory; a second is refused naming the owner; stale locks (a dead
 * pid, a reused pid, a lock of this process nobody holds, an unreadable old file) are taken over
 * with a notice; a lock from another host is never taken over; release removes only our own lock;
 * a process that exits (also via `process.exit`) leaves no lock behind.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE, lockDir, type DirLock, type LockOwner } from '../../src/io/dir-lock.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-lock-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
const newDir = async (): Promise<string> => {
  const d = path.join(root, String(n++));
  await fs.mkdir(d);
  return d;
};
const owner = (o: Partial<LockOwner>): string => `${JSON.stringify({ pid: 1, host: os.hostname(), start: null, since: '2020-01-01T00:00:00.000Z', by: 'CheckpointCallback', token: 'feed', ...o })}\n`;

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    c.on('exit', () => resolve(c.pid!));
  });
}

describe('lockDir', () => {
  it('a second lock on the same directory is refused naming the owner; after release it is free again', async () => {
    const dir = await newDir();
    const a = await lockDir(dir, { by: 'first' });
    const held = JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8')) as LockOwner;
    expect(held).toMatchObject({ pid: process.pid, host: os.hostname(), by: 'first' });
    await expect(lockDir(dir, { by: 'second' })).rejects.toThrow(new RegExp(`second: the directory '${dir}' is in use by first \\(pid ${process.pid} on ${os.hostname()}, since .*\\): two fits must not write one checkpoint directory`));
    await a.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const b = await lockDir(dir, { by: 'second' });
    await a.release(); // releasing twice, or after another took it, does not remove the other's lock
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    await b.release();
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]); // no temporaries left
  });

  it('a lock whose process is gone is taken over with a notice', async () => {
    const dir = await newDir();
    const pid = await deadPid();
    await fs.writeFile(path.join(dir, LOCK_FILE), owner({ pid }));
    const notes: string[] = [];
    const lock = await lockDir(dir, { by: 'CheckpointCallback', log: (l) => notes.push(l) });
    expect(notes).toEqual([`CheckpointCallback: taking over the lock of '${dir}': left by process ${pid}, which is no longer running (locked since 2020-01-01T00:00:00.000Z)`]);
    expect((JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8')) as LockOwner).pid).toBe(process.pid);
    await lock.release();
  });

  it.runIf(existsSync('/proc/self/stat'))('a live pid that started at another time than the owner (a reused pid) is stale too', async () => {
    const dir = await newDir();
    const notes: string[] = [];
    // pid 1 runs, but not since the start time written in the lock
    await fs.writeFile(path.join(dir, LOCK_FILE), owner({ pid: 1, start: 1 }));
    const lock = await lockDir(dir, { by: 'X', log: (l) => notes.push(l) });
    expect(notes[0]).toMatch(/left by process 1, which is no longer running \(that pid now belongs to another process\)/);
    await lock.release();
  });

  it('a live process on this host keeps its lock', async () => {
    const dir = await newDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), owner({ pid: process.ppid, start: null }));
    await expect(lockDir(dir, { by: 'X' })).rejects.toThrow(new RegExp(`in use by CheckpointCallback \\(pid ${process.ppid} on ${os.hostname()}, since 2020-01-01T00:00:00.000Z\\).*Wait for that fit to end, or give this one another directory`));
  });

  it('a lock from another host is never taken over; the message says how to remove it', async () => {
    const dir = await newDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), owner({ host: 'elsewhere', pid: await deadPid() }));
    await expect(lockDir(dir, { by: 'X' })).rejects.toThrow(new RegExp(`in use by CheckpointCallback \\(pid \\d+ on elsewhere.*locked from another host.*delete '${path.join(dir, LOCK_FILE)}'`));
  });

  it('a lock of this process that no live lock holds (a fit that never released it) is stale', async () => {
    const dir = await newDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), owner({ pid: process.pid, token: 'forgotten' }));
    const notes: string[] = [];
    const lock = await lockDir(dir, { by: 'X', log: (l) => notes.push(l) });
    expect(notes[0]).toMatch(/left by an earlier fit of this process/);
    await lock.release();
  });

  for (const [what, text] of [
    ['empty (0 bytes)', ''],
    ['garbage', 'garbage'],
    ['JSON without an owner', '{"hello": 1}\n'],
    ['half a lock', owner({}).slice(0, 20)],
  ] as const) {
    it(`a lock file that cannot be read (${what}) is taken over at once, named as damaged, never waited on`, async () => {
      const dir = await newDir();
      await fs.writeFile(path.join(dir, LOCK_FILE), text);
      const notes: string[] = [];
      const timer = vi.spyOn(globalThis, 'setTimeout'); // waiting for a lock's writer is a timer
      let lock: DirLock;
      let waits: unknown[];
      try {
        lock = await lockDir(dir, { by: 'X', log: (l) => notes.push(l) });
      } finally {
        waits = timer.mock.calls.map((c) => c[1]); // the delays asked for (restoring clears them)
        timer.mockRestore();
      }
      expect(waits).toEqual([]);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain(`X: taking over the lock of '${dir}': the lock file '${path.join(dir, LOCK_FILE)}' is `);
      expect(notes[0]).toMatch(text ? /damaged \(not a tfai lock: / : /empty \(0 bytes\)/);
      expect(JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8')).token).toBe(lock.owner.token);
      await lock.release();
    });
  }

  it('a directory that cannot be written fails naming it and why', async () => {
    await expect(lockDir(path.join(root, 'no-such-dir'), { by: 'CheckpointCallback' })).rejects.toThrow(
      new RegExp(`CheckpointCallback: cannot lock the directory '${path.join(root, 'no-such-dir')}': no such file or folder \\(ENOENT`),
    );
  });

  it('a process that ends through process.exit releases its locks', async () => {
    const dir = await newDir();
    const code = `import { lockDir } from './src/io/dir-lock.ts'; await lockDir(${JSON.stringify(dir)}, { by: 'child' }); console.log('locked'); process.exit(3);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve)); // 'close': after its output is read
    expect(out).toContain('locked');
    expect(exit).toBe(3);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});
