/**
 * A checkpoint directory that cannot be written: a read-only one, or one that cannot be created, is
 * refused at `beginFit` — before a single batch, not after a full epoch — naming the directory and
 * why; a disk that fills up mid-fit fails the save naming the checkpoint, the file, the reason and
 * the checkpoint that is still intact, leaves no temporary behind and releases the directory.
 *
 * Failures are injected into the fs calls (test/helpers/fs-faults.ts); where this process may mount
 * file systems (root on Linux), the same is checked on a real read-only and a real tiny tmpfs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, existsSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback } from '../../src/index.js';
import { convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import { readCheckpointFiles } from '../../src/io/checkpoint-folder.js';
import { LOCK_FILE } from '../../src/io/dir-lock.js';
import { diskFull, readOnly } from '../helpers/fs-faults.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-ckdisk-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
const restores: (() => void)[] = [];
afterEach(() => {
  restores.splice(0).forEach((r) => r());
});

/** Counts training batches (to show a failure came before any). */
class Batches extends Callback {
  n = 0;
  override afterBatch(): void {
    if (this.run.inTrain) this.n++;
  }
}

/** Whether this process may mount a tmpfs (root on Linux, with the capability). */
function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = path.join(os.tmpdir(), `tfai-mount-probe-${process.pid}`);
  try {
    mkdirSync(probe, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const MOUNT = canMount();

/** Mount a tmpfs with `opts` on a fresh folder; unmounted after the test. */
async function tmpfs(name: string, opts: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  restores.push(() => execFileSync('umount', [dir]));
  return dir;
}

describe('a checkpoint directory that cannot be written is refused at beginFit', () => {
  it('one that cannot be created (a file in the path): before any batch, naming it and why', async () => {
    const file = path.join(root, 'a-file');
    await fs.writeFile(file, 'x');
    const dir = path.join(file, 'ckpt');
    const b = new Batches();
    await expect(new Runner({ cbs: [b, new CheckpointCallback({ dir })], log: () => {} }).fit(2, convLearner())).rejects.toThrow(
      `CheckpointCallback: cannot create the checkpoint directory '${dir}': '${file}' is a file, not a folder (ENOTDIR, mkdir)`,
    );
    expect(b.n).toBe(0);
  });

  it('a path that is a file: before any batch, naming it', async () => {
    const dir = path.join(root, 'plain-file');
    await fs.writeFile(dir, 'x');
    const b = new Batches();
    await expect(new Runner({ cbs: [b, new CheckpointCallback({ dir })], log: () => {} }).fit(2, convLearner())).rejects.toThrow(
      `CheckpointCallback: cannot create the checkpoint directory '${dir}': '${dir}' is a file, not a folder (EEXIST, mkdir)`,
    );
    expect(b.n).toBe(0);
  });

  it('a read-only one (injected EROFS): before any batch, naming it and why', async () => {
    const dir = path.join(root, 'ro');
    await fs.mkdir(dir);
    restores.push(readOnly(dir));
    const b = new Batches();
    await expect(new Runner({ cbs: [b, new CheckpointCallback({ dir })], log: () => {} }).fit(2, convLearner())).rejects.toThrow(
      `CheckpointCallback: cannot lock the directory '${dir}': the file system is read-only (EROFS`,
    );
    expect(b.n).toBe(0);
  });

  it.runIf(MOUNT)('a read-only mount (real): before any batch, naming it and why', async () => {
    const dir = await tmpfs('ro-mount', 'ro,size=64k');
    const b = new Batches();
    await expect(new Runner({ cbs: [b, new CheckpointCallback({ dir })], log: () => {} }).fit(2, convLearner())).rejects.toThrow(
      `CheckpointCallback: cannot lock the directory '${dir}': the file system is read-only (EROFS, open)`,
    );
    expect(b.n).toBe(0);
  });
});

describe('the disk fills up mid-fit', () => {
  it('injected ENOSPC in the second save: the error names checkpoint, file, reason and the intact one; nothing left behind', async () => {
    const dir = path.join(root, 'full');
    const disk = diskFull(dir);
    restores.push(() => disk.restore());
    class FillUp extends Callback {
      override order = 95; // after the checkpoint of epoch 1
      override afterEpoch(): void {
        disk.full = true;
      }
    }
    const b = new Batches();
    const fit = new Runner({ cbs: [...trackingCbs().cbs, b, new CheckpointCallback({ dir }), new FillUp()], log: () => {} }).fit(3, convLearner());
    await expect(fit).rejects.toThrow(
      `CheckpointCallback: could not save checkpoint 'epoch-0002' in '${dir}': writing '${path.join(dir, 'epoch-0002', 'model.safetensors')}' failed: ` +
        `no space left on the device (the disk is full) (ENOSPC, write); the last complete checkpoint, '${path.join(dir, 'epoch-0001')}', is intact`,
    );
    disk.full = false;
    expect(b.n).toBe(8); // two epochs of 4 batches: it failed at the second save
    expect((await fs.readdir(dir)).sort()).toEqual(['epoch-0001', 'latest']); // no temporary, no lock
    expect((await readCheckpointFiles(dir)).folder).toBe(path.join(dir, 'epoch-0001'));
  });

  it.runIf(MOUNT)('a real 64 KiB tmpfs: fails at a save with the reason; latest is complete; nothing left behind', async () => {
    const dir = await tmpfs('tiny', 'size=64k');
    const fit = new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir, keep: 1000 })], log: () => {} }).fit(200, convLearner());
    await expect(fit).rejects.toThrow(new RegExp(`CheckpointCallback: could not save checkpoint 'epoch-\\d{4}' in '${dir}': .*'${dir}/.*' failed: no space left on the device \\(the disk is full\\) \\(ENOSPC.*; the last complete checkpoint, '${dir}/epoch-\\d{4}', is intact`));
    const names = await fs.readdir(dir);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    await readCheckpointFiles(dir);
  });
});
