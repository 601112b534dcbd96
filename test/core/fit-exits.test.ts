/**
 * Every way out of `fit` releases what the fit took: a callback's exception in any event — also
 * `afterFit` of a callback ordered before `CheckpointCallback` — leaves no lock on the checkpoint
 * directory, and every callback's `afterFit` still runs. The first error is the one `fit` throws.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf, Runner, Callback, CheckpointCallback } from '../../src/index.js';
import type { EventName } from '../../src/index.js';
import { LOCK_FILE } from '../../src/io/index.js';
import { tinyLearner } from '../helpers/tiny.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('tfai-exits-');
const quiet = (): void => {};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Throws `Error(message)` in `event` (once). */
class Thrower extends Callback {
  constructor(
    readonly event: EventName,
    override order: number,
  ) {
    super();
    (this as unknown as Record<string, () => void>)[event] = () => {
      throw new Error(`boom in ${event}`);
    };
  }
}

/** Counts its `afterFit` calls. */
class AfterFitCounter extends Callback {
  override order = 200;
  calls = 0;
  override afterFit(): void {
    this.calls++;
  }
}

const events: EventName[] = ['beginFit', 'beginEpoch', 'beginBatch', 'afterPred', 'afterLoss', 'afterBackward', 'afterStep', 'afterBatch', 'beginValidate', 'afterEpoch', 'afterFit'];

describe('a callback that throws leaves nothing locked', () => {
  for (const event of events) {
    for (const order of [50, 95]) {
      it(`in ${event} (order ${order}, ${order < 90 ? 'before' : 'after'} CheckpointCallback)`, async () => {
        const dir = tempDir();
        const learn = tinyLearner();
        const counter = new AfterFitCounter();
        const run = new Runner({ cbs: [new CheckpointCallback({ dir, log: quiet }), new Thrower(event, order), counter], log: quiet });
        await expect(run.fit(2, learn)).rejects.toThrow(`boom in ${event}`);
        await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
        expect(counter.calls).toBe(1);
        // the directory is free for the next fit, in this process
        await new Runner({ cbs: [new CheckpointCallback({ dir, log: quiet })], log: quiet }).fit(1, tinyLearner());
      });
    }
  }

  it('in afterCancelTrain of an interrupted fit (before CheckpointCallback)', async () => {
    const dir = tempDir();
    const counter = new AfterFitCounter();
    const stopper = new (class extends Callback {
      override afterBatch(): void {
        this.run.requestInterrupt();
      }
    })();
    const run = new Runner({ cbs: [stopper, new Thrower('afterCancelTrain', 50), new CheckpointCallback({ dir, log: quiet }), counter], log: quiet, handleInterrupts: false });
    await expect(run.fit(2, tinyLearner())).rejects.toThrow('boom in afterCancelTrain');
    await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
    expect(counter.calls).toBe(1);
  });

  it('keeps the first error when afterFit of another callback throws as well, and logs the second', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const run = new Runner({ cbs: [new Thrower('afterEpoch', 10), new Thrower('afterFit', 20), new CheckpointCallback({ dir, log: quiet })], log: (l) => lines.push(l) });
    await expect(run.fit(1, tinyLearner())).rejects.toThrow('boom in afterEpoch');
    expect(lines.join('\n')).toMatch(/Thrower\.afterFit.*boom in afterFit/);
    await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('a damaged (0-byte) lock file left in the directory does not block the next fit: taken over with a notice', async () => {
    const dir = tempDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), '');
    const notes: string[] = [];
    await new Runner({ cbs: [new CheckpointCallback({ dir, log: (l) => notes.push(l) })], log: quiet }).fit(1, tinyLearner());
    expect(notes.join('\n')).toMatch(/CheckpointCallback: taking over the lock of .*is empty \(0 bytes\)/);
    await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });
});
