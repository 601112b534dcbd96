/**
 * What a crash, a hand edit or a hostile file can leave in a checkpoint directory, and what resume
 * and the next fit make of it:
 * - a `latest` / `best` pointer holding `..`, a path, a hidden name or nothing is refused naming the
 *   pointer (`..` used to resume from the parent directory); one naming a missing folder says so;
 * - `latest` deleted while checkpoint folders exist: resume takes the newest complete one and says so;
 * - a half-deleted checkpoint folder (rotation killed half way) is removed at the next start, and
 *   rotation itself never leaves one under a checkpoint's name;
 * - `learn.load(directory)` says it was given a folder, and which file to give.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, Runner, CheckpointCallback } from '../../src/index.js';
import { convLearner, trackingCbs } from '../fixtures/tiny-conv.js';
import { readCheckpointFiles, removeCheckpointFolder, resolveCheckpoint } from '../../src/io/checkpoint-folder.js';

let root: string;
let base: string; // a directory with epoch-0001 … epoch-0003 (keep 3), made once and copied per test
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tfai-ckrec-'));
  base = path.join(root, 'base');
  await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir: base, keep: 3 })], log: () => {} }).fit(3, convLearner());
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
/** A fresh copy of the base directory, inside its own parent (so `..` has somewhere to go). */
async function copy(): Promise<string> {
  const dir = path.join(root, `case-${n++}`, 'ckpt');
  await fs.cp(base, dir, { recursive: true });
  return dir;
}
const resume = async (dir: string, log: string[] = [], epochs = 5): Promise<void> => {
  await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir, log: (l) => log.push(l) })], log: (l) => log.push(l) }).fit(epochs, convLearner({ seed: 4 }), { resume: dir });
};

describe('pointers name a checkpoint folder inside their directory, nothing else', () => {
  for (const bad of ['..', '.', '../ckpt', '/etc', 'epoch-0001/..', '.tfai-tmp-epoch-0002-1-ab', '']) {
    it(`latest holding ${JSON.stringify(bad)} is refused naming the pointer`, async () => {
      const dir = await copy();
      // what `..` would reach: a checkpoint-looking parent (state.json of a real checkpoint)
      await fs.cp(path.join(dir, 'epoch-0002'), path.dirname(dir), { recursive: true });
      await fs.writeFile(path.join(dir, 'latest'), `${bad}\n`);
      const msg = `checkpoint pointer '${path.join(dir, 'latest')}' holds ${JSON.stringify(bad)}, not the name of a checkpoint folder inside '${dir}'`;
      await expect(resolveCheckpoint(dir)).rejects.toThrow(msg);
      await expect(resume(dir)).rejects.toThrow(msg);
      await expect(resolveCheckpoint(path.join(dir, 'latest'))).rejects.toThrow(msg);
    });
  }

  it('best holding `..` is refused too', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'best'), '..\n');
    await expect(resolveCheckpoint(path.join(dir, 'best'))).rejects.toThrow(`checkpoint pointer '${path.join(dir, 'best')}' holds "..", not the name of a checkpoint folder`);
  });

  it('a pointer naming a folder that is not there says so and lists the checkpoints there', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'latest'), 'epoch-0009\n');
    await expect(resume(dir)).rejects.toThrow(`resume: the pointer '${path.join(dir, 'latest')}' names 'epoch-0009', but '${path.join(dir, 'epoch-0009')}' does not exist (checkpoints in '${dir}': epoch-0001, epoch-0002, epoch-0003`);
  });

  it('a pointer naming a link to a folder elsewhere is refused', async () => {
    const dir = await copy();
    await fs.symlink(path.join(dir, 'epoch-0002'), path.join(dir, 'epoch-0007'));
    await fs.writeFile(path.join(dir, 'latest'), 'epoch-0007\n');
    await expect(resolveCheckpoint(dir)).rejects.toThrow(`'${path.join(dir, 'epoch-0007')}' is not a folder`);
  });
});

describe('latest deleted while checkpoint folders exist', () => {
  it('resume takes the newest complete checkpoint and says so', async () => {
    const dir = await copy();
    await fs.rm(path.join(dir, 'latest'));
    const log: string[] = [];
    await resume(dir, log);
    expect(log).toContain(`tfai: note: the 'latest' pointer of '${dir}' is missing: resuming from its newest complete checkpoint 'epoch-0003' (of 3)`);
    expect(log).toContain(`tfai: resuming from ${path.join(dir, 'epoch-0003')} at epoch 3, train batch 0`);
    expect((await fs.readFile(path.join(dir, 'latest'), 'utf8')).trim()).toBe('epoch-0005');
  });

  it('a newer damaged folder is skipped, and the note says why', async () => {
    const dir = await copy();
    await fs.rm(path.join(dir, 'latest'));
    const model = path.join(dir, 'epoch-0003', 'model.safetensors');
    await fs.truncate(model, 10);
    const files = await readCheckpointFiles(dir);
    expect(files.folder).toBe(path.join(dir, 'epoch-0002'));
    expect(files.note).toMatch(/resuming from its newest complete checkpoint 'epoch-0002' \(of 3\); skipped newer incomplete ones: epoch-0003: .*model\.safetensors is 10 bytes but state\.json says/);
  });

  it('no complete folder at all: an error listing why each was refused', async () => {
    const dir = await copy();
    await fs.rm(path.join(dir, 'latest'));
    for (const e of ['epoch-0001', 'epoch-0002', 'epoch-0003']) await fs.truncate(path.join(dir, e, 'optimizer.safetensors'), 3);
    await expect(readCheckpointFiles(dir)).rejects.toThrow(/has no 'latest' pointer and none of its 3 checkpoint folders is complete: epoch-0003: .*; epoch-0002: .*; epoch-0001: /);
  });
});

describe('a checkpoint folder a crash left half-deleted', () => {
  it('is removed at the next start (empty, or without state.json, or missing a file); complete ones, pointed ones and foreign ones stay', async () => {
    const dir = await copy();
    await fs.mkdir(path.join(dir, 'epoch-0000')); // empty
    await fs.mkdir(path.join(dir, 'epoch-0001-train-0002'));
    await fs.writeFile(path.join(dir, 'epoch-0001-train-0002', 'model.safetensors'), 'x'); // state.json already gone
    await fs.rm(path.join(dir, 'epoch-0001', 'optimizer.safetensors')); // state.json left, a file gone
    await fs.mkdir(path.join(dir, 'epoch-0004-r1'));
    await fs.writeFile(path.join(dir, 'epoch-0004-r1', 'notes.txt'), 'mine'); // not only checkpoint files: not ours to delete
    await fs.mkdir(path.join(dir, 'results')); // not a checkpoint name
    await fs.mkdir(path.join(dir, 'epoch-0009'));
    await fs.writeFile(path.join(dir, 'epoch-0009', 'state.json'), JSON.stringify({ format: 'tfai-checkpoint', version: 2 })); // a newer tfai's: not ours to judge
    const log: string[] = [];
    await new Runner({ cbs: [...trackingCbs().cbs, new CheckpointCallback({ dir, keep: 10, log: (l) => log.push(l) })], log: () => {} }).fit(4, convLearner({ seed: 4 }), { resume: dir });
    const names = (await fs.readdir(dir)).sort();
    expect(names).toEqual(['epoch-0002', 'epoch-0003', 'epoch-0004', 'epoch-0004-r1', 'epoch-0009', 'latest', 'results']);
    expect(log.sort()).toEqual([
      `CheckpointCallback: removed '${path.join(dir, 'epoch-0000')}', a checkpoint folder a crash left incomplete (empty)`,
      `CheckpointCallback: removed '${path.join(dir, 'epoch-0001')}', a checkpoint folder a crash left incomplete (optimizer.safetensors is missing)`,
      `CheckpointCallback: removed '${path.join(dir, 'epoch-0001-train-0002')}', a checkpoint folder a crash left incomplete (no state.json)`,
    ]);
  });

  it('rotation renames a folder away before deleting it, so a crash in between leaves only a temporary', async () => {
    const dir = await copy();
    const rm = fs.rm;
    let seen: string[] = [];
    // a crash during the delete: the rm never happens
    (fs as { rm: typeof fs.rm }).rm = async () => {
      seen = await fs.readdir(dir);
    };
    try {
      await removeCheckpointFolder(dir, 'epoch-0001');
    } finally {
      (fs as { rm: typeof fs.rm }).rm = rm;
    }
    expect(seen).not.toContain('epoch-0001');
    expect(seen.some((s) => s.startsWith('.tfai-tmp-deleted-epoch-0001'))).toBe(true);
    expect(existsSync(path.join(dir, 'epoch-0001'))).toBe(false);
  });
});

describe('learn.load given a folder', () => {
  it('a checkpoint directory: says it is a folder and names the weights file to give', async () => {
    const learn = convLearner();
    await expect(learn.load(base)).rejects.toThrow(
      `loading weights: '${base}' is a folder, not a weights file (.safetensors or .pth). It holds a checkpoint: to load its weights give '${path.join(base, 'epoch-0003', 'model.safetensors')}'; to continue its training use run.fit(epochs, learn, { resume: ${JSON.stringify(base)} })`,
    );
    await learn.load(path.join(base, 'epoch-0003', 'model.safetensors'));
  });

  it('another folder, and a missing file: named, with what failed', async () => {
    const learn = convLearner();
    await expect(learn.load(root)).rejects.toThrow(`loading weights: '${root}' is a folder, not a weights file (.safetensors or .pth); give the path of a file written by learn.save, PyTorch's safetensors or torch.save`);
    await expect(learn.load(path.join(root, 'nope.safetensors'))).rejects.toThrow(`loading weights: reading '${path.join(root, 'nope.safetensors')}' failed: no such file or folder (ENOENT, open)`);
  });
});
