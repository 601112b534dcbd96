/**
 * Callbacks that write files (TensorBoard, CSV, checkpoints) refuse a path they cannot write at
 * `beginFit` — before a single batch — naming the callback, the path and the cause; a disk that
 * fills up mid-fit is reported naming the callback and the file, never a bare `ENOSPC … write`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf, Runner, Callback, AvgStatsCallback, CSVLogger, TensorBoardCallback, CheckpointCallback, accuracy } from '../../src/index.js';
import { tinyLearner } from '../helpers/tiny.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { diskFull, readOnly } from '../helpers/fs-faults.js';

const tempDir = tempDirs('tfai-logpaths-');
const restores: (() => void)[] = [];
afterEach(() => {
  restores.splice(0).forEach((r) => r());
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Counts training batches (to show a failure came before any). */
class Batches extends Callback {
  n = 0;
  override afterBatch(): void {
    if (this.run.inTrain) this.n++;
  }
}

type Writer = { name: string; make: (p: string) => Callback; target: (dir: string) => string };
const writers: Writer[] = [
  { name: 'TensorBoardCallback', make: (p) => new TensorBoardCallback({ logDir: p }), target: (d) => path.join(d, 'runs', 'a') },
  { name: 'CSVLogger', make: (p) => new CSVLogger({ path: p }), target: (d) => path.join(d, 'logs', 'history.csv') },
  { name: 'CheckpointCallback', make: (p) => new CheckpointCallback({ dir: p, log: () => {} }), target: (d) => path.join(d, 'ckpt', 'x') },
];

async function fitFails(cb: Callback, pattern: RegExp): Promise<void> {
  const b = new Batches();
  await expect(new Runner({ cbs: [new AvgStatsCallback([accuracy], { log: () => {} }), b, cb], log: () => {}, handleInterrupts: false }).fit(2, tinyLearner())).rejects.toThrow(pattern);
  expect(b.n).toBe(0);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a log path that cannot be written is refused at beginFit, naming callback, path and cause', () => {
  for (const w of writers) {
    it(`${w.name}: a path through a file`, async () => {
      const dir = tempDir();
      const blocker = path.join(dir, path.relative(dir, w.target(dir)).split(path.sep)[0]);
      await fs.writeFile(blocker, 'not a folder');
      await fitFails(w.make(w.target(dir)), new RegExp(`${w.name}: .*'${esc(blocker)}' is a file, not a folder`));
    });

    it(`${w.name}: a read-only folder (injected EROFS)`, async () => {
      const dir = tempDir();
      restores.push(readOnly(dir));
      await fitFails(w.make(w.target(dir)), new RegExp(`${w.name}: .*'${esc(dir)}.*the file system is read-only \\(EROFS`));
    });
  }

  it('TensorBoardCallback: a logDir that is a file', async () => {
    const file = path.join(tempDir(), 'runs');
    await fs.writeFile(file, 'x');
    await fitFails(new TensorBoardCallback({ logDir: file }), new RegExp(`TensorBoardCallback: .*'${esc(file)}' is a file, not a folder`));
  });

  it('CSVLogger: a path that is a folder', async () => {
    const dir = tempDir();
    await fitFails(new CSVLogger({ path: dir }), new RegExp(`CSVLogger: .*'${esc(dir)}'.*is a folder, not a file`));
  });

  it('CSVLogger with append: a read-only existing file (injected EROFS)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'h.csv');
    await new Runner({ cbs: [new AvgStatsCallback([accuracy], { log: () => {} }), new CSVLogger({ path: file })], log: () => {}, handleInterrupts: false }).fit(1, tinyLearner());
    restores.push(readOnly(dir));
    await fitFails(new CSVLogger({ path: file, append: true }), new RegExp(`CSVLogger: .*'${esc(file)}'.*read-only \\(EROFS`));
  });
});

describe('a disk that fills up mid-fit names the callback and the file', () => {
  for (const w of writers.slice(0, 2)) {
    it(`${w.name}`, async () => {
      const dir = tempDir();
      const disk = diskFull(dir);
      restores.push(() => disk.restore());
      class FillUp extends Callback {
        override order = 5;
        override afterEpoch(): void {
          disk.full = true;
        }
      }
      const target = w.target(dir);
      const run = new Runner({ cbs: [new AvgStatsCallback([accuracy], { log: () => {} }), new FillUp(), w.make(target)], log: () => {}, handleInterrupts: false });
      await expect(run.fit(2, tinyLearner())).rejects.toThrow(new RegExp(`${w.name}: .*'${esc(dir)}[^']*' failed: no space left on the device \\(the disk is full\\) \\(ENOSPC, write\\)`));
    });
  }
});
