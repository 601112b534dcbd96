/**
 * The kernel pool when the wasm heap grows: a worker's view of the shared memory can be older than
 * the caller's (V8 tells other threads of a grow by an interrupt, and a worker that registers the
 * memory while it grows is never told), and `pad_nhwc`'s bulk-memory copies are bounds-checked
 * against that view. Reproduced deterministically under gdb, which holds the pool's worker inside
 * V8's `AttachSharedWasmMemoryObject` while the memory grows; the pool must refresh the worker's
 * view and give every pad call's right output. (Seen once unprovoked: a Fashion-MNIST epoch
 * under heavy load failed with "pad_nhwc: a pool worker failed".)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeSuite } from '../helpers/suites.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Runs the fixture under gdb; resolves with everything gdb and the fixture printed. */
function underGdb(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tfai-gdb-'));
  return new Promise<string>((resolve, reject) => {
    const gdb = spawn('gdb', ['-q', '-nx', '-x', join(fixtures, 'hold-worker-at-attach.py'), '--args', process.execPath, '--import', 'tsx', join(fixtures, 'pool-grow-race.ts')], {
      cwd: repo,
      env: { ...process.env, TFAI_GDB_SYNC_DIR: dir },
      stdio: ['pipe', 'pipe', 'pipe'], // stdin stays open: gdb keeps serving events until the fixture exits
    });
    let out = '';
    gdb.stdout.on('data', (b: Buffer) => (out += b.toString()));
    gdb.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const kill = setTimeout(() => gdb.kill('SIGKILL'), 100_000);
    gdb.on('error', reject);
    gdb.on('close', () => {
      clearTimeout(kill);
      rmSync(dir, { recursive: true, force: true });
      resolve(out);
    });
  });
}

describeSuite('gdb', 'kernel pool: a worker whose view of the memory is older than the call', () => {
  it('pad_nhwc into pages grown while the worker registered the memory: no failure, right output, the stale view refreshed', async () => {
    const out = await underGdb();
    expect(out, 'the breakpoint must resolve in this Node').not.toContain('tfai-gdb: breakpoint not found');
    expect(out, 'gdb must have held the worker').toMatch(/tfai-gdb: holding thread \d+ in AttachSharedWasmMemoryObject/);
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, out).toBeDefined();
    const r = JSON.parse(line!.slice('RESULT '.length)) as { calls: number; failures: number; firstError?: string; wrong: number; refreshed: number; error?: string };
    expect(r.error, out).toBeUndefined();
    expect(r.failures, r.firstError).toBe(0);
    expect(r.wrong).toBe(0);
    expect(r.refreshed, 'the worker joined a call with its stale view (else this test proves nothing)').toBeGreaterThanOrEqual(1);
  }, 120_000);
});
