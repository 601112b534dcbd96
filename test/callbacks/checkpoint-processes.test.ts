/**
 * One checkpoint directory, several processes (children running test/fixtures/checkpoint-child.ts):
 * - a second process on a directory in use fails at once with a message naming the owner, and the
 *   first trains on undisturbed (before the lock, the second deleted the first one's temporary
 *   folder and the first crashed with ENOENT);
 * - kill -9 at random moments, again and again: `latest` always names a complete checkpoint, and
 *   the next process takes over the dead one's lock (with a notice) and resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, Runner, CheckpointCallback } from '../../src/index.js';
import { convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import { CHECKPOINT_NAME, readCheckpointFiles } from '../../src/io/checkpoint-folder.js';
import { LOCK_FILE } from '../../src/io/dir-lock.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repo, 'test/fixtures/checkpoint-child.ts');
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-ckproc-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** What to wait for in a child's output: a string, a pattern, or a test of the whole output. */
type Wanted = string | RegExp | ((out: string) => boolean);
type Child = { proc: ChildProcess; out: () => string; waitFor: (s: Wanted, ms?: number) => Promise<void>; exited: Promise<{ code: number | null; signal: string | null }> };

function start(dir: string, msPerBatch: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, dir, String(msPerBatch)], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: [Wanted, () => void][] = [];
  const seen = (s: Wanted): boolean => (typeof s === 'string' ? out.includes(s) : typeof s === 'function' ? s(out) : s.test(out));
  const onData = (b: Buffer): void => {
    out += b.toString();
    for (const [s, done] of waiters) if (seen(s)) done();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  // 'close', not 'exit': the child's output may still be in the pipe when it has exited
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (s: Wanted, ms = 150_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (seen(s)) return resolve();
      const t = setTimeout(() => reject(new Error(`child did not print ${String(s)} within ${ms} ms; output:\n${out}`)), ms);
      waiters.push([s, () => (clearTimeout(t), resolve())]);
      void exited.then(() => setTimeout(() => reject(new Error(`child exited before printing ${String(s)}; output:\n${out}`)), 50));
    });
  return { proc, out: () => out, waitFor, exited };
}

const savedCount = (out: string): number => (out.match(/^saved /gm) ?? []).length;

describe('two processes on one checkpoint directory', () => {
  it('the second fails at beginFit naming the owner; the first trains on and ends cleanly, releasing the lock', async () => {
    const dir = path.join(root, 'two');
    const a = start(dir, 20);
    await a.waitFor('training started');
    const b = start(dir, 0);
    const { code } = await b.exited;
    expect(code, b.out()).not.toBe(0);
    expect(b.out()).toMatch(new RegExp(`CheckpointCallback: the directory '${dir}' is in use by CheckpointCallback \\(pid ${a.proc.pid} on ${os.hostname()}, since [^)]+\\): two fits must not write one checkpoint directory`));
    expect(b.out()).not.toMatch(/training started/);
    // the first one keeps saving after the second gave up
    const before = savedCount(a.out());
    await a.waitFor((out) => savedCount(out) >= before + 2);
    a.proc.kill('SIGINT');
    const ended = await a.exited;
    expect(ended.code, a.out()).toBe(0);
    expect(a.out()).toMatch(/fit returned/);
    expect(a.out()).not.toMatch(/ENOENT|Error/);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    await readCheckpointFiles(dir); // complete and verified
  }, 600_000);
});

describe('kill -9 during training and saving, again and again', () => {
  it('latest always names a complete checkpoint; each new process takes over the dead lock and resumes', async () => {
    const dir = path.join(root, 'kill9');
    const delays = [150, 600, 40, 320]; // ms after a save: different points of the save cycle
    let epochs = 0;
    for (const [round, ms] of delays.entries()) {
      const c = start(dir, 0);
      await c.waitFor('training started');
      if (round > 0) {
        expect(c.out()).toMatch(new RegExp(`CheckpointCallback: taking over the lock of '${dir}': left by process \\d+, which is no longer running`));
        expect(c.out()).toMatch(/tfai: resuming from .*epoch-\d{4}/);
      }
      await c.waitFor(/^saved /m); // at least one checkpoint of this process, then kill at some moment after
      await new Promise((r) => setTimeout(r, ms));
      c.proc.kill('SIGKILL');
      const { signal } = await c.exited;
      expect(signal).toBe('SIGKILL');
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true); // left behind: the next process takes it over
      const ck = await readCheckpointFiles(dir); // latest: complete, checksums verified
      expect(ck.state.position.epoch).toBeGreaterThanOrEqual(epochs); // never goes back
      epochs = ck.state.position.epoch;
    }
    // and it resumes in this process too: stale lock taken over, leftovers cleared, training goes on
    const notes: string[] = [];
    const { rec, cbs } = trackingCbs();
    await new Runner({ cbs: [...cbs, new CheckpointCallback({ dir, keep: 2, log: (l) => notes.push(l) })], log: () => {} }).fit(epochs + 1, convLearner({ seed: 5 }), { resume: dir });
    expect(notes.join('\n')).toMatch(/taking over the lock/);
    expect(rec.losses.every(Number.isFinite)).toBe(true);
    const names = await fs.readdir(dir);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]); // no temporaries, no lock
    for (const n of names.filter((x) => CHECKPOINT_NAME.test(x))) await readCheckpointFiles(path.join(dir, n)); // every folder complete
    expect((await readCheckpointFiles(dir)).state.position.epoch).toBe(epochs + 1);
  }, 600_000);
});
